#include "protocol/crypto/hash.hpp"

#include <doctest/doctest.h>

#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;

TEST_CASE("one-shot digests match the FIPS/RFC 1321 'abc' and empty-input vectors") {
  CHECK(to_hex(sha1(as_bytes("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(to_hex(sha256(as_bytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256(ByteSpan())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(to_hex(md5(as_bytes("abc"))) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(md5_hex(as_bytes("")) == "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_CASE("multi-part digests equal the digest of the concatenation") {
  const Bytes data = test::pseudo_random_bytes(300, 1);
  const ByteSpan all(data);
  CHECK(sha256({all.first(7), all.subspan(7, 100), all.subspan(107)}) == sha256(all));
  CHECK(sha1({all.first(64), all.subspan(64)}) == sha1(all));
}

TEST_CASE("a hasher is reusable after finish and gives identical results") {
  Sha256 sha;
  const Bytes data = test::pseudo_random_bytes(128, 2);
  const Sha256Digest first = sha.digest({data});
  const Sha256Digest second = sha.digest({data});
  CHECK(first == second);
  CHECK(first == sha256(data));
  CHECK(sha.digest({}) == sha256(ByteSpan()));  // an empty message after reuse
}

TEST_CASE("incremental MD5 over chunks equals the one-shot MD5 (upload checksums)") {
  const Bytes file = test::pseudo_random_bytes(100000, 3);
  Md5 md5_state;
  for (std::size_t offset = 0; offset < file.size(); offset += 4096) {
    md5_state.update(ByteSpan(file).subspan(offset, std::min<std::size_t>(4096, file.size() - offset)));
  }
  CHECK(to_hex(md5_state.finish()) == md5_hex(file));
}

TEST_CASE("finish_into writes the digest into caller storage") {
  std::array<std::uint8_t, 20> out{};
  Sha1().update(as_bytes("abc")).finish_into(out);
  CHECK(to_hex(out) == "a9993e364706816aba3e25717850c26c9cd0d89d");
}
