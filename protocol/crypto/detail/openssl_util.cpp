#include "protocol/crypto/detail/openssl_util.hpp"

#include <openssl/err.h>

#include <string>

#include "protocol/crypto/error.hpp"

namespace tgd::crypto::detail {

void throw_openssl_error(const char* what) {
  std::string message = what;
  char buffer[256];
  while (unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buffer, sizeof buffer);
    message += message.size() == std::char_traits<char>::length(what) ? ": " : "; ";
    message += buffer;
  }
  throw CryptoError(message);
}

void discard_openssl_errors() noexcept { ERR_clear_error(); }

namespace {

const EVP_MD* fetch_md(const char* name) { return ensure_ptr(EVP_MD_fetch(nullptr, name, nullptr), name); }
const EVP_CIPHER* fetch_cipher(const char* name) {
  return ensure_ptr(EVP_CIPHER_fetch(nullptr, name, nullptr), name);
}

}  // namespace

const EVP_MD* md_sha1() {
  static const EVP_MD* const md = fetch_md("SHA1");
  return md;
}
const EVP_MD* md_sha256() {
  static const EVP_MD* const md = fetch_md("SHA256");
  return md;
}
const EVP_MD* md_sha512() {
  static const EVP_MD* const md = fetch_md("SHA512");
  return md;
}
const EVP_MD* md_md5() {
  static const EVP_MD* const md = fetch_md("MD5");
  return md;
}
const EVP_CIPHER* cipher_aes128_ecb() {
  static const EVP_CIPHER* const cipher = fetch_cipher("AES-128-ECB");
  return cipher;
}
const EVP_CIPHER* cipher_aes256_ecb() {
  static const EVP_CIPHER* const cipher = fetch_cipher("AES-256-ECB");
  return cipher;
}
const EVP_CIPHER* cipher_aes256_ctr() {
  static const EVP_CIPHER* const cipher = fetch_cipher("AES-256-CTR");
  return cipher;
}

BnPtr bn_new() { return BnPtr(ensure_ptr(BN_new(), "BN_new")); }

BnCtxPtr bn_ctx_new() { return BnCtxPtr(ensure_ptr(BN_CTX_new(), "BN_CTX_new")); }

BnPtr bn_from_bytes(ByteSpan big_endian) {
  BnPtr value = bn_new();
  ensure_ptr(BN_bin2bn(big_endian.data(), static_cast<int>(big_endian.size()), value.get()), "BN_bin2bn");
  return value;
}

BnPtr bn_from_word(BN_ULONG word) {
  BnPtr value = bn_new();
  ensure(BN_set_word(value.get(), word), "BN_set_word");
  return value;
}

bool bn_to_padded(const BIGNUM* value, MutableByteSpan out) {
  return BN_bn2binpad(value, out.data(), static_cast<int>(out.size())) >= 0;
}

Bytes bn_to_bytes(const BIGNUM* value) {
  Bytes out(static_cast<std::size_t>(BN_num_bytes(value)));
  BN_bn2bin(value, out.data());
  return out;
}

}  // namespace tgd::crypto::detail

namespace tgd::crypto::detail {

void bn_mod_exp(BIGNUM* r, const BIGNUM* a, const BIGNUM* e, const BIGNUM* m, BN_CTX* ctx,
                bool secret_exponent) {
  if (secret_exponent && BN_is_odd(m)) {
    ensure(BN_mod_exp_mont_consttime(r, a, e, m, ctx, nullptr), "BN_mod_exp_mont_consttime");
  } else {
    ensure(BN_mod_exp(r, a, e, m, ctx), "BN_mod_exp");
  }
}

}  // namespace tgd::crypto::detail
