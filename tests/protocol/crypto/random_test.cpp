#include "protocol/crypto/random.hpp"

#include <doctest/doctest.h>

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
