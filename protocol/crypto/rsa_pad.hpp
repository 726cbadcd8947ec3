#pragma once
// The two ways MTProto encrypts the handshake's inner data with the server's RSA key:
// - RSA_PAD (facts §2.2), the current scheme, used with p_q_inner_data_dc;
// - the legacy scheme, SHA1(data) || data || random to 255 bytes then raw RSA, still sent by
//   Telethon v1 with p_q_inner_data.
// Both need a 2048-bit key (256-byte blocks).
#include <array>
#include <optional>
#include <span>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/rsa.hpp"

namespace tgd::crypto {

inline constexpr std::size_t kRsaPadMaxData = 144;
inline constexpr std::size_t kRsaPadPaddedSize = 192;
inline constexpr std::size_t kRsaLegacyMaxData = 255 - 20;

// RSA_PAD with random padding and temp_key, retrying with a new temp_key while the block is >= n.
// nullopt if data is longer than 144 bytes or the key is not 2048-bit. Returns 256 bytes.
std::optional<Bytes> rsa_pad_encrypt(const RsaPublicKey& key, ByteSpan data);

// One RSA_PAD attempt with caller-chosen data_with_padding (exactly 192 bytes) and temp_key, for
// reproducible tests and test-DC runs. nullopt if the block would be >= n (choose another temp_key)
// or the sizes are wrong.
std::optional<Bytes> rsa_pad_encrypt_with(const RsaPublicKey& key, ByteSpan data_with_padding,
                                          std::span<const std::uint8_t, 32> temp_key);

// Test-DC side of RSA_PAD: RSA-decrypts, undoes the AES layer and checks the SHA-256. Returns
// data_with_padding (192 bytes; the TL object is at the start, random padding after it), or nullopt
// if the block is malformed or the hash does not match.
std::optional<Bytes> rsa_pad_decrypt(const RsaPrivateKey& key, ByteSpan encrypted_data);

// Legacy scheme. nullopt if data is longer than 235 bytes, the key is not 2048-bit, or (with
// negligible probability for a real key) the block is >= n. Returns 256 bytes.
std::optional<Bytes> rsa_encrypt_legacy(const RsaPublicKey& key, ByteSpan data);

// The decrypted legacy block. The receiver learns the length of data only by parsing the TL
// object at the start of data_with_padding, so the SHA-1 check is a separate step.
struct LegacyRsaPlaintext {
  Sha1Digest hash;          // SHA1(data) as sent
  Bytes data_with_padding;  // data || random, 235 bytes

  // True if hash == SHA1(data_with_padding[0..data_size]).
  bool hash_matches(std::size_t data_size) const;
};
std::optional<LegacyRsaPlaintext> rsa_decrypt_legacy(const RsaPrivateKey& key, ByteSpan encrypted_data);

}  // namespace tgd::crypto
