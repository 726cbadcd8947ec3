#include "protocol/crypto/rsa_pad.hpp"

#include <algorithm>

#include "protocol/crypto/aes_ige.hpp"
#include "protocol/crypto/constant_time.hpp"
#include "protocol/crypto/error.hpp"
#include "protocol/crypto/random.hpp"
#include "protocol/crypto/secure_bytes.hpp"

namespace tgd::crypto {
namespace {

constexpr std::size_t kBlockSize = 256;   // 2048-bit RSA block
constexpr std::size_t kHashedSize = 224;  // reversed padded data (192) + SHA-256 (32)
constexpr std::array<std::uint8_t, 32> kZeroIv{};

}  // namespace

std::optional<Bytes> rsa_pad_encrypt_with(const RsaPublicKey& key, ByteSpan data_with_padding,
                                          std::span<const std::uint8_t, 32> temp_key) {
  if (key.size_bytes() != kBlockSize || data_with_padding.size() != kRsaPadPaddedSize) return std::nullopt;
  // key_aes_encrypted = temp_key_xor (32) || aes_encrypted (224)
  SecureArray<kBlockSize> block;
  const MutableByteSpan aes_encrypted = block.mutable_span().subspan(32);
  // data_with_hash = reverse(data_with_padding) || SHA256(temp_key || data_with_padding)
  std::reverse_copy(data_with_padding.begin(), data_with_padding.end(), aes_encrypted.begin());
  Sha256().digest_into({temp_key, data_with_padding}, aes_encrypted.subspan<kRsaPadPaddedSize, 32>());
  (void)AesIge256(temp_key).encrypt(kZeroIv, aes_encrypted, aes_encrypted);  // in place, 224 bytes
  const Sha256Digest mask = sha256(aes_encrypted);
  for (std::size_t i = 0; i < 32; ++i) block[i] = temp_key[i] ^ mask[i];
  return key.encrypt_raw(block);  // nullopt if block >= n
}

std::optional<Bytes> rsa_pad_encrypt(const RsaPublicKey& key, ByteSpan data) {
  if (data.size() > kRsaPadMaxData || key.size_bytes() != kBlockSize) return std::nullopt;
  SecureArray<kRsaPadPaddedSize> padded;
  std::copy(data.begin(), data.end(), padded.begin());
  random_fill(padded.mutable_span().subspan(data.size()));
  // Each attempt is >= n with probability below 1/2 (n >= 2^2047), so 128 failures in a row mean a
  // broken random generator, not bad luck.
  for (int attempt = 0; attempt < 128; ++attempt) {
    SecureArray<32> temp_key;
    random_fill(temp_key.mutable_span());
    if (std::optional<Bytes> encrypted = rsa_pad_encrypt_with(key, padded, temp_key.span())) return encrypted;
  }
  throw CryptoError("rsa_pad_encrypt: no temp_key gave a block below the modulus");
}

std::optional<Bytes> rsa_pad_decrypt(const RsaPrivateKey& key, ByteSpan encrypted_data) {
  if (key.size_bytes() != kBlockSize || encrypted_data.size() != kBlockSize) return std::nullopt;
  std::optional<SecureBytes> block = key.decrypt_raw(encrypted_data);
  if (!block) return std::nullopt;
  const ByteSpan temp_key_xor = block->span().first(32);
  const ByteSpan aes_encrypted = block->span().subspan(32);
  const Sha256Digest mask = sha256(aes_encrypted);
  SecureArray<32> temp_key;
  for (std::size_t i = 0; i < 32; ++i) temp_key[i] = temp_key_xor[i] ^ mask[i];

  SecureArray<kHashedSize> data_with_hash;
  (void)AesIge256(temp_key.span()).decrypt(kZeroIv, aes_encrypted, data_with_hash.mutable_span());
  Bytes data_with_padding(kRsaPadPaddedSize);
  std::reverse_copy(data_with_hash.begin(), data_with_hash.begin() + kRsaPadPaddedSize,
                    data_with_padding.begin());
  const Sha256Digest expected = Sha256().digest({temp_key, data_with_padding});
  if (!constant_time_equal(expected, data_with_hash.span().subspan<kRsaPadPaddedSize, 32>()))
    return std::nullopt;
  return data_with_padding;
}

std::optional<Bytes> rsa_encrypt_legacy(const RsaPublicKey& key, ByteSpan data) {
  if (data.size() > kRsaLegacyMaxData || key.size_bytes() != kBlockSize) return std::nullopt;
  // A 255-byte block read as an integer is below 2^2040 <= n for every 2048-bit n.
  SecureArray<255> block;
  const Sha1Digest hash = sha1(data);
  std::copy(data.begin(), data.end(), std::copy(hash.begin(), hash.end(), block.begin()));
  random_fill(block.mutable_span().subspan(hash.size() + data.size()));
  return key.encrypt_raw(block);
}

bool LegacyRsaPlaintext::hash_matches(std::size_t data_size) const {
  if (data_size > data_with_padding.size()) return false;
  return constant_time_equal(hash, sha1(ByteSpan(data_with_padding).first(data_size)));
}

std::optional<LegacyRsaPlaintext> rsa_decrypt_legacy(const RsaPrivateKey& key, ByteSpan encrypted_data) {
  if (key.size_bytes() != kBlockSize) return std::nullopt;
  std::optional<SecureBytes> block = key.decrypt_raw(encrypted_data);
  if (!block || (*block)[0] != 0) return std::nullopt;  // the sender encrypted 255 bytes
  LegacyRsaPlaintext out;
  std::copy(block->begin() + 1, block->begin() + 21, out.hash.begin());
  out.data_with_padding.assign(block->begin() + 21, block->end());
  return out;
}

}  // namespace tgd::crypto
