#include <doctest/doctest.h>

#include "protocol/base/hex.hpp"
#include "protocol/tl/tl_buffer.hpp"

using namespace tgd;
using namespace tgd::tl;

TEST_CASE("TlWriter writes little-endian scalars, padded strings and vector headers") {
  Bytes out;
  TlWriter w(out);
  w.u32(0x62d6b459);
  w.vector_header(2);
  w.i64(1);
  REQUIRE(w.string("hello"));
  w.bool_(true);
  CHECK(to_hex(out) == "59b4d66215c4b51c0200000001000000000000000568656c6c6f0000b5757299");
}

TEST_CASE("TlWriter uses the long length form from 254 bytes and refuses 2^24") {
  Bytes out;
  TlWriter w(out);
  REQUIRE(w.bytes(Bytes(254, 7)));
  CHECK(out.size() == 260);
  CHECK(to_hex(ByteSpan(out.data(), 4)) == "fefe0000");
  out.clear();
  CHECK_FALSE(w.bytes(Bytes(1u << 24, 0)));
  CHECK(out.empty());
}

TEST_CASE("TlReader reads back what TlWriter wrote and reports done") {
  Bytes out;
  TlWriter w(out);
  w.i32(-5);
  REQUIRE(w.bytes(Bytes(300, 1)));
  w.vector_header(1);
  w.u64(42);
  TlReader r(out);
  CHECK(r.i32() == -5);
  CHECK(r.bytes().size() == 300);
  CHECK(r.vector_header(8) == 1);
  CHECK(r.u64() == 42);
  CHECK(r.done());
}

TEST_CASE("TlReader fails instead of reading past the end or trusting a hostile count") {
  Bytes short_string = hex_bytes("0568656c");  // claims 5 bytes, has 3
  TlReader a(short_string);
  CHECK(a.bytes().empty());
  CHECK_FALSE(a.ok());

  Bytes huge_vector = hex_bytes("15c4b51c ffffff7f 00000000");
  TlReader b(huge_vector);
  CHECK(b.vector_header(8) == 0);
  CHECK_FALSE(b.ok());

  Bytes not_bool = hex_bytes("01020304");
  TlReader c(not_bool);
  c.bool_();
  CHECK_FALSE(c.ok());

  Bytes two{1, 2};
  TlReader d(two);
  CHECK(d.u32() == 0);
  CHECK_FALSE(d.ok());
  CHECK(d.remaining() == 0);
}
