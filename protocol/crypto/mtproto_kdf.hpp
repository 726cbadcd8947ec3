#pragma once
// Per-message key derivation of MTProto 2.0 (facts §3.2) and of MTProto 1.0 (only used for the
// auth.bindTempAuthKey payload, facts Appendix B.4).
//
// The 2.0 functions take a caller-owned Sha256 so the per-message path reuses one hash context
// instead of allocating (see MessageCipher, which owns one).
#include <array>
#include <cstdint>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/secure_bytes.hpp"

namespace tgd::crypto {

// The x of the formulas: which side sent the message.
enum class Direction : std::uint8_t {
  kClientToServer = 0,
  kServerToClient = 8,
};

using MsgKey = std::array<std::uint8_t, 16>;

struct AesKeyIv {
  SecureArray<32> key;
  SecureArray<32> iv;
};

// --- MTProto 2.0 ---

// SHA256(auth_key[88+x .. 120+x] || plaintext_with_padding).
Sha256Digest msg_key_large(Sha256& sha, const AuthKey& auth_key, Direction direction,
                           ByteSpan plaintext_with_padding);
// msg_key = msg_key_large[8..24].
MsgKey msg_key_from_large(const Sha256Digest& msg_key_large) noexcept;
// Quick-ack token (facts §1.5): LE u32 of msg_key_large[0..4] with the top bit set.
std::uint32_t quick_ack_token(const Sha256Digest& msg_key_large) noexcept;
// aes_key/aes_iv from auth_key, msg_key and x.
AesKeyIv derive_aes_key_iv(Sha256& sha, const AuthKey& auth_key, Direction direction, const MsgKey& msg_key);

// --- MTProto 1.0 ---

// msg_key = SHA1(plaintext without padding)[4..20].
MsgKey msg_key_v1(ByteSpan plaintext_without_padding);
// The SHA1-based aes_key/aes_iv derivation (sha1_a .. sha1_d).
AesKeyIv derive_aes_key_iv_v1(const AuthKey& auth_key, Direction direction, const MsgKey& msg_key);

}  // namespace tgd::crypto
