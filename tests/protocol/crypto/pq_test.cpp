#include "protocol/crypto/pq.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "protocol/base/hex.hpp"

using namespace tgd;
using namespace tgd::crypto;

TEST_CASE("pq from the legacy docs and from samples-auth_key factor into p < q (T9)") {
  const std::optional<PqFactors> a = factorize_pq(0x17ED48941A08F981ULL);
  REQUIRE(a);
  CHECK(a->p == 0x494C553BULL);
  CHECK(a->q == 0x53911073ULL);
  const std::optional<PqFactors> b = factorize_pq(hex_bytes("256595EDB7766797"));
  REQUIRE(b);
  CHECK(b->p == 1513098571ULL);
  CHECK(b->q == 1780931429ULL);
}

TEST_CASE("factorization handles small, even and near-64-bit semiprimes") {
  CHECK(factorize_pq(6)->q == 3);
  CHECK(factorize_pq(2 * 4294967291ULL)->p == 2);
  const std::optional<PqFactors> big =
      factorize_pq(4294967291ULL * 4294967279ULL);  // two largest 32-bit primes
  REQUIRE(big);
  CHECK(big->p == 4294967279ULL);
  CHECK(big->q == 4294967291ULL);
  const std::optional<PqFactors> lopsided =
      factorize_pq(3ULL * 6148914691236517199ULL);  // 3 * prime near 2^62
  REQUIRE(lopsided);
  CHECK(lopsided->p == 3);
}

TEST_CASE("pq that is not a product of two distinct primes is rejected") {
  CHECK_FALSE(factorize_pq(0));
  CHECK_FALSE(factorize_pq(1));
  CHECK_FALSE(factorize_pq(4));                              // 2 * 2
  CHECK_FALSE(factorize_pq(1513098571ULL));                  // prime
  CHECK_FALSE(factorize_pq(18446744073709551557ULL));        // largest 64-bit prime
  CHECK_FALSE(factorize_pq(1513098571ULL * 1513098571ULL));  // square
  CHECK_FALSE(factorize_pq(3ULL * 5 * 7 * 11 * 13));         // more than two factors
  CHECK_FALSE(factorize_pq(101ULL * 103 * 1780931429ULL));
  CHECK_FALSE(factorize_pq(hex_bytes("01256595EDB7766797")));  // 9 significant bytes
  CHECK(factorize_pq(hex_bytes("00256595EDB7766797")));        // leading zeros are fine
}

TEST_CASE("is_prime_u64 is exact on strong pseudoprimes and edge values") {
  CHECK(is_prime_u64(2));
  CHECK(is_prime_u64(18446744073709551557ULL));
  CHECK_FALSE(is_prime_u64(3215031751ULL));           // strong pseudoprime to bases 2, 3, 5, 7
  CHECK_FALSE(is_prime_u64(3825123056546413051ULL));  // strong pseudoprime to bases 2..23
  CHECK_FALSE(is_prime_u64(18446744073709551615ULL));
}

TEST_CASE("to_big_endian gives the minimal TL bytes of p and q") {
  CHECK(to_hex(to_big_endian(0x5A300D4B)) == "5a300d4b");
  CHECK(to_hex(to_big_endian(0x256595EDB7766797ULL)) == "256595edb7766797");
  CHECK(to_big_endian(0).empty());
}

TEST_CASE("factorizing a pq with two 32-bit factors does not degrade into a long search") {
  // About 0.3-0.7 ms in release builds (see bench_crypto); the bound only catches runaway searches
  // and leaves room for unoptimized sanitizer builds on a shared machine.
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(factorize_pq(4294967291ULL * 4294967279ULL));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200));
}
