#include "protocol/handshake/hashed_data.hpp"

#include <algorithm>

#include "protocol/crypto/aes_ige.hpp"
#include "protocol/crypto/hash.hpp"

namespace tgd::handshake {
namespace {
constexpr std::size_t kHashSize = 20;
}  // namespace

Bytes encrypt_hashed_data(const crypto::AesKeyIv& tmp, ByteSpan data, const RandomSource& random) {
  const std::size_t unpadded = kHashSize + data.size();
  const std::size_t size = (unpadded + 15) & ~std::size_t{15};
  Bytes plaintext(size);
  const crypto::Sha1Digest hash = crypto::sha1(data);
  std::copy(data.begin(), data.end(), std::copy(hash.begin(), hash.end(), plaintext.begin()));
  random(MutableByteSpan(plaintext).subspan(unpadded));
  Bytes encrypted(size);
  (void)crypto::AesIge256(tmp.key.span()).encrypt(tmp.iv.span(), plaintext, encrypted);  // sizes are valid
  return encrypted;
}

std::optional<crypto::SecureBytes> decrypt_hashed_data(const crypto::AesKeyIv& tmp, ByteSpan encrypted) {
  if (encrypted.empty() || encrypted.size() % 16 != 0) return std::nullopt;
  crypto::SecureBytes plaintext(encrypted.size());
  if (!crypto::AesIge256(tmp.key.span()).decrypt(tmp.iv.span(), encrypted, plaintext.mutable_span()))
    return std::nullopt;
  return plaintext;
}

HashedDataCheck check_hashed_data(ByteSpan plaintext, std::size_t data_size) {
  if (plaintext.size() < kHashSize || plaintext.size() - kHashSize < data_size)
    return HashedDataCheck::kBadPadding;
  const crypto::Sha1Digest hash = crypto::sha1(plaintext.subspan(kHashSize, data_size));
  if (!std::equal(hash.begin(), hash.end(), plaintext.begin())) return HashedDataCheck::kBadHash;
  if (plaintext.size() - kHashSize - data_size > kMaxHashedPadding) return HashedDataCheck::kBadPadding;
  return HashedDataCheck::kOk;
}

}  // namespace tgd::handshake
