#include "protocol/crypto/pq.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace tgd::crypto {
namespace {

using u128 = unsigned __int128;

std::uint64_t mul_mod(std::uint64_t a, std::uint64_t b, std::uint64_t m) noexcept {
  return static_cast<std::uint64_t>(static_cast<u128>(a) * b % m);
}

std::uint64_t pow_mod(std::uint64_t base, std::uint64_t exponent, std::uint64_t m) noexcept {
  std::uint64_t result = 1;
  base %= m;
  while (exponent != 0) {
    if (exponent & 1) result = mul_mod(result, base, m);
    base = mul_mod(base, base, m);
    exponent >>= 1;
  }
  return result;
}

std::uint64_t abs_diff(std::uint64_t a, std::uint64_t b) noexcept { return a > b ? a - b : b - a; }

// Montgomery arithmetic modulo an odd n < 2^64: a multiplication without the slow 128-bit division
// of mul_mod. Values stay in Montgomery form (x * 2^64 mod n) throughout the rho walk; that is
// harmless because 2^64 is coprime to n, so gcd(x * 2^64 mod n, n) = gcd(x, n).
class Montgomery {
 public:
  explicit Montgomery(std::uint64_t n) noexcept : n_(n), inverse_(n) {
    for (int i = 0; i < 5; ++i) inverse_ *= 2 - n * inverse_;  // Newton: n * inverse_ = 1 mod 2^64
  }
  // a * b / 2^64 mod n for a, b < n.
  std::uint64_t mul(std::uint64_t a, std::uint64_t b) const noexcept {
    const u128 t = static_cast<u128>(a) * b;
    const std::uint64_t m = static_cast<std::uint64_t>(t) * inverse_;
    const std::uint64_t t_high = static_cast<std::uint64_t>(t >> 64);
    const std::uint64_t mn_high = static_cast<std::uint64_t>((static_cast<u128>(m) * n_) >> 64);
    // The low halves of t and m * n are equal, so (t - m * n) / 2^64 = t_high - mn_high, in (-n, n).
    return t_high >= mn_high ? t_high - mn_high : t_high - mn_high + n_;
  }
  std::uint64_t add(std::uint64_t a, std::uint64_t b) const noexcept {
    const std::uint64_t sum = a + b;
    return sum < a || sum >= n_ ? sum - n_ : sum;
  }

 private:
  std::uint64_t n_;
  std::uint64_t inverse_;
};

// One run of Pollard's rho with Brent's cycle detection, f(y) = y^2 + c in Montgomery form, on odd
// composite n. Returns a proper divisor, or nullopt if this c found only the trivial cycle.
// (Interleaving several walks was tried: the extra multiplications cost as much as they save.)
std::optional<std::uint64_t> rho_brent(std::uint64_t n, std::uint64_t c) noexcept {
  constexpr std::uint64_t kBatch = 128;  // one gcd per batch of accumulated differences
  const Montgomery mont(n);
  c %= n;
  const auto f = [&mont, c](std::uint64_t y) { return mont.add(mont.mul(y, y), c); };
  std::uint64_t y = 2, x = 2, saved = 2, product = 1, divisor = 1;
  for (std::uint64_t r = 1; divisor == 1; r *= 2) {
    x = y;
    for (std::uint64_t i = 0; i < r; ++i) y = f(y);
    for (std::uint64_t k = 0; k < r && divisor == 1; k += kBatch) {
      saved = y;
      const std::uint64_t steps = std::min(kBatch, r - k);
      for (std::uint64_t i = 0; i < steps; ++i) {
        y = f(y);
        product = mont.mul(product, abs_diff(x, y));
      }
      divisor = std::gcd(product, n);
    }
  }
  if (divisor == n) {
    // The batch overshot (the product hit 0 mod n); replay it one step at a time.
    do {
      saved = f(saved);
      divisor = std::gcd(abs_diff(x, saved), n);
    } while (divisor == 1);
  }
  if (divisor == n) return std::nullopt;
  return divisor;
}

}  // namespace

bool is_prime_u64(std::uint64_t n) noexcept {
  if (n < 2) return false;
  for (std::uint64_t small : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    if (n % small == 0) return n == small;
  }
  std::uint64_t d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  // These 12 prime bases make Miller-Rabin exact below 3.3e24, so for all 64-bit n.
  for (std::uint64_t a : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    std::uint64_t x = pow_mod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < s && composite; ++i) {
      x = mul_mod(x, x, n);
      composite = x != n - 1;
    }
    if (composite) return false;
  }
  return true;
}

std::optional<PqFactors> factorize_pq(std::uint64_t pq) noexcept {
  if (pq < 6 || is_prime_u64(pq)) return std::nullopt;
  std::uint64_t divisor = 0;
  if (pq % 2 == 0) {
    divisor = 2;
  } else {
    // Each c is an independent pseudo-random walk; the first one nearly always succeeds.
    for (std::uint64_t c = 1; c <= 64 && divisor == 0; ++c) divisor = rho_brent(pq, c).value_or(0);
    if (divisor == 0) return std::nullopt;
  }
  std::uint64_t p = divisor, q = pq / divisor;
  if (p > q) std::swap(p, q);
  if (p == q || !is_prime_u64(p) || !is_prime_u64(q)) return std::nullopt;
  return PqFactors{p, q};
}

std::optional<PqFactors> factorize_pq(ByteSpan pq_big_endian) noexcept {
  while (!pq_big_endian.empty() && pq_big_endian.front() == 0) pq_big_endian = pq_big_endian.subspan(1);
  if (pq_big_endian.size() > 8) return std::nullopt;
  std::uint64_t value = 0;
  for (std::uint8_t byte : pq_big_endian) value = value << 8 | byte;
  return factorize_pq(value);
}

Bytes to_big_endian(std::uint64_t value) {
  Bytes out;
  for (int shift = 56; shift >= 0; shift -= 8) {
    const auto byte = static_cast<std::uint8_t>(value >> shift);
    if (byte != 0 || !out.empty()) out.push_back(byte);
  }
  return out;
}

}  // namespace tgd::crypto
