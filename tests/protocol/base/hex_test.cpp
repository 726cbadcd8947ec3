#include <doctest/doctest.h>

#include "protocol/base/hex.hpp"

using namespace tgd;

TEST_CASE("hex round-trips and ignores grouping spaces") {
  Bytes b{0x00, 0xab, 0xCD, 0xff};
  CHECK(to_hex(b) == "00abcdff");
  CHECK(*from_hex("00AB cdFF") == b);
}

TEST_CASE("hex rejects odd digit counts and foreign characters") {
  CHECK_FALSE(from_hex("abc"));
  CHECK_FALSE(from_hex("0g"));
}
