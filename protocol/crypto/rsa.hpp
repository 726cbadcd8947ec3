#pragma once
// RSA keys as MTProto uses them: raw (unpadded) RSA on big-endian integers, and key fingerprints
// (facts §2.9). RSA_PAD and the legacy padding live in rsa_pad.hpp.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/secure_bytes.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace tgd::crypto {

// Telegram's key fingerprint: the last 8 bytes of SHA1(tl_bytes(n) || tl_bytes(e)) read as a
// little-endian int64, where n and e are minimal big-endian byte strings (leading zeros are
// stripped here) serialized as TL bytes.
std::int64_t rsa_fingerprint(ByteSpan n, ByteSpan e);

class RsaPublicKey {
 public:
  // Parses "BEGIN RSA PUBLIC KEY" (PKCS#1, Telegram's form) or "BEGIN PUBLIC KEY" (X.509 SPKI).
  // nullopt for anything else, including non-RSA keys.
  static std::optional<RsaPublicKey> from_pem(std::string_view pem);
  // nullopt if n or e is zero or even, or e >= n.
  static std::optional<RsaPublicKey> from_components(ByteSpan n, ByteSpan e);

  const Bytes& n() const noexcept { return n_; }  // minimal big-endian
  const Bytes& e() const noexcept { return e_; }  // minimal big-endian
  std::size_t size_bytes() const noexcept { return n_.size(); }
  std::int64_t fingerprint() const noexcept { return fingerprint_; }

  // PKCS#1 PEM ("BEGIN RSA PUBLIC KEY"), the form Telegram publishes and clients embed.
  std::string to_pem() const;

  // Raw RSA: data^e mod n, data read as a big-endian integer. nullopt if data >= n. The result is
  // left-padded to size_bytes().
  std::optional<Bytes> encrypt_raw(ByteSpan data) const;

 private:
  RsaPublicKey(Bytes n, Bytes e);

  Bytes n_;
  Bytes e_;
  std::int64_t fingerprint_;
};

namespace detail {
struct EvpPkeyDeleter {
  void operator()(evp_pkey_st* key) const noexcept;
};
}  // namespace detail

// A private key for the local test DC. Never create or hold one for Telegram's real fingerprints.
class RsaPrivateKey {
 public:
  // Generates a fresh key (2048 bits for MTProto; takes tens to hundreds of milliseconds).
  static RsaPrivateKey generate(unsigned bits = 2048);
  // Parses "BEGIN PRIVATE KEY" (PKCS#8) or "BEGIN RSA PRIVATE KEY" (PKCS#1), unencrypted.
  static std::optional<RsaPrivateKey> from_pem(std::string_view pem);

  // Unencrypted PKCS#8 PEM text (it is the secret, hence SecureBytes).
  SecureBytes to_pem() const;
  const RsaPublicKey& public_key() const noexcept { return public_; }
  std::size_t size_bytes() const noexcept { return public_.size_bytes(); }

  // Raw RSA: ciphertext^d mod n (CRT, blinded by OpenSSL). ciphertext must be size_bytes() long
  // and below n; the result is left-padded to size_bytes().
  std::optional<SecureBytes> decrypt_raw(ByteSpan ciphertext) const;

 private:
  RsaPrivateKey(std::unique_ptr<evp_pkey_st, detail::EvpPkeyDeleter> key, RsaPublicKey public_key);

  std::unique_ptr<evp_pkey_st, detail::EvpPkeyDeleter> key_;
  RsaPublicKey public_;
};

}  // namespace tgd::crypto
