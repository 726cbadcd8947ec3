#include "protocol/handshake/rsa_inner_data.hpp"

#include <algorithm>

#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/rsa_pad.hpp"
#include "protocol/crypto/secure_bytes.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::handshake {
namespace {

// Each RSA_PAD attempt fails with probability below 1/2 (n >= 2^2047); 64 failures in a row mean a
// broken random source.
constexpr int kMaxRsaPadAttempts = 64;
constexpr std::size_t kLegacyBlockSize = 255;

std::optional<Bytes> encrypt_rsa_pad(const crypto::RsaPublicKey& key, ByteSpan data,
                                     const RandomSource& random) {
  if (data.size() > crypto::kRsaPadMaxData) return std::nullopt;
  crypto::SecureArray<crypto::kRsaPadPaddedSize> padded;
  std::copy(data.begin(), data.end(), padded.begin());
  random(padded.mutable_span().subspan(data.size()));
  for (int attempt = 0; attempt < kMaxRsaPadAttempts; ++attempt) {
    crypto::SecureArray<32> temp_key;
    random(temp_key.mutable_span());
    if (std::optional<Bytes> encrypted = crypto::rsa_pad_encrypt_with(key, padded, temp_key.span()))
      return encrypted;
  }
  return std::nullopt;
}

std::optional<Bytes> encrypt_legacy(const crypto::RsaPublicKey& key, ByteSpan data,
                                    const RandomSource& random) {
  if (data.size() > crypto::kRsaLegacyMaxData) return std::nullopt;
  // 255 bytes read as an integer are below 2^2040 <= n for every 2048-bit n: one attempt suffices.
  crypto::SecureArray<kLegacyBlockSize> block;
  const crypto::Sha1Digest hash = crypto::sha1(data);
  std::copy(data.begin(), data.end(), std::copy(hash.begin(), hash.end(), block.begin()));
  random(block.mutable_span().subspan(hash.size() + data.size()));
  return key.encrypt_raw(block);
}

// Parses the p_q_inner_data at the start of a decrypted RSA_PAD block (random padding follows it),
// then wipes the block: it holds new_nonce.
std::optional<PqInnerData> parse_and_wipe(Bytes& block) {
  tl::TlReader r(block);
  std::optional<PqInnerData> data = read_pq_inner_data(r);
  crypto::secure_wipe(block.data(), block.size());
  return data;
}

}  // namespace

std::optional<Bytes> encrypt_pq_inner_data(const crypto::RsaPublicKey& key, ByteSpan data, RsaScheme scheme,
                                           const RandomSource& random) {
  if (key.size_bytes() != 256) return std::nullopt;
  return scheme == RsaScheme::kRsaPad ? encrypt_rsa_pad(key, data, random)
                                      : encrypt_legacy(key, data, random);
}

std::optional<DecryptedPqInnerData> decrypt_pq_inner_data(const crypto::RsaPrivateKey& key,
                                                          ByteSpan encrypted_data) {
  if (std::optional<Bytes> padded = crypto::rsa_pad_decrypt(key, encrypted_data)) {
    std::optional<PqInnerData> data = parse_and_wipe(*padded);
    if (!data) return std::nullopt;  // the SHA-256 matched, so this was RSA_PAD: no legacy fallback
    return DecryptedPqInnerData{std::move(*data), RsaScheme::kRsaPad};
  }
  std::optional<crypto::LegacyRsaPlaintext> legacy = crypto::rsa_decrypt_legacy(key, encrypted_data);
  if (!legacy) return std::nullopt;
  const crypto::LegacyRsaPlaintext& plaintext = *legacy;
  tl::TlReader r(plaintext.data_with_padding);
  std::optional<PqInnerData> data = read_pq_inner_data(r);
  const bool hash_ok = data && plaintext.hash_matches(r.offset());
  crypto::secure_wipe(legacy->data_with_padding.data(), legacy->data_with_padding.size());
  if (!hash_ok) return std::nullopt;
  return DecryptedPqInnerData{std::move(*data), RsaScheme::kLegacy};
}

}  // namespace tgd::handshake
