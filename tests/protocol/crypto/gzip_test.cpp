#include "protocol/crypto/gzip.hpp"

#include <doctest/doctest.h>

#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;

namespace {

constexpr std::size_t kLimit = 16 << 20;

std::string text(const std::optional<Bytes>& bytes) {
  return bytes ? std::string(as_chars(*bytes)) : "<nullopt>";
}

}  // namespace

TEST_CASE("gzip_compress writes gzip framing that gzip_decompress reads back at every level") {
  Bytes data = test::pseudo_random_bytes(5000, 1);
  const Bytes repetitive(20000, 'x');
  data.insert(data.end(), repetitive.begin(), repetitive.end());
  for (int level : {0, 1, 6, 9}) {
    CAPTURE(level);
    const Bytes packed = gzip_compress(data, level);
    REQUIRE(packed.size() > 10);
    CHECK(packed[0] == 0x1f);
    CHECK(packed[1] == 0x8b);
    const std::optional<Bytes> unpacked = gzip_decompress(packed, kLimit);
    REQUIRE(unpacked);
    CHECK(*unpacked == data);
  }
  CHECK(gzip_compress(data, 9).size() < 6000);
}

TEST_CASE("gzip_decompress accepts a zlib stream (tdlib/mtcute) and gzip from Python (Telethon)") {
  // zlib.compress(b'The quick brown fox jumps over the lazy dog. ' * 4, 9)
  const Bytes zlib_stream = hex_bytes(
      "78da0bc94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb29840c"
      "0ec500fa60409d");
  std::string expected;
  for (int i = 0; i < 4; ++i) expected += "The quick brown fox jumps over the lazy dog. ";
  CHECK(text(gzip_decompress(zlib_stream, kLimit)) == expected);
  // gzip.compress(b'gzip framing from Python\n', mtime=0)
  const Bytes python_gzip =
      hex_bytes("1f8b08000000000002034bafca2c50482b4acccdcc4b07d2f9b90a01952519f9795c000248c90f19000000");
  CHECK(text(gzip_decompress(python_gzip, kLimit)) == "gzip framing from Python\n");
}

TEST_CASE("empty payloads round-trip, empty input is rejected") {
  const std::optional<Bytes> unpacked = gzip_decompress(gzip_compress({}), 0);
  REQUIRE(unpacked);
  CHECK(unpacked->empty());
  CHECK_FALSE(gzip_decompress({}, kLimit));
}

TEST_CASE("corrupt, truncated and trailing-garbage input is rejected") {
  const Bytes data = test::pseudo_random_bytes(3000, 2);
  const Bytes packed = gzip_compress(data);
  for (std::size_t cut : {std::size_t{1}, std::size_t{10}, packed.size() / 2, packed.size() - 1}) {
    CAPTURE(cut);
    CHECK_FALSE(gzip_decompress(ByteSpan(packed).first(cut), kLimit));
  }
  Bytes corrupt = packed;
  corrupt[packed.size() - 6] ^= 0xff;  // CRC32 in the gzip trailer
  CHECK_FALSE(gzip_decompress(corrupt, kLimit));
  Bytes body_corrupt = packed;
  body_corrupt[20] ^= 0x55;
  CHECK_FALSE(gzip_decompress(body_corrupt, kLimit));
  Bytes trailing = packed;
  trailing.push_back(0);
  CHECK_FALSE(gzip_decompress(trailing, kLimit));
  CHECK_FALSE(gzip_decompress(test::pseudo_random_bytes(100, 3), kLimit));
}

TEST_CASE("the output limit stops a gzip bomb without inflating it") {
  const Bytes zeros(16 << 20, 0);  // 16 MiB of zeros compress about 1000:1
  const Bytes bomb = gzip_compress(zeros, 1);
  CHECK(bomb.size() < 100000);
  CHECK_FALSE(gzip_decompress(bomb, 1 << 20));
  const Bytes small = gzip_compress(Bytes(1000, 0));
  CHECK(gzip_decompress(small, 1000));  // exactly at the limit
  CHECK_FALSE(gzip_decompress(small, 999));
  CHECK_FALSE(gzip_decompress(small, 0));
}
