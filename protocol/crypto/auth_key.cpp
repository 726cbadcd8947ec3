#include "protocol/crypto/auth_key.hpp"

#include <algorithm>
#include <cstring>

#include "protocol/crypto/hash.hpp"

namespace tgd::crypto {

AuthKeyId auth_key_id(ByteSpan auth_key) {
  const Sha1Digest digest = sha1(auth_key);
  AuthKeyId id;
  std::copy(digest.begin() + 12, digest.end(), id.begin());
  return id;
}

AuthKeyAuxHash auth_key_aux_hash(ByteSpan auth_key) {
  const Sha1Digest digest = sha1(auth_key);
  AuthKeyAuxHash aux;
  std::copy(digest.begin(), digest.begin() + 8, aux.begin());
  return aux;
}

AuthKey::AuthKey(std::span<const std::uint8_t, kAuthKeySize> key) : key_(key) {
  const Sha1Digest digest = sha1(key);
  std::copy(digest.begin() + 12, digest.end(), id_.begin());
  std::copy(digest.begin(), digest.begin() + 8, aux_hash_.begin());
}

std::optional<AuthKey> AuthKey::from_bytes(ByteSpan key) {
  if (key.size() != kAuthKeySize) return std::nullopt;
  return AuthKey(key.first<kAuthKeySize>());
}

std::int64_t AuthKey::id_value() const noexcept {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value |= std::uint64_t{id_[i]} << (8 * i);
  return static_cast<std::int64_t>(value);
}

}  // namespace tgd::crypto
