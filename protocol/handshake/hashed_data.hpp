#pragma once
// The encrypted payloads of server_DH_params_ok (encrypted_answer) and set_client_DH_params
// (encrypted_data): AES-256-IGE under the tmp key/iv derived from the nonces (facts §2.3) of
//   SHA1(data) (20 bytes) || data || 0..15 random bytes, to a multiple of 16
// (facts §2.1 steps 5 and 6). The receiver learns the length of data only by parsing the TL object,
// so decrypting and checking are separate steps.
#include <cstdint>
#include <optional>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/mtproto_kdf.hpp"
#include "protocol/crypto/secure_bytes.hpp"
#include "protocol/handshake/sources.hpp"

namespace tgd::handshake {

inline constexpr std::size_t kMaxHashedPadding = 15;

// SHA1(data) || data || padding (random bytes from `random`), encrypted.
Bytes encrypt_hashed_data(const crypto::AesKeyIv& tmp, ByteSpan data, const RandomSource& random);

// The decrypted plaintext. nullopt if encrypted is empty or not a multiple of 16 bytes.
std::optional<crypto::SecureBytes> decrypt_hashed_data(const crypto::AesKeyIv& tmp, ByteSpan encrypted);

enum class HashedDataCheck : std::uint8_t {
  kOk,
  kBadHash,     // SHA1 of the first data_size bytes after the hash differs
  kBadPadding,  // more than 15 bytes follow the data (or data_size overruns the plaintext)
};

// Checks a decrypted plaintext whose TL object (parsed from offset 20) is data_size bytes long.
HashedDataCheck check_hashed_data(ByteSpan plaintext, std::size_t data_size);

}  // namespace tgd::handshake
