#include "protocol/crypto/rsa.hpp"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "protocol/crypto/detail/openssl_util.hpp"
#include "protocol/crypto/hash.hpp"

namespace tgd::crypto {
namespace {

using namespace detail;

ByteSpan strip_leading_zeros(ByteSpan value) {
  while (!value.empty() && value.front() == 0) value = value.subspan(1);
  return value;
}

// TL bytes (facts §4.2): a 1-byte length below 254, else 0xfe and a 3-byte LE length; zero padding
// to a multiple of 4. Only what the fingerprint needs; the TL codec lives elsewhere.
void append_tl_bytes(Bytes& out, ByteSpan data) {
  const std::size_t start = out.size();
  if (data.size() < 254) {
    out.push_back(static_cast<std::uint8_t>(data.size()));
  } else {
    out.push_back(254);
    for (int i = 0; i < 3; ++i) out.push_back(static_cast<std::uint8_t>(data.size() >> (8 * i)));
  }
  out.insert(out.end(), data.begin(), data.end());
  while ((out.size() - start) % 4 != 0) out.push_back(0);
}

BnPtr get_bn_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* value = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &value) != 1) {
    discard_openssl_errors();
    return nullptr;
  }
  return BnPtr(value);
}

// Decodes a PEM key of type RSA; selection chooses public (any structure) or private keys.
EvpPkeyPtr decode_pem(std::string_view pem, int selection) {
  EVP_PKEY* key = nullptr;
  DecoderCtxPtr ctx(
      ensure_ptr(OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", nullptr, "RSA", selection, nullptr, nullptr),
                 "OSSL_DECODER_CTX_new_for_pkey"));
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  std::size_t size = pem.size();
  if (OSSL_DECODER_from_data(ctx.get(), &data, &size) != 1) {
    discard_openssl_errors();
    EVP_PKEY_free(key);
    return nullptr;
  }
  return EvpPkeyPtr(key);
}

std::optional<RsaPublicKey> public_key_of(const EVP_PKEY* key) {
  const BnPtr n = get_bn_param(key, OSSL_PKEY_PARAM_RSA_N);
  const BnPtr e = get_bn_param(key, OSSL_PKEY_PARAM_RSA_E);
  if (!n || !e) return std::nullopt;
  return RsaPublicKey::from_components(bn_to_bytes(n.get()), bn_to_bytes(e.get()));
}

// Runs an encoder over key and hands the PEM text to sink before wiping OpenSSL's copy.
template <class Sink>
void encode_pem(const EVP_PKEY* key, int selection, const char* structure, Sink&& sink) {
  EncoderCtxPtr ctx(ensure_ptr(OSSL_ENCODER_CTX_new_for_pkey(key, selection, "PEM", structure, nullptr),
                               "OSSL_ENCODER_CTX_new_for_pkey"));
  if (OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0) throw_openssl_error("no PEM encoder for RSA");
  unsigned char* data = nullptr;
  std::size_t size = 0;
  ensure(OSSL_ENCODER_to_data(ctx.get(), &data, &size), "OSSL_ENCODER_to_data");
  sink(ByteSpan(data, size));
  OPENSSL_clear_free(data, size);
}

}  // namespace

std::int64_t rsa_fingerprint(ByteSpan n, ByteSpan e) {
  Bytes serialized;
  append_tl_bytes(serialized, strip_leading_zeros(n));
  append_tl_bytes(serialized, strip_leading_zeros(e));
  const Sha1Digest digest = sha1(serialized);
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value |= std::uint64_t{digest[12 + i]} << (8 * i);
  return static_cast<std::int64_t>(value);
}

RsaPublicKey::RsaPublicKey(Bytes n, Bytes e)
    : n_(std::move(n)), e_(std::move(e)), fingerprint_(rsa_fingerprint(n_, e_)) {}

std::optional<RsaPublicKey> RsaPublicKey::from_pem(std::string_view pem) {
  const EvpPkeyPtr key = decode_pem(pem, EVP_PKEY_PUBLIC_KEY);
  if (!key) return std::nullopt;
  return public_key_of(key.get());
}

std::optional<RsaPublicKey> RsaPublicKey::from_components(ByteSpan n, ByteSpan e) {
  const BnPtr n_bn = bn_from_bytes(n);
  const BnPtr e_bn = bn_from_bytes(e);
  if (!BN_is_odd(n_bn.get()) || !BN_is_odd(e_bn.get()) || BN_is_one(e_bn.get()) ||
      BN_cmp(e_bn.get(), n_bn.get()) >= 0) {
    return std::nullopt;
  }
  return RsaPublicKey(bn_to_bytes(n_bn.get()), bn_to_bytes(e_bn.get()));
}

