#include "protocol/crypto/crc32.hpp"

#include <doctest/doctest.h>

#include "protocol/base/hex.hpp"

using namespace tgd;
using namespace tgd::crypto;

TEST_CASE("CRC-32 check value of '123456789' is 0xcbf43926") {
  CHECK(crc32(as_bytes("123456789")) == 0xcbf43926U);
  CHECK(crc32({}) == 0);
}

TEST_CASE("CRC-32 of a TL declaration gives its constructor id (facts §4.6)") {
  CHECK(crc32(as_bytes("req_pq_multi nonce:int128 = ResPQ")) == 0xbe7e8ef1U);
}

TEST_CASE("CRC-32 of the full-transport req_pq_multi frame (facts §1.8)") {
  const Bytes frame = hex_bytes(
      "34000000 00000000 0000000000000000 d4720600503dc565 14000000 f18e7ebe "
      "406709f612fadfbec3f0289d0aa67eef");
  CHECK(crc32(frame) == 0x88abb722U);  // wire bytes 22 b7 ab 88
}

TEST_CASE("crc32_update continues a running CRC") {
  const ByteSpan all = as_bytes("123456789");
  CHECK(crc32_update(crc32(all.first(4)), all.subspan(4)) == 0xcbf43926U);
  CHECK(crc32_update(0, all) == crc32(all));
}
