#include "protocol/crypto/secure_bytes.hpp"

#include <doctest/doctest.h>

#include "protocol/crypto/constant_time.hpp"
#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;

TEST_CASE("secure_wipe zeroes the given range only") {
  Bytes data(8, 0xaa);
  secure_wipe(data.data() + 2, 4);
  CHECK(to_hex(data) == "aaaa00000000aaaa");
  secure_wipe(nullptr, 0);  // allowed no-op
}

TEST_CASE("SecureBytes wipes the tail it drops when shrinking") {
  SecureBytes secret(Bytes(16, 0x5c));
  const std::uint8_t* storage = secret.data();
  secret.resize(4);
  // The vector keeps the dropped bytes as spare capacity; they must no longer hold the secret.
  CHECK(secret.data() == storage);
  for (std::size_t i = 4; i < 16; ++i) CHECK(storage[i] == 0);
  CHECK(to_hex(secret.span()) == "5c5c5c5c");
}

TEST_CASE("SecureBytes grows zero-filled and keeps its contents through reallocation") {
  SecureBytes secret(Bytes{1, 2, 3});
  secret.append(Bytes(1000, 7));  // forces a reallocation; the old block goes through WipingAllocator
  CHECK(secret.size() == 1003);
  CHECK(secret[0] == 1);
  CHECK(secret[1002] == 7);
  secret.resize(1005);
  CHECK(secret[1004] == 0);
  secret.assign(Bytes{9});
  CHECK(to_hex(secret.span()) == "09");
  secret.clear();
  CHECK(secret.empty());
}

TEST_CASE("SecureArray copies values and exposes fixed-size views") {
  const Bytes key = test::iota_bytes(32);
  SecureArray<32> a(test::first<32>(key));
  SecureArray<32> b = a;
  CHECK(to_hex(b) == to_hex(key));
  CHECK(b.span().size() == 32);
  CHECK(to_hex(SecureArray<4>()) == "00000000");
}

TEST_CASE("constant_time_equal compares contents and rejects different lengths") {
  const Bytes a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4};
  CHECK(constant_time_equal(a, b));
  CHECK_FALSE(constant_time_equal(a, c));
  CHECK_FALSE(constant_time_equal(a, ByteSpan(b).first(2)));
  CHECK(constant_time_equal({}, {}));
}
