#include "protocol/crypto/srp.hpp"

#include <doctest/doctest.h>

#include "protocol/crypto/dh.hpp"
#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;

namespace {

// gotd crypto/srp/srp_test.go (TestSRP): password "123123", g = 3, the production prime, a = 1.
const Bytes kSalt1 =
    hex_bytes("4D11FB6BEC38F9D2546BB0F61E4F1C99A1BC0DB8F0D5F35B1291B37B213123D7ED48F3C6794D495B");
const Bytes kSalt2 = hex_bytes("A1B181AAFE88188680AE32860D60BB01");
const Bytes kSrpB = hex_bytes(
    "9C52401A6A8084EC82F01C3725D3FB448BD2F0C909F9D97726EAC4B7A74172D952F02466BE6734FA274D2B7429E27397"
    "F10372D66B400B80A5C5AE3F28B17BF3105D7A2D2A885998CDC2DEFC208AEC217AB58859A9ABC2374AD93DC285F4B3FB"
    "CAFF4143D7888F2425BD2FB711B25609CEB21757D935B1EF2F042173AD0CE2FE0E474DAC53914BD25A8A9AED4AEA8953"
    "D55CB88621DB37B871EA0D04393AC0987F68094CCC9DE8239251375D8FFFD263316CD528C097B7BC9FB919FBEDB76C52"
    "5DF3413C374EE076D97A1E6D352BB7CC80FD13651B04B32E2E48C5268150842CFD07CF855958B1B5EA9C36FDAD697FE3"
    "AEC8DCC6B1EFEC36874AF226204676CF");

SrpParams vector_params() { return {kSalt1, kSalt2, 3, production_dh_prime()}; }

// PH2 of "123123" (facts §6.2). srp_password_hash is slow by design (100000 PBKDF2 rounds), so one
// test checks it computes this value and the others start from the constant.
constexpr std::string_view kPh2Hex = "55a33fcadca739ca2819d8209cd098413d8e072a24ebc69c60f60ff20f8ac1ba";

SrpPasswordHash hash_123123() { return SrpPasswordHash(test::first<32>(hex_bytes(kPh2Hex))); }

Bytes a_equals_one() {
  Bytes a(256, 0);
  a[255] = 1;
  return a;
}

}  // namespace

TEST_CASE("PBKDF2-HMAC-SHA512 matches a reference value (Python hashlib)") {
  // Python: hashlib.pbkdf2_hmac('sha512', b'password', b'salt', 1, 64)
  CHECK(to_hex(pbkdf2_hmac_sha512(as_bytes("password"), as_bytes("salt"), 1, 64).span()) ==
        "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
        "c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce");
}

TEST_CASE("SRP password hash PH2 of the gotd vector") {
  CHECK(to_hex(srp_password_hash(as_bytes("123123"), kSalt1, kSalt2)) == kPh2Hex);
}

TEST_CASE("SRP client proof reproduces gotd's A and M1 (T10)") {
  const std::optional<SrpClientProof> proof =
      srp_client_proof(hash_123123(), vector_params(), kSrpB, a_equals_one());
  REQUIRE(proof);
  CHECK(to_hex(proof->a) == std::string(510, '0') + "03");  // g^1
  CHECK(to_hex(proof->m1) == "999df906bda2c6cbb52f503406eba2d0d0503ace0cc302c38f13ee5010ad4051");
}

TEST_CASE("SRP verifier matches gotd's NewHash vector (crypto/srp/new_hash_test.go)") {
  // Password "newPassword"; salt1 = the 8 server bytes + 32 bytes from a zero random source.
  Bytes salt1 = hex_bytes("e6c8957ddf988d48");
  salt1.resize(40, 0);
  const Bytes salt2 = hex_bytes("9f6344822b096cff87efa426f57857b6");
  const SrpPasswordHash hash = srp_password_hash(as_bytes("newPassword"), salt1, salt2);
  CHECK(to_hex(srp_verifier(hash, 3, production_dh_prime())) ==
        "186ac18dcc5790bf6bba21bd958d375ee5481af0029e9bd7a9c68ec926bd5196d81f8cd8b58ee06c8a10adeacc7f56e8"
        "19ff514825deb15b1fadec6aae17a244cb23488d17349cd4261a8ba4da7b9c2ce5c40014dd9e362750acf3ac89b8b8f5"
        "c618f0b6a572c38fff3a554d8818a0b8e7b6015e1836128a1e4e2d5cf9971d1dd048aa181d861152eae71553962680"
        "632387b89ac1865fded7c8c3daa64ed38dc25036663fa0cf7748c52ea19c187e70a752a8053e409d4894218a429393d0"
        "3382e41e50b7415b3b8ad092fd0790f88d894e84dca78f47f4218937d7aa99d88c87c09bcb8da890e535026623cea6fc"
        "8b3d25db70cb42aaa48323927d87a8fcf1");
}

