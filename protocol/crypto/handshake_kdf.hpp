#pragma once
// Values derived from the nonces during auth key creation (facts §2.1 steps 5-8, §2.3, §2.4).
#include <array>
#include <cstdint>
#include <span>

#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/mtproto_kdf.hpp"

namespace tgd::crypto {

using Nonce = std::span<const std::uint8_t, 16>;     // int128, raw bytes
using NewNonce = std::span<const std::uint8_t, 32>;  // int256, raw bytes

// tmp_aes_key = SHA1(new_nonce || server_nonce) || SHA1(server_nonce || new_nonce)[0..12]
// tmp_aes_iv  = SHA1(server_nonce || new_nonce)[12..20] || SHA1(new_nonce || new_nonce) || new_nonce[0..4]
// Encrypts server_DH_inner_data and client_DH_inner_data (start each message from a fresh IV copy).
AesKeyIv tmp_aes_key_iv(NewNonce new_nonce, Nonce server_nonce);

// new_nonce_hashN = SHA1(new_nonce || byte(N) || auth_key_aux_hash)[4..20]; N = 1 (dh_gen_ok),
// 2 (dh_gen_retry), 3 (dh_gen_fail).
std::array<std::uint8_t, 16> new_nonce_hash(NewNonce new_nonce, std::uint8_t n,
                                            const AuthKeyAuxHash& aux_hash);

// server_DH_params_fail's new_nonce_hash = SHA1(new_nonce)[4..20].
std::array<std::uint8_t, 16> new_nonce_hash_for_fail(NewNonce new_nonce);

// First server_salt = new_nonce[0..8] XOR server_nonce[0..8], as wire bytes (a TL long, LE).
std::array<std::uint8_t, 8> initial_server_salt(NewNonce new_nonce, Nonce server_nonce) noexcept;

}  // namespace tgd::crypto
