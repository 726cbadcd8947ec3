#include "protocol/transport/obfuscation.hpp"

#include <doctest/doctest.h>

#include "tests/protocol/transport/test_util.hpp"

using namespace tgd;
using namespace tgd::transport;
using test::scripted_random;

namespace {

const Bytes kGotdInit = hex_bytes(
    "f5768f50b731260a46be1027c2eeaa39350624f0b6da59eba56c81fe4510c2e0"
    "b61d3dd323ee02388633e3837a0c1c24fa6f29ccd724be6f416ff7b026f6cce6");
const MtproxySecret kGotdSecret = [] {
  MtproxySecret s{};
  const Bytes b = hex_bytes("8a96ef6e42a18c21837580cd1c91c5a8");
  std::copy(b.begin(), b.end(), s.begin());
  return s;
}();

Bytes iota64() {
  Bytes b(64);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i);
  return b;
}

Bytes apply(crypto::AesCtr256& stream, Bytes data) {
  stream.apply_in_place(data);
  return data;
}

}  // namespace

TEST_CASE("obfuscation with an MTProxy secret matches the gotd vector (facts §1.8)") {
  auto client =
      make_client_obfuscation(Framing::PaddedIntermediate, 2, kGotdSecret, scripted_random(kGotdInit));
  REQUIRE(client);
  CHECK(to_hex(ByteSpan(client->header).last(8)) == "bea2dde16dc59dd2");
  CHECK(to_hex(ByteSpan(client->header).first(56)) == to_hex(ByteSpan(kGotdInit).first(56)));
  CHECK(to_hex(apply(client->streams.encrypt, Bytes{'a', 'b', 'c', 'd'})) == "ca7a8226");
  CHECK(to_hex(apply(client->streams.decrypt, Bytes{'a', 'b', 'c', 'd'})) == "8f711982");
}

TEST_CASE("obfuscation without a secret matches the direct-DC vector (facts §1.8)") {
  auto client = make_client_obfuscation(Framing::Intermediate, 2, std::nullopt, scripted_random(iota64()));
  REQUIRE(client);
  CHECK(to_hex(client->header) ==
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f3031323334353637"
        "4618255e1c00fd5d");
  CHECK(to_hex(apply(client->streams.encrypt, Bytes(8))) == "32a9c12838f16541");
  CHECK(to_hex(apply(client->streams.decrypt, Bytes(8))) == "2f9de370decc0640");  // the keystream itself
}

TEST_CASE("the client redraws its random header while it could be read as another transport (§1.7 step 1)") {
  Bytes script;
  auto add = [&](std::string_view first8) {
    Bytes init = iota64();
    const Bytes prefix = hex_bytes(first8);
    std::copy(prefix.begin(), prefix.end(), init.begin());
    script.insert(script.end(), init.begin(), init.end());
  };
  add("ef00000001000000");  // abridged tag
  add("4845414401000000");  // HEAD
  add("504f535401000000");  // POST
  add("4745542001000000");  // GET
  add("4f50544901000000");  // OPTI
  add("1603010201000000");  // TLS
  add("dddddddd01000000");  // padded tag
  add("eeeeeeee01000000");  // intermediate tag
  add("0102030400000000");  // looks like Full with seq 0
  add("0102030401000000");  // fine
  auto client = make_client_obfuscation(Framing::Abridged, 1, std::nullopt, scripted_random(script));
  REQUIRE(client);
  CHECK(to_hex(ByteSpan(client->header).first(8)) == "0102030401000000");
}

TEST_CASE("a random source that only yields rejected headers makes the client give up instead of looping") {
  auto client = make_client_obfuscation(Framing::Abridged, 1, std::nullopt,
                                        [](MutableByteSpan out) { std::fill(out.begin(), out.end(), 0xef); });
  CHECK_FALSE(client.has_value());
}

TEST_CASE("full cannot be obfuscated: it has no tag") {
  CHECK_FALSE(make_client_obfuscation(Framing::Full, 2).has_value());
}

TEST_CASE("the server reads the client's framing and dc id and gets matching streams for both directions") {
  for (Framing framing : {Framing::Abridged, Framing::Intermediate, Framing::PaddedIntermediate}) {
    for (std::int16_t dc : {std::int16_t{2}, std::int16_t{10004}, std::int16_t{-3}, std::int16_t{-10005}}) {
      for (bool with_secret : {false, true}) {
        CAPTURE(to_string(framing));
        CAPTURE(dc);
        CAPTURE(with_secret);
        const auto secret = with_secret ? std::optional<MtproxySecret>(kGotdSecret) : std::nullopt;
        auto client = make_client_obfuscation(framing, dc, secret);
        REQUIRE(client);
        auto server = accept_client_obfuscation(client->header, secret);
        REQUIRE(server);
        CHECK(server->framing == framing);
        CHECK(server->dc_id == dc);

        const Bytes up = test::pseudo_random_bytes(100, 1);
        const Bytes down = test::pseudo_random_bytes(77, 2);
        CHECK(apply(server->streams.decrypt, apply(client->streams.encrypt, up)) == up);
        CHECK(apply(client->streams.decrypt, apply(server->streams.encrypt, down)) == down);
        // The streams keep running across messages.
        CHECK(apply(server->streams.decrypt, apply(client->streams.encrypt, down)) == down);
      }
    }
  }
}

TEST_CASE("the server rejects headers without a valid tag: wrong secret, random bytes, wrong size") {
  auto client = make_client_obfuscation(Framing::Intermediate, 2, kGotdSecret);
  REQUIRE(client);
  CHECK_FALSE(accept_client_obfuscation(client->header).has_value());  // secret missing
  MtproxySecret other = kGotdSecret;
  other[0] ^= 1;
  CHECK_FALSE(accept_client_obfuscation(client->header, other).has_value());
  CHECK_FALSE(accept_client_obfuscation(iota64()).has_value());
  CHECK_FALSE(accept_client_obfuscation(ByteSpan(client->header).first(63), kGotdSecret).has_value());
}

TEST_CASE("the server accepts the §1.8 vector headers") {
  auto gotd =
      make_client_obfuscation(Framing::PaddedIntermediate, 2, kGotdSecret, scripted_random(kGotdInit));
  REQUIRE(gotd);
  auto server = accept_client_obfuscation(gotd->header, kGotdSecret);
  REQUIRE(server);
  CHECK(server->framing == Framing::PaddedIntermediate);
  CHECK(server->dc_id == 2);
  // The server's send stream is the client's receive stream: "abcd" -> 8f711982 (§1.8).
  CHECK(to_hex(apply(server->streams.encrypt, Bytes{'a', 'b', 'c', 'd'})) == "8f711982");
  // Its receive stream is at position 64, where the client's first payload byte is.
  CHECK(apply(server->streams.decrypt, hex_bytes("ca7a8226")) == Bytes{'a', 'b', 'c', 'd'});
}