TEST_CASE("the test DC accepts the client's proof for the right password and random exponents") {
  const SrpParams params = vector_params();
  const Bytes verifier = srp_verifier(hash_123123(), params.g, params.p);
  for (int round = 0; round < 3; ++round) {
    const SrpServerChallenge challenge = srp_server_challenge(verifier, params.g, params.p);
    CHECK(challenge.srp_b.size() == 256);
    const std::optional<SrpClientProof> proof = srp_client_proof(hash_123123(), params, challenge.srp_b);
    REQUIRE(proof);
    CHECK(srp_server_check(challenge, verifier, params, proof->a, proof->m1));
  }
}

TEST_CASE("the test DC rejects a wrong password, a tampered M1 and a degenerate A") {
  const SrpParams params = vector_params();
  const Bytes verifier = srp_verifier(hash_123123(), params.g, params.p);
  const SrpServerChallenge challenge = srp_server_challenge(verifier, params.g, params.p);

  // A wrong password reaches SRP as a different PH2; flipping a bit of the right one stands in for
  // it without another 100000 PBKDF2 rounds.
  SrpPasswordHash wrong = hash_123123();
  wrong[0] ^= 0x01;
  const std::optional<SrpClientProof> bad = srp_client_proof(wrong, params, challenge.srp_b);
  REQUIRE(bad);
  CHECK_FALSE(srp_server_check(challenge, verifier, params, bad->a, bad->m1));

  std::optional<SrpClientProof> good = srp_client_proof(hash_123123(), params, challenge.srp_b);
  REQUIRE(good);
  good->m1[31] ^= 1;
  CHECK_FALSE(srp_server_check(challenge, verifier, params, good->a, good->m1));
  good->m1[31] ^= 1;
  CHECK_FALSE(srp_server_check(challenge, verifier, params, Bytes(256, 0), good->m1));          // A = 0
  CHECK_FALSE(srp_server_check(challenge, verifier, params, production_dh_prime(), good->m1));  // A = p
  CHECK_FALSE(srp_server_check(challenge, verifier, params, good->a, ByteSpan(good->m1).first(31)));
  CHECK(srp_server_check(challenge, verifier, params, good->a, good->m1));
}

TEST_CASE("the client refuses bad server values: B out of range or of the wrong length, bad p or g") {
  const SrpParams params = vector_params();
  CHECK_FALSE(srp_client_proof(hash_123123(), params, Bytes(256, 0), a_equals_one()));          // B = 0
  CHECK_FALSE(srp_client_proof(hash_123123(), params, production_dh_prime(), a_equals_one()));  // B = p
  CHECK_FALSE(srp_client_proof(hash_123123(), params, ByteSpan(kSrpB).first(247), a_equals_one()));
  Bytes long_b{0};
  long_b.insert(long_b.end(), kSrpB.begin(), kSrpB.end());
  CHECK_FALSE(srp_client_proof(hash_123123(), params, long_b, a_equals_one()));  // 257 bytes
  CHECK_FALSE(
      srp_client_proof(hash_123123(), {kSalt1, kSalt2, 2, production_dh_prime()}, kSrpB, a_equals_one()));
  Bytes bad_prime(production_dh_prime().begin(), production_dh_prime().end());
  bad_prime[100] ^= 0x10;
  CHECK_FALSE(srp_client_proof(hash_123123(), {kSalt1, kSalt2, 3, bad_prime}, kSrpB, a_equals_one()));
}
