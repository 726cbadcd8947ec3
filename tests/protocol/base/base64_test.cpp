#include <doctest/doctest.h>

#include "protocol/base/base64.hpp"

using namespace tgd;

TEST_CASE("base64 encodes the RFC 4648 vectors with padding") {
  CHECK(base64_encode(as_bytes("")) == "");
  CHECK(base64_encode(as_bytes("f")) == "Zg==");
  CHECK(base64_encode(as_bytes("fo")) == "Zm8=");
  CHECK(base64_encode(as_bytes("foo")) == "Zm9v");
  CHECK(base64_encode(as_bytes("foob")) == "Zm9vYg==");
  CHECK(base64_encode(as_bytes("fooba")) == "Zm9vYmE=");
  CHECK(base64_encode(as_bytes("foobar")) == "Zm9vYmFy");
}

TEST_CASE("base64 decodes padded, unpadded and URL-safe text") {
  CHECK(as_chars(*base64_decode("Zm9vYmE=")) == "fooba");
  CHECK(as_chars(*base64_decode("Zm9vYmE")) == "fooba");
  CHECK(as_chars(*base64_decode("Zg")) == "f");
  Bytes binary{0xfb, 0xff, 0xbf};
  CHECK(*base64_decode("+/+/") == binary);
  CHECK(*base64_decode("-_-_") == binary);
}

TEST_CASE("base64 rejects invalid characters, lengths and non-canonical trailing bits") {
  CHECK_FALSE(base64_decode("Zm9v!A=="));
  CHECK_FALSE(base64_decode("Z"));
  CHECK_FALSE(base64_decode("Zm9vY"));
  CHECK_FALSE(base64_decode("Zh=="));  // 'h' leaves non-zero bits after the single byte
  CHECK_FALSE(base64_decode("Zm9=v"));
  CHECK_FALSE(base64_decode("Zg==="));
}

TEST_CASE("base64 round-trips every byte value") {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  for (std::size_t len = 0; len <= all.size(); len += 17) {
    ByteSpan part(all.data(), len);
    auto text = base64_encode(part);
    auto back = base64_decode(text);
    REQUIRE(back);
    CHECK(Bytes(part.begin(), part.end()) == *back);
  }
}
