#include "protocol/crypto/dh.hpp"

#include <doctest/doctest.h>

#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;

namespace {

// RFC 3526 group 14: a 2048-bit safe prime other than Telegram's, with p mod 8 = 7 (so g = 2 fits).
const Bytes kRfc3526Prime = hex_bytes(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AACAA68FFFFFFFFFFFFFFFF");

// A random 2048-bit prime (openssl prime -generate) whose (p-1)/2 is composite.
const Bytes kPrimeNotSafe = hex_bytes(
    "C77099CB28DD4BA3F49BF218B79495B8BC8655D1EE961B38FF405B796D89351F3CF7B83F5F6E2A17F5AE4FA35909801D"
    "4BF6E1E8743EC6083D3A7974C37B19A7DB97B50A7FD86B990CE665D5CF51504251F94416988E2D2EAC7EF97023B3AD54"
    "486B0342703E6AC8977B5D2FEFA36BEFABD31B801EE305E25F1A914D56F0A2BA5AA0F5A3EC9BECF815B76808729AFE28"
    "EED87A0A7E15690B0A949F459CD6FA43F0149BBB4D453D1C054728628B197D410830C4066CEF8E8BA6506E310500F83C"
    "00FE4D101A98AC28B25D5A5E73C60451666AA0D4CA2E2E3A4AA7752C610D8F7A2BC6DEE8B0EB84FBC320D5F0C4396107"
    "59605188D22A1134CAA8FE818468B4F3");

// 256-byte big-endian a - b (a >= b).
Bytes subtract(ByteSpan a, ByteSpan b) {
  Bytes out(256);
  int borrow = 0;
  for (int i = 255; i >= 0; --i) {
    int digit = a[i] - b[i] - borrow;
    borrow = digit < 0 ? 1 : 0;
    out[i] = static_cast<std::uint8_t>(digit + 256 * borrow);
  }
  return out;
}

Bytes two_to_1984() {
  Bytes value(256, 0);
  value[7] = 0x01;  // bits 1984..1991 live in byte 7 from the top
  return value;
}

Bytes one() {
  Bytes value(256, 0);
  value[255] = 1;
  return value;
}

}  // namespace

TEST_CASE("the production prime passes with g = 3, 4, 7 and fails the residue condition for 2, 5, 6") {
  const ByteSpan p = production_dh_prime();
  CHECK(to_hex(p).starts_with("c71caeb9c6b1c904"));
  CHECK(to_hex(p).ends_with("b92fcc5b"));
  for (int g : {3, 4, 7}) CHECK(check_dh_params(p, g) == DhParamsCheck::kOk);
  for (int g : {2, 5, 6}) CHECK(check_dh_params(p, g) == DhParamsCheck::kBadGenerator);
  for (int g : {0, 1, 8, -3}) CHECK(check_dh_params(p, g) == DhParamsCheck::kBadGenerator);
}

TEST_CASE("dh_prime must have exactly 2048 bits") {
  CHECK(check_dh_params(ByteSpan(production_dh_prime()).subspan(1), 4) == DhParamsCheck::kBadPrimeSize);
  Bytes wide(257, 0);
  wide[0] = 1;
  CHECK(check_dh_params(wide, 4) == DhParamsCheck::kBadPrimeSize);
  Bytes padded{0};  // a leading zero byte does not change the number
  padded.insert(padded.end(), production_dh_prime().begin(), production_dh_prime().end());
  CHECK(check_dh_params(padded, 3) == DhParamsCheck::kOk);
}

TEST_CASE("an unknown prime is accepted only if it is a safe prime") {
  CHECK(check_dh_params(kRfc3526Prime, 2) == DhParamsCheck::kOk);
  CHECK(check_dh_params(kPrimeNotSafe, 4) == DhParamsCheck::kNotSafePrime);
  Bytes composite = kRfc3526Prime;
  composite[128] ^= 0x40;
  CHECK(check_dh_params(composite, 4) == DhParamsCheck::kNotSafePrime);
}

TEST_CASE("g_a / g_b must lie in [2^1984, p - 2^1984]") {
  const ByteSpan p = production_dh_prime();
  const Bytes low = two_to_1984(), below_low = subtract(low, one());
  const Bytes high = subtract(p, low), above_high = subtract(p, below_low);
  CHECK(check_dh_public_value(low, p));
  CHECK_FALSE(check_dh_public_value(below_low, p));
  CHECK(check_dh_public_value(high, p));
  CHECK_FALSE(check_dh_public_value(above_high, p));
  CHECK_FALSE(check_dh_public_value(Bytes{2}, p));
  CHECK_FALSE(check_dh_public_value(p, p));
  CHECK_FALSE(check_dh_public_value(Bytes(256, 0xff), p));
}

TEST_CASE("both sides of a DH exchange derive the same 256-byte key") {
  const ByteSpan p = production_dh_prime();
  const DhKeyPair client = dh_generate_key(3, p), server = dh_generate_key(3, p);
  CHECK(client.public_value.size() == 256);
  CHECK(check_dh_public_value(client.public_value, p));
  const std::optional<SecureBytes> a = dh_shared_secret(server.public_value, client.secret, p);
  const std::optional<SecureBytes> b = dh_shared_secret(client.public_value, server.secret, p);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->size() == 256);
  CHECK(to_hex(a->span()) == to_hex(b->span()));
  CHECK_FALSE(dh_shared_secret(Bytes{3}, client.secret, p));  // peer value out of range
}

TEST_CASE("mod_pow pads to the modulus length and refuses a zero modulus") {
  CHECK(to_hex(*mod_pow(Bytes{3}, Bytes{5}, Bytes{0x01, 0x00})) == "00f3");   // 243 mod 256
  CHECK(to_hex(*mod_pow(Bytes{4}, Bytes{13}, Bytes{0x01, 0xf1})) == "01bd");  // 4^13 mod 497 = 445
  CHECK(to_hex(*mod_pow(Bytes{7}, {}, Bytes{0x0b})) == "01");
  CHECK(to_hex(*mod_pow(Bytes{0x02, 0x00}, Bytes{1}, Bytes{0x01, 0xf1})) ==
        "000f");  // base above the modulus
  CHECK_FALSE(mod_pow(Bytes{2}, Bytes{2}, Bytes{0, 0}));
}
