#pragma once
// Internal to tgd_crypto (includes OpenSSL; only .cpp files include it): RAII owners for OpenSSL
// objects, error reporting, the process-wide fetched algorithm handles and BIGNUM conversions.
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

#include "protocol/base/bytes.hpp"

namespace tgd::crypto::detail {

template <auto Free>
struct OpenSslDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

// BIGNUMs are always cleared on free: many of them hold secret exponents or shared secrets, and the
// cost is negligible next to the arithmetic done on them.
using BnPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, OpenSslDeleter<BN_CTX_free>>;
using BnMontCtxPtr = std::unique_ptr<BN_MONT_CTX, OpenSslDeleter<BN_MONT_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free>>;
using DecoderCtxPtr = std::unique_ptr<OSSL_DECODER_CTX, OpenSslDeleter<OSSL_DECODER_CTX_free>>;
using EncoderCtxPtr = std::unique_ptr<OSSL_ENCODER_CTX, OpenSslDeleter<OSSL_ENCODER_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpenSslDeleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, OpenSslDeleter<OSSL_PARAM_free>>;

// Throws CryptoError("<what>: <OpenSSL error queue>") and clears the queue.
[[noreturn]] void throw_openssl_error(const char* what);

// For OpenSSL calls that return 1 on success and can only fail on allocation/internal errors.
inline void ensure(int ok, const char* what) {
  if (ok != 1) throw_openssl_error(what);
}
template <class T>
T* ensure_ptr(T* p, const char* what) {
  if (p == nullptr) throw_openssl_error(what);
  return p;
}

// After an OpenSSL call failed for an expected reason (bad input), drop the queued errors so they do
// not show up in an unrelated later diagnostic.
void discard_openssl_errors() noexcept;

// Algorithms fetched once per process from the default provider. OpenSSL 3 otherwise re-fetches
// (a locked lookup) on every EVP_*Init when handed the legacy EVP_sha256()-style objects, which
// costs more than hashing a 128-byte message. The handles are immutable and thread-safe; they are
// initialised on first use and kept until exit.
const EVP_MD* md_sha1();
const EVP_MD* md_sha256();
const EVP_MD* md_sha512();
const EVP_MD* md_md5();
const EVP_CIPHER* cipher_aes128_ecb();
const EVP_CIPHER* cipher_aes256_ecb();
const EVP_CIPHER* cipher_aes256_ctr();

BnPtr bn_new();
BnCtxPtr bn_ctx_new();
// Big-endian bytes -> BIGNUM (leading zeros allowed).
BnPtr bn_from_bytes(ByteSpan big_endian);
BnPtr bn_from_word(BN_ULONG value);
// BIGNUM -> big-endian, left-padded to out.size(). Returns false if the value does not fit.
bool bn_to_padded(const BIGNUM* value, MutableByteSpan out);
// BIGNUM -> minimal big-endian bytes (empty for zero).
Bytes bn_to_bytes(const BIGNUM* value);

}  // namespace tgd::crypto::detail

namespace tgd::crypto::detail {

// r = a^e mod m. With secret_exponent and an odd m (every DH/SRP modulus) it uses OpenSSL's
// constant-time Montgomery ladder, so the timing does not depend on the exponent's bits.
void bn_mod_exp(BIGNUM* r, const BIGNUM* a, const BIGNUM* e, const BIGNUM* m, BN_CTX* ctx,
                bool secret_exponent);

}  // namespace tgd::crypto::detail
