#include "protocol/crypto/random.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

using namespace tgd;
using namespace tgd::crypto;

TEST_CASE("random_bytes returns the requested size and fresh values each call") {
  CHECK(random_bytes(0).empty());
  const Bytes a = random_bytes(32), b = random_bytes(32);
  CHECK(a.size() == 32);
  CHECK(a != b);  // 2^-256 chance of a false failure
}

TEST_CASE("random_u64 is not stuck") {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 16; ++i) seen.insert(random_u64());
  CHECK(seen.size() == 16);
}

TEST_CASE("RandomPool hands out fresh bytes each time, across refills, and large requests whole") {
  RandomPool pool;
  std::set<Bytes> seen;
  // 1,000 draws of 16 bytes cross three refills of the 4 KiB buffer: all different.
  for (int i = 0; i < 1000; ++i) {
    Bytes b(16);
    pool.fill(b);
    seen.insert(b);
  }
  CHECK(seen.size() == 1000);
  // A request larger than the pool's per-request limit is filled whole.
  Bytes big(10'000, 0);
  pool.fill(big);
  CHECK(std::count(big.begin(), big.end(), 0) < 200);  // ~39 zero bytes expected
  // Through a RandomSource with a pool of its own, as the transport and the sessions use it.
  const RandomSource source = pooled_random();
  Bytes a(8), b(8);
  source(a);
  source(b);
  CHECK(a != b);
  Bytes none;
  source(none);  // nothing asked, nothing taken
}