std::string RsaPublicKey::to_pem() const {
  const BnPtr n = bn_from_bytes(n_);
  const BnPtr e = bn_from_bytes(e_);
  ParamBldPtr builder(ensure_ptr(OSSL_PARAM_BLD_new(), "OSSL_PARAM_BLD_new"));
  ensure(OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()), "OSSL_PARAM_BLD_push_BN");
  ensure(OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()), "OSSL_PARAM_BLD_push_BN");
  ParamPtr params(ensure_ptr(OSSL_PARAM_BLD_to_param(builder.get()), "OSSL_PARAM_BLD_to_param"));
  EvpPkeyCtxPtr ctx(
      ensure_ptr(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), "EVP_PKEY_CTX_new_from_name"));
  ensure(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
  EVP_PKEY* raw = nullptr;
  ensure(EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()), "EVP_PKEY_fromdata");
  const EvpPkeyPtr key(raw);
  std::string pem;
  encode_pem(key.get(), EVP_PKEY_PUBLIC_KEY, "type-specific", [&](ByteSpan text) { pem = as_chars(text); });
  return pem;
}

std::optional<Bytes> RsaPublicKey::encrypt_raw(ByteSpan data) const {
  const BnPtr n = bn_from_bytes(n_);
  const BnPtr e = bn_from_bytes(e_);
  const BnPtr m = bn_from_bytes(data);
  if (BN_cmp(m.get(), n.get()) >= 0) return std::nullopt;
  const BnCtxPtr ctx = bn_ctx_new();
  BnPtr c = bn_new();
  ensure(BN_mod_exp(c.get(), m.get(), e.get(), n.get(), ctx.get()), "BN_mod_exp");
  Bytes out(size_bytes());
  bn_to_padded(c.get(), out);  // c < n always fits
  return out;
}

void detail::EvpPkeyDeleter::operator()(evp_pkey_st* key) const noexcept { EVP_PKEY_free(key); }

RsaPrivateKey::RsaPrivateKey(std::unique_ptr<evp_pkey_st, detail::EvpPkeyDeleter> key,
                             RsaPublicKey public_key)
    : key_(std::move(key)), public_(std::move(public_key)) {}

RsaPrivateKey RsaPrivateKey::generate(unsigned bits) {
  EvpPkeyPtr key(ensure_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)),
                            "EVP_PKEY_Q_keygen"));
  std::optional<RsaPublicKey> public_key = public_key_of(key.get());
  if (!public_key) throw_openssl_error("generated RSA key has no usable public part");
  return RsaPrivateKey(std::unique_ptr<evp_pkey_st, detail::EvpPkeyDeleter>(key.release()),
                       std::move(*public_key));
}

std::optional<RsaPrivateKey> RsaPrivateKey::from_pem(std::string_view pem) {
  EvpPkeyPtr key = decode_pem(pem, EVP_PKEY_KEYPAIR);
  if (!key) return std::nullopt;
  std::optional<RsaPublicKey> public_key = public_key_of(key.get());
  if (!public_key) return std::nullopt;
  return RsaPrivateKey(std::unique_ptr<evp_pkey_st, detail::EvpPkeyDeleter>(key.release()),
                       std::move(*public_key));
}

SecureBytes RsaPrivateKey::to_pem() const {
  SecureBytes pem;
  encode_pem(key_.get(), EVP_PKEY_KEYPAIR, "PrivateKeyInfo", [&](ByteSpan text) { pem.assign(text); });
  return pem;
}

std::optional<SecureBytes> RsaPrivateKey::decrypt_raw(ByteSpan ciphertext) const {
  if (ciphertext.size() != size_bytes()) return std::nullopt;
  EvpPkeyCtxPtr ctx(
      ensure_ptr(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr), "EVP_PKEY_CTX_new_from_pkey"));
  ensure(EVP_PKEY_decrypt_init(ctx.get()), "EVP_PKEY_decrypt_init");
  ensure(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING), "EVP_PKEY_CTX_set_rsa_padding");
  SecureBytes out(size_bytes());
  std::size_t out_size = out.size();
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &out_size, ciphertext.data(), ciphertext.size()) != 1) {
    discard_openssl_errors();  // ciphertext >= n
    return std::nullopt;
  }
  if (out_size != out.size()) return std::nullopt;
  return out;
}

}  // namespace tgd::crypto
