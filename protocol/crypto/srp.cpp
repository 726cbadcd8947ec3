#include "protocol/crypto/srp.hpp"

#include <openssl/evp.h>

#include <climits>

#include "protocol/crypto/constant_time.hpp"
#include "protocol/crypto/detail/openssl_util.hpp"
#include "protocol/crypto/dh.hpp"
#include "protocol/crypto/error.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/random.hpp"

namespace tgd::crypto {
namespace {

using namespace detail;

constexpr std::size_t kNumberSize = 256;  // every SRP number is hashed as 256 big-endian bytes
constexpr std::uint32_t kPasswordIterations = 100000;

Bytes pad256(const BIGNUM* value) {
  Bytes out(kNumberSize);
  if (!bn_to_padded(value, out)) throw CryptoError("SRP value wider than 2048 bits");
  return out;
}

BnPtr bn_from_digest(const Sha256Digest& digest) { return bn_from_bytes(digest); }

// The values both sides derive from (g, p) and the verifier.
struct Group {
  BnCtxPtr ctx = bn_ctx_new();
  BnPtr p;
  BnPtr g;
  Bytes g_padded;
  BnPtr k;  // H(p | pad(g))

  Group(std::int32_t generator, ByteSpan prime)
      : p(bn_from_bytes(prime)),
        g(bn_from_word(static_cast<BN_ULONG>(generator))),
        g_padded(pad256(g.get())) {
    k = bn_from_digest(sha256({prime, g_padded}));
  }

  BnPtr mod_exp(const BIGNUM* base, const BIGNUM* exponent, bool secret) const {
    BnPtr r = bn_new();
    bn_mod_exp(r.get(), base, exponent, p.get(), ctx.get(), secret);
    return r;
  }
  BnPtr mod_mul(const BIGNUM* a, const BIGNUM* b) const {
    BnPtr r = bn_new();
    ensure(BN_mod_mul(r.get(), a, b, p.get(), ctx.get()), "BN_mod_mul");
    return r;
  }
};

// M1 = H(H(p) xor H(pad(g)) | H(salt1) | H(salt2) | pad(A) | pad(B) | K)
std::array<std::uint8_t, 32> proof(const SrpParams& params, const Group& group, ByteSpan a_padded,
                                   ByteSpan b_padded, ByteSpan session_key) {
  Sha256 sha;
  Sha256Digest p_xor_g = sha.digest({params.p});
  const Sha256Digest hash_g = sha.digest({group.g_padded});
  for (std::size_t i = 0; i < p_xor_g.size(); ++i) p_xor_g[i] ^= hash_g[i];
  const Sha256Digest hash_salt1 = sha.digest({params.salt1});
  const Sha256Digest hash_salt2 = sha.digest({params.salt2});
  return sha.digest({p_xor_g, hash_salt1, hash_salt2, a_padded, b_padded, session_key});
}

// K = H(pad(S))
SecureArray<32> session_key(const BIGNUM* shared) {
  SecureBytes padded(kNumberSize);
  if (!bn_to_padded(shared, padded.mutable_span())) throw CryptoError("SRP value wider than 2048 bits");
  SecureArray<32> key;
  Sha256().digest_into({padded}, key.mutable_span());
  return key;
}

// 0 < value < p
bool in_open_range(const BIGNUM* value, const BIGNUM* p) {
  return !BN_is_zero(value) && BN_cmp(value, p) < 0;
}

}  // namespace

SecureBytes pbkdf2_hmac_sha512(ByteSpan password, ByteSpan salt, std::uint32_t iterations, std::size_t size) {
  SecureBytes out(size);
  if (password.size() > INT_MAX || salt.size() > INT_MAX || iterations > INT_MAX || size > INT_MAX) {
    throw CryptoError("pbkdf2_hmac_sha512: argument too large");
  }
  ensure(PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()), static_cast<int>(password.size()),
                           salt.data(), static_cast<int>(salt.size()), static_cast<int>(iterations),
                           md_sha512(), static_cast<int>(size), out.data()),
         "PKCS5_PBKDF2_HMAC");
  return out;
}

SrpPasswordHash srp_password_hash(ByteSpan password, ByteSpan salt1, ByteSpan salt2) {
  // SH(data, salt) = H(salt | data | salt); PH1 = SH(SH(pw, s1), s2); PH2 = SH(PBKDF2(PH1, s1), s2)
  Sha256 sha;
  SecureArray<32> inner, ph1;
  sha.digest_into({salt1, password, salt1}, inner.mutable_span());
  sha.digest_into({salt2, inner, salt2}, ph1.mutable_span());
  const SecureBytes stretched = pbkdf2_hmac_sha512(ph1, salt1, kPasswordIterations, 64);
  SrpPasswordHash ph2;
  sha.digest_into({salt2, stretched, salt2}, ph2.mutable_span());
  return ph2;
}

