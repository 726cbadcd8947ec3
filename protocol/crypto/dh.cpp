#include "protocol/crypto/dh.hpp"

#include <algorithm>
#include <array>

#include "protocol/crypto/detail/openssl_util.hpp"
#include "protocol/crypto/error.hpp"
#include "protocol/crypto/random.hpp"

namespace tgd::crypto {
namespace {

using namespace detail;

constexpr std::array<std::uint8_t, kDhPrimeSize> kProductionPrime = {
    0xC7, 0x1C, 0xAE, 0xB9, 0xC6, 0xB1, 0xC9, 0x04, 0x8E, 0x6C, 0x52, 0x2F, 0x70, 0xF1, 0x3F, 0x73,
    0x98, 0x0D, 0x40, 0x23, 0x8E, 0x3E, 0x21, 0xC1, 0x49, 0x34, 0xD0, 0x37, 0x56, 0x3D, 0x93, 0x0F,
    0x48, 0x19, 0x8A, 0x0A, 0xA7, 0xC1, 0x40, 0x58, 0x22, 0x94, 0x93, 0xD2, 0x25, 0x30, 0xF4, 0xDB,
    0xFA, 0x33, 0x6F, 0x6E, 0x0A, 0xC9, 0x25, 0x13, 0x95, 0x43, 0xAE, 0xD4, 0x4C, 0xCE, 0x7C, 0x37,
    0x20, 0xFD, 0x51, 0xF6, 0x94, 0x58, 0x70, 0x5A, 0xC6, 0x8C, 0xD4, 0xFE, 0x6B, 0x6B, 0x13, 0xAB,
    0xDC, 0x97, 0x46, 0x51, 0x29, 0x69, 0x32, 0x84, 0x54, 0xF1, 0x8F, 0xAF, 0x8C, 0x59, 0x5F, 0x64,
    0x24, 0x77, 0xFE, 0x96, 0xBB, 0x2A, 0x94, 0x1D, 0x5B, 0xCD, 0x1D, 0x4A, 0xC8, 0xCC, 0x49, 0x88,
    0x07, 0x08, 0xFA, 0x9B, 0x37, 0x8E, 0x3C, 0x4F, 0x3A, 0x90, 0x60, 0xBE, 0xE6, 0x7C, 0xF9, 0xA4,
    0xA4, 0xA6, 0x95, 0x81, 0x10, 0x51, 0x90, 0x7E, 0x16, 0x27, 0x53, 0xB5, 0x6B, 0x0F, 0x6B, 0x41,
    0x0D, 0xBA, 0x74, 0xD8, 0xA8, 0x4B, 0x2A, 0x14, 0xB3, 0x14, 0x4E, 0x0E, 0xF1, 0x28, 0x47, 0x54,
    0xFD, 0x17, 0xED, 0x95, 0x0D, 0x59, 0x65, 0xB4, 0xB9, 0xDD, 0x46, 0x58, 0x2D, 0xB1, 0x17, 0x8D,
    0x16, 0x9C, 0x6B, 0xC4, 0x65, 0xB0, 0xD6, 0xFF, 0x9C, 0xA3, 0x92, 0x8F, 0xEF, 0x5B, 0x9A, 0xE4,
    0xE4, 0x18, 0xFC, 0x15, 0xE8, 0x3E, 0xBE, 0xA0, 0xF8, 0x7F, 0xA9, 0xFF, 0x5E, 0xED, 0x70, 0x05,
    0x0D, 0xED, 0x28, 0x49, 0xF4, 0x7B, 0xF9, 0x59, 0xD9, 0x56, 0x85, 0x0C, 0xE9, 0x29, 0x85, 0x1F,
    0x0D, 0x81, 0x15, 0xF6, 0x35, 0xB1, 0x05, 0xEE, 0x2E, 0x4E, 0x15, 0xD0, 0x4B, 0x24, 0x54, 0xBF,
    0x6F, 0x4F, 0xAD, 0xF0, 0x34, 0xB1, 0x04, 0x03, 0x11, 0x9C, 0xD8, 0xE3, 0xB9, 0x2F, 0xCC, 0x5B};

ByteSpan strip_leading_zeros(ByteSpan value) {
  while (!value.empty() && value.front() == 0) value = value.subspan(1);
  return value;
}

bool is_production_prime(ByteSpan prime) {
  const ByteSpan stripped = strip_leading_zeros(prime);
  return std::equal(stripped.begin(), stripped.end(), kProductionPrime.begin(), kProductionPrime.end());
}

// The condition on p that makes g a quadratic residue generating the subgroup of order (p-1)/2.
bool generator_matches_prime(const BIGNUM* p, std::int32_t g) {
  const auto mod = [p](BN_ULONG m) { return BN_mod_word(p, m); };
  switch (g) {
    case 2:
      return mod(8) == 7;
    case 3:
      return mod(3) == 2;
    case 4:
      return true;
    case 5: {
      const BN_ULONG r = mod(5);
      return r == 1 || r == 4;
    }
    case 6: {
      const BN_ULONG r = mod(24);
      return r == 19 || r == 23;
    }
    case 7: {
      const BN_ULONG r = mod(7);
      return r == 3 || r == 5 || r == 6;
    }
    default:
      return false;
  }
}

bool is_prime(const BIGNUM* value, BN_CTX* ctx) {
  const int result = BN_check_prime(value, ctx, nullptr);
  if (result < 0) throw_openssl_error("BN_check_prime");
  return result == 1;
}

}  // namespace

ByteSpan production_dh_prime() noexcept { return kProductionPrime; }

DhParamsCheck check_dh_params(ByteSpan prime, std::int32_t g) {
  if (g < 2 || g > 7) return DhParamsCheck::kBadGenerator;
  const BnPtr p = bn_from_bytes(prime);
  if (BN_num_bits(p.get()) != 2048) return DhParamsCheck::kBadPrimeSize;
  if (!generator_matches_prime(p.get(), g)) return DhParamsCheck::kBadGenerator;
  if (is_production_prime(prime)) return DhParamsCheck::kOk;

  // p = 2q + 1 is a safe prime iff q is prime and p is prime. Once q is known to be prime, one
  // Fermat test proves p prime (Pocklington: q > sqrt(p), and gcd(3^2 - 1, p) = 1 for odd p), which
  // halves the work of testing both. The cheap Fermat test also goes first: it rejects most
  // composite p before the expensive test of q.
  const BnCtxPtr ctx = bn_ctx_new();
  if (!BN_is_odd(p.get())) return DhParamsCheck::kNotSafePrime;
  BnPtr p_minus_1 = bn_new();
  ensure(BN_sub(p_minus_1.get(), p.get(), BN_value_one()), "BN_sub");
  const BnPtr three = bn_from_word(3);
  BnPtr fermat = bn_new();
  bn_mod_exp(fermat.get(), three.get(), p_minus_1.get(), p.get(), ctx.get(), /*secret_exponent=*/false);
  if (!BN_is_one(fermat.get())) return DhParamsCheck::kNotSafePrime;
  BnPtr q = bn_new();
  ensure(BN_rshift1(q.get(), p.get()), "BN_rshift1");  // (p-1)/2 for odd p
  if (!is_prime(q.get(), ctx.get())) return DhParamsCheck::kNotSafePrime;
  return DhParamsCheck::kOk;
}

bool check_dh_public_value(ByteSpan value, ByteSpan prime) {
  const BnPtr x = bn_from_bytes(value);
  const BnPtr p = bn_from_bytes(prime);
  BnPtr bound = bn_new();
  ensure(BN_set_bit(bound.get(), 2048 - 64), "BN_set_bit");  // 2^(2048-64)
  if (BN_cmp(x.get(), bound.get()) < 0 || BN_cmp(x.get(), p.get()) >= 0) return false;
  BnPtr distance = bn_new();
  ensure(BN_sub(distance.get(), p.get(), x.get()), "BN_sub");  // p - x >= 2^(2048-64)
  return BN_cmp(distance.get(), bound.get()) >= 0;
}

std::optional<Bytes> mod_pow(ByteSpan base, ByteSpan exponent, ByteSpan modulus) {
  const ByteSpan m_bytes = strip_leading_zeros(modulus);
  if (m_bytes.empty()) return std::nullopt;
  const BnPtr a = bn_from_bytes(base);
  const BnPtr e = bn_from_bytes(exponent);
  const BnPtr m = bn_from_bytes(m_bytes);
  const BnCtxPtr ctx = bn_ctx_new();
  BnPtr r = bn_new();
  bn_mod_exp(r.get(), a.get(), e.get(), m.get(), ctx.get(), /*secret_exponent=*/true);
  Bytes out(m_bytes.size());
  bn_to_padded(r.get(), out);  // r < m fits
  return out;
}

DhKeyPair dh_generate_key(std::int32_t g, ByteSpan prime) {
  const BnPtr p = bn_from_bytes(prime);
  const BnPtr generator = bn_from_word(static_cast<BN_ULONG>(g));
  const BnCtxPtr ctx = bn_ctx_new();
  // A public value outside the safe range has probability about 2^-63; a few draws always suffice.
  for (int attempt = 0; attempt < 16; ++attempt) {
    DhKeyPair pair{SecureBytes(kDhPrimeSize), Bytes(kDhPrimeSize)};
    random_fill(pair.secret.mutable_span());
    const BnPtr b = bn_from_bytes(pair.secret);
    BnPtr g_b = bn_new();
    bn_mod_exp(g_b.get(), generator.get(), b.get(), p.get(), ctx.get(), /*secret_exponent=*/true);
    if (bn_to_padded(g_b.get(), pair.public_value) && check_dh_public_value(pair.public_value, prime))
      return pair;
  }
  throw CryptoError("dh_generate_key: no exponent gave a public value in range (is the prime valid?)");
}

std::optional<SecureBytes> dh_shared_secret(ByteSpan peer_public, ByteSpan secret, ByteSpan prime) {
  if (!check_dh_public_value(peer_public, prime)) return std::nullopt;
  const BnPtr peer = bn_from_bytes(peer_public);
  const BnPtr exponent = bn_from_bytes(secret);
  const BnPtr p = bn_from_bytes(prime);
  const BnCtxPtr ctx = bn_ctx_new();
  BnPtr shared = bn_new();
  bn_mod_exp(shared.get(), peer.get(), exponent.get(), p.get(), ctx.get(), /*secret_exponent=*/true);
  SecureBytes out(kDhPrimeSize);
  if (!bn_to_padded(shared.get(), out.mutable_span())) return std::nullopt;  // prime wider than 2048 bits
  return out;
}

}  // namespace tgd::crypto
