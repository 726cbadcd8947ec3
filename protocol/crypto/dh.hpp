#pragma once
// Diffie-Hellman for auth key creation (facts §2.1 steps 6-7, §2.5): parameter and range checks,
// key generation and the shared key. All numbers are big-endian byte strings.
#include <cstdint>
#include <optional>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/secure_bytes.hpp"

namespace tgd::crypto {

inline constexpr std::size_t kDhPrimeSize = 256;

// Telegram's current dh_prime (also the SRP p), 256 bytes.
ByteSpan production_dh_prime() noexcept;

enum class DhParamsCheck : std::uint8_t {
  kOk,
  kBadPrimeSize,  // not exactly 2048 bits
  kBadGenerator,  // g outside 2..7, or p fails g's quadratic-residue condition
  kNotSafePrime,  // p or (p-1)/2 is not prime
};

// The mandatory checks of (dh_prime, g). The production prime is recognised by comparison, so the
// common case costs microseconds; any other prime gets a probabilistic primality test of (p-1)/2
// plus a Fermat test of p (about 0.2 s for a safe 2048-bit prime) — callers that see the same
// foreign prime repeatedly should remember the result.
DhParamsCheck check_dh_params(ByteSpan prime, std::int32_t g);

// Range check of g_a / g_b: 2^(2048-64) <= value <= prime - 2^(2048-64), which implies
// 1 < value < prime - 1.
bool check_dh_public_value(ByteSpan value, ByteSpan prime);

// base^exponent mod modulus, left-padded to the modulus length (leading zeros of modulus ignored).
// The exponent is treated as secret (constant-time ladder for odd moduli). nullopt if modulus is 0.
std::optional<Bytes> mod_pow(ByteSpan base, ByteSpan exponent, ByteSpan modulus);

struct DhKeyPair {
  SecureBytes secret;  // b (or a): 256 random bytes
  Bytes public_value;  // g^b mod p, 256 bytes
};

// A fresh exponent whose public value passes check_dh_public_value (re-drawn otherwise).
// Precondition: check_dh_params(prime, g) == kOk.
DhKeyPair dh_generate_key(std::int32_t g, ByteSpan prime);

// auth_key = peer_public^secret mod prime as exactly 256 bytes (left-padded). nullopt if
// peer_public fails check_dh_public_value.
std::optional<SecureBytes> dh_shared_secret(ByteSpan peer_public, ByteSpan secret, ByteSpan prime);

}  // namespace tgd::crypto
