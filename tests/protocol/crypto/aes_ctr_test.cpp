#include "protocol/crypto/aes_ctr.hpp"

#include <doctest/doctest.h>

#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;
using test::first;

namespace {

// NIST SP 800-38A, F.5.5 CTR-AES256.Encrypt.
const Bytes kKey = hex_bytes("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
const Bytes kCounter = hex_bytes("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
const Bytes kPlain = hex_bytes(
    "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");
const char* const kCipherHex =
    "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
    "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6";

}  // namespace

TEST_CASE("AES-256-CTR matches NIST SP 800-38A F.5.5, including the counter carry into the next block") {
  AesCtr256 ctr(first<32>(kKey), first<16>(kCounter));
  Bytes out(kPlain.size());
  REQUIRE(ctr.apply(kPlain, out));
  CHECK(to_hex(out) == kCipherHex);
}

TEST_CASE("AES-256-CTR keeps its keystream position across calls of any size") {
  AesCtr256 ctr(first<32>(kKey), first<16>(kCounter));
  Bytes buffer = kPlain;
  std::size_t offset = 0;
  for (std::size_t piece : {1, 5, 17, 3, 38}) {
    ctr.apply_in_place(MutableByteSpan(buffer).subspan(offset, piece));
    offset += piece;
  }
  REQUIRE(offset == buffer.size());
  CHECK(to_hex(buffer) == kCipherHex);
}

TEST_CASE("AES-256-CTR decryption is the same keystream applied again") {
  AesCtr256 encrypt(first<32>(kKey), first<16>(kCounter)), decrypt(first<32>(kKey), first<16>(kCounter));
  const Bytes data = test::pseudo_random_bytes(1000, 7);
  Bytes buffer = data;
  encrypt.apply_in_place(buffer);
  decrypt.apply_in_place(buffer);
  CHECK(buffer == data);
}

TEST_CASE("AES-256-CTR rejects mismatched sizes without consuming keystream") {
  AesCtr256 ctr(first<32>(kKey), first<16>(kCounter));
  Bytes out(10);
  CHECK_FALSE(ctr.apply(kPlain, out));
  Bytes all(kPlain.size());
  REQUIRE(ctr.apply(kPlain, all));
  CHECK(to_hex(all) == kCipherHex);
}
