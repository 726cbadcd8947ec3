#pragma once
// The 2048-bit MTProto authorization key with its identifiers (facts §2.6). The key bytes are wiped
// when the object is destroyed.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/secure_bytes.hpp"

namespace tgd::crypto {

inline constexpr std::size_t kAuthKeySize = 256;
using AuthKeyId = std::array<std::uint8_t, 8>;
using AuthKeyAuxHash = std::array<std::uint8_t, 8>;

// auth_key_id = SHA1(auth_key)[12..20], sent as-is as the first 8 bytes of every encrypted packet.
AuthKeyId auth_key_id(ByteSpan auth_key);
// auth_key_aux_hash = SHA1(auth_key)[0..8] (new_nonce_hashN, retry_id).
AuthKeyAuxHash auth_key_aux_hash(ByteSpan auth_key);

class AuthKey {
 public:
  explicit AuthKey(std::span<const std::uint8_t, kAuthKeySize> key);
  // nullopt unless key is exactly 256 bytes.
  static std::optional<AuthKey> from_bytes(ByteSpan key);

  ByteSpan bytes() const noexcept { return key_; }
  const AuthKeyId& id() const noexcept { return id_; }
  // The id read as the TL long (little-endian) that e.g. auth.bindTempAuthKey and logs use.
  std::int64_t id_value() const noexcept;
  const AuthKeyAuxHash& aux_hash() const noexcept { return aux_hash_; }

 private:
  SecureArray<kAuthKeySize> key_;
  AuthKeyId id_;
  AuthKeyAuxHash aux_hash_;
};

}  // namespace tgd::crypto