std::optional<SrpClientProof> srp_client_proof(const SrpPasswordHash& password_hash, const SrpParams& params,
                                               ByteSpan srp_b, ByteSpan a_secret) {
  if (check_dh_params(params.p, params.g) != DhParamsCheck::kOk) return std::nullopt;
  if (srp_b.size() < 248 || srp_b.size() > kNumberSize) return std::nullopt;
  const Group group(params.g, params.p);
  const BnPtr b_pub = bn_from_bytes(srp_b);
  if (!in_open_range(b_pub.get(), group.p.get())) return std::nullopt;

  const BnPtr x = bn_from_bytes(password_hash);
  const BnPtr a = bn_from_bytes(a_secret);
  const BnPtr v = group.mod_exp(group.g.get(), x.get(), /*secret=*/true);
  const BnPtr a_pub = group.mod_exp(group.g.get(), a.get(), /*secret=*/true);
  SrpClientProof out{pad256(a_pub.get()), {}};
  const Bytes b_padded = pad256(b_pub.get());
  const BnPtr u = bn_from_digest(sha256({out.a, b_padded}));

  // S = (B - k*v)^(a + u*x) mod p
  const BnPtr kv = group.mod_mul(group.k.get(), v.get());
  BnPtr base = bn_new();
  ensure(BN_mod_sub(base.get(), b_pub.get(), kv.get(), group.p.get(), group.ctx.get()), "BN_mod_sub");
  BnPtr exponent = bn_new();
  ensure(BN_mul(exponent.get(), u.get(), x.get(), group.ctx.get()), "BN_mul");
  ensure(BN_add(exponent.get(), exponent.get(), a.get()), "BN_add");
  const BnPtr shared = group.mod_exp(base.get(), exponent.get(), /*secret=*/true);

  out.m1 = proof(params, group, out.a, b_padded, session_key(shared.get()));
  return out;
}

std::optional<SrpClientProof> srp_client_proof(const SrpPasswordHash& password_hash, const SrpParams& params,
                                               ByteSpan srp_b) {
  SecureBytes a(kNumberSize);
  random_fill(a.mutable_span());
  return srp_client_proof(password_hash, params, srp_b, a);
}

Bytes srp_verifier(const SrpPasswordHash& password_hash, std::int32_t g, ByteSpan p) {
  const Group group(g, p);
  const BnPtr x = bn_from_bytes(password_hash);
  return pad256(group.mod_exp(group.g.get(), x.get(), /*secret=*/true).get());
}

SrpServerChallenge srp_server_challenge(ByteSpan verifier, std::int32_t g, ByteSpan p) {
  const Group group(g, p);
  const BnPtr v = bn_from_bytes(verifier);
  const BnPtr kv = group.mod_mul(group.k.get(), v.get());
  // The client wants 248..256 significant bytes and 0 < B < p; failing that has probability 2^-60.
  for (int attempt = 0; attempt < 16; ++attempt) {
    SrpServerChallenge challenge{SecureBytes(kNumberSize), {}};
    random_fill(challenge.b.mutable_span());
    const BnPtr b = bn_from_bytes(challenge.b);
    const BnPtr g_b = group.mod_exp(group.g.get(), b.get(), /*secret=*/true);
    BnPtr b_pub = bn_new();
    ensure(BN_mod_add(b_pub.get(), kv.get(), g_b.get(), group.p.get(), group.ctx.get()), "BN_mod_add");
    if (!BN_is_zero(b_pub.get()) && BN_num_bytes(b_pub.get()) >= 248) {
      challenge.srp_b = pad256(b_pub.get());
      return challenge;
    }
  }
  throw CryptoError("srp_server_challenge: no B in range (is p valid?)");
}

bool srp_server_check(const SrpServerChallenge& challenge, ByteSpan verifier, const SrpParams& params,
                      ByteSpan a, ByteSpan m1) {
  const Group group(params.g, params.p);
  const BnPtr a_pub = bn_from_bytes(a);
  // A = 0 (mod p) would force S = 0 whatever the password.
  if (!in_open_range(a_pub.get(), group.p.get()) || m1.size() != 32) return false;
  const Bytes a_padded = pad256(a_pub.get());
  const BnPtr u = bn_from_digest(sha256({a_padded, challenge.srp_b}));

  // S = (A * v^u)^b mod p
  const BnPtr v = bn_from_bytes(verifier);
  const BnPtr v_u = group.mod_exp(v.get(), u.get(), /*secret=*/false);
  const BnPtr base = group.mod_mul(a_pub.get(), v_u.get());
  const BnPtr b = bn_from_bytes(challenge.b);
  const BnPtr shared = group.mod_exp(base.get(), b.get(), /*secret=*/true);

  const auto expected = proof(params, group, a_padded, challenge.srp_b, session_key(shared.get()));
  return constant_time_equal(expected, m1);
}

}  // namespace tgd::crypto
