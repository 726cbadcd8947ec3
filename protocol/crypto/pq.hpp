#pragma once
// The handshake's proof of work (facts §2.1 step 2): factor the server's 64-bit pq into primes
// p < q. Pollard's rho with Brent's cycle detection, batched gcds and Montgomery multiplication.
// The walk needs on the order of sqrt(p) steps, so Telegram's ~31-bit factors take a few hundred
// microseconds.
#include <cstdint>
#include <optional>

#include "protocol/base/bytes.hpp"

namespace tgd::crypto {

struct PqFactors {
  std::uint64_t p;
  std::uint64_t q;
};

// p < q, both prime, p * q == pq. nullopt if pq is not the product of two distinct primes.
std::optional<PqFactors> factorize_pq(std::uint64_t pq) noexcept;
// pq as the big-endian bytes of the TL string (at most 8 significant bytes).
std::optional<PqFactors> factorize_pq(ByteSpan pq_big_endian) noexcept;

// Minimal big-endian bytes of value (empty for 0): how p and q go back into req_DH_params.
Bytes to_big_endian(std::uint64_t value);

// Deterministic Miller-Rabin, exact for every 64-bit value.
bool is_prime_u64(std::uint64_t n) noexcept;

}  // namespace tgd::crypto
