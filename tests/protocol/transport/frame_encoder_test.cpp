#include "protocol/transport/frame_encoder.hpp"

#include <doctest/doctest.h>

#include "protocol/crypto/crc32.hpp"
#include "tests/protocol/transport/test_util.hpp"

using namespace tgd;
using namespace tgd::transport;
using test::req_pq_multi;
using test::scripted_random;

namespace {

std::string encode_hex(FrameEncoder& encoder, ByteSpan payload, bool quick_ack = false) {
  Bytes out;
  REQUIRE(encoder.encode(payload, out, quick_ack));
  return to_hex(out);
}

const std::string kReqPqHex = to_hex(req_pq_multi());

}  // namespace

TEST_CASE("abridged client frames req_pq_multi as ef 0a + payload (facts §1.8)") {
  FrameEncoder encoder(Framing::Abridged, Side::Client);
  CHECK(encode_hex(encoder, req_pq_multi()) == "ef0a" + kReqPqHex);
}

TEST_CASE("intermediate client frames req_pq_multi as eeeeeeee 28000000 + payload (facts §1.8)") {
  FrameEncoder encoder(Framing::Intermediate, Side::Client);
  CHECK(encode_hex(encoder, req_pq_multi()) == "eeeeeeee28000000" + kReqPqHex);
}

TEST_CASE("full client frames req_pq_multi as len 52, seq 0, payload, CRC 22b7ab88 (facts §1.8)") {
  FrameEncoder encoder(Framing::Full, Side::Client);
  CHECK(encode_hex(encoder, req_pq_multi()) == "3400000000000000" + kReqPqHex + "22b7ab88");
}

TEST_CASE("padded intermediate adds rand%16 random bytes and counts them in the length") {
  // First random byte 0x2a: 42 % 16 = 10 padding bytes, which are the next 10 random bytes.
  FrameEncoder encoder(Framing::PaddedIntermediate, Side::Client,
                       {true, scripted_random(hex_bytes("2a 0102030405060708090a"))});
  CHECK(encode_hex(encoder, req_pq_multi()) == "dddddddd32000000" + kReqPqHex + "0102030405060708090a");
}

TEST_CASE("padded intermediate padding stays within 0..15 bytes for every random value") {
  for (int first = 0; first < 256; ++first) {
    FrameEncoder encoder(Framing::PaddedIntermediate, Side::Server,
                         {true, scripted_random(Bytes{static_cast<std::uint8_t>(first)})});
    Bytes out;
    REQUIRE(encoder.encode(req_pq_multi(), out));
    CHECK(out.size() == 4 + 40 + static_cast<std::size_t>(first % 16));
  }
}

TEST_CASE("a client writes its tag once, before the first frame only") {
  FrameEncoder encoder(Framing::Intermediate, Side::Client);
  Bytes payload(4, 0x11);
  CHECK(encode_hex(encoder, payload) == "eeeeeeee0400000011111111");
  CHECK(encode_hex(encoder, payload) == "0400000011111111");
}

TEST_CASE("no tag is written with emit_tag off (obfuscated), by a server, or for full") {
  Bytes payload(4, 0x11);
  FrameEncoder obfuscated(Framing::Abridged, Side::Client, {false, {}});
  CHECK(encode_hex(obfuscated, payload) == "0111111111");
  FrameEncoder server(Framing::Abridged, Side::Server);
  CHECK(encode_hex(server, payload) == "0111111111");
  FrameEncoder full(Framing::Full, Side::Client);
  CHECK(encode_hex(full, payload).substr(0, 16) == "1000000000000000");
}

TEST_CASE("abridged switches to 7f + 3-byte LE len/4 at 127 units (508 bytes)") {
  FrameEncoder encoder(Framing::Abridged, Side::Server);
  CHECK(encode_hex(encoder, Bytes(504)).substr(0, 2) == "7e");
  CHECK(encode_hex(encoder, Bytes(508)).substr(0, 8) == "7f7f0000");
  CHECK(encode_hex(encoder, Bytes(4 * 0x012345)).substr(0, 8) == "7f452301");
}

TEST_CASE(
    "a client quick-ack request sets the length MSB: abridged 0x80|len/4 or 0xff, intermediate bit 31") {
  FrameEncoder abridged(Framing::Abridged, Side::Client, {false, {}});
  CHECK(encode_hex(abridged, req_pq_multi(), true).substr(0, 2) == "8a");
  CHECK(encode_hex(abridged, Bytes(508), true).substr(0, 8) == "ff7f0000");
  FrameEncoder intermediate(Framing::Intermediate, Side::Client, {false, {}});
  CHECK(encode_hex(intermediate, req_pq_multi(), true).substr(0, 8) == "28000080");
  FrameEncoder padded(Framing::PaddedIntermediate, Side::Client,
                      {false, scripted_random(Bytes{0x03, 1, 2, 3})});
  CHECK(encode_hex(padded, req_pq_multi(), true).substr(0, 8) == "2b000080");
}

TEST_CASE("quick-ack requests are refused by full and by server encoders, with nothing written") {
  Bytes out;
  FrameEncoder full(Framing::Full, Side::Client);
  CHECK_FALSE(full.encode(req_pq_multi(), out, true));
  FrameEncoder server(Framing::Intermediate, Side::Server);
  CHECK_FALSE(server.encode(req_pq_multi(), out, true));
  CHECK(out.empty());
  // The refused call did not consume the client's tag.
  CHECK(encode_hex(full, req_pq_multi()).substr(0, 16) == "3400000000000000");
}

TEST_CASE("payloads that are not a multiple of 4 or exceed the maximum frame size are refused") {
  for (Framing framing :
       {Framing::Abridged, Framing::Intermediate, Framing::PaddedIntermediate, Framing::Full}) {
    CAPTURE(to_string(framing));
    FrameEncoder encoder(framing, Side::Client);
    Bytes out;
    CHECK_FALSE(encoder.encode(Bytes(41), out));
    CHECK_FALSE(encoder.encode(Bytes(kDefaultMaxFrameSize + 4), out));
    CHECK(out.empty());
  }
  Bytes out;
  FrameEncoder padded(Framing::PaddedIntermediate, Side::Client);
  CHECK_FALSE(padded.encode(Bytes(kDefaultMaxFrameSize), out));  // no room left for padding
  FrameEncoder intermediate(Framing::Intermediate, Side::Client);
  CHECK(intermediate.encode(Bytes(kDefaultMaxFrameSize), out));
}

TEST_CASE("full numbers its frames 0, 1, 2 per direction and CRCs len+seq+payload") {
  FrameEncoder encoder(Framing::Full, Side::Server);
  const Bytes payload = hex_bytes("01020304");
  for (std::uint32_t seq = 0; seq < 3; ++seq) {
    Bytes out;
    REQUIRE(encoder.encode(payload, out));
    REQUIRE(out.size() == 16);
    CHECK(out[4] == seq);
    const std::uint32_t crc = crypto::crc32(ByteSpan(out).first(12));
    const std::uint32_t written =
        out[12] | out[13] << 8 | out[14] << 16 | static_cast<std::uint32_t>(out[15]) << 24;
    CHECK(written == crc);
  }
}

TEST_CASE(
    "server quick-ack replies: abridged reversed raw, intermediate raw LE, padded an 8..15-byte frame") {
  const std::uint32_t token = 0x9234abcd;
  Bytes out;
  FrameEncoder abridged(Framing::Abridged, Side::Server);
  REQUIRE(abridged.encode_quick_ack(token, out));
  CHECK(to_hex(out) == "9234abcd");

  out.clear();
  FrameEncoder intermediate(Framing::Intermediate, Side::Server);
  REQUIRE(intermediate.encode_quick_ack(token, out));
  CHECK(to_hex(out) == "cdab3492");

  // 0x0b % 8 = 3 padding bytes: aa bb cc.
  out.clear();
  FrameEncoder padded(Framing::PaddedIntermediate, Side::Server,
                      {true, scripted_random(hex_bytes("0b aabbcc"))});
  REQUIRE(padded.encode_quick_ack(token, out));
  CHECK(to_hex(out) == "0b000000ffffffffcdab3492aabbcc");
}

TEST_CASE("padded quick-ack replies stay between 8 and 15 bytes for every random value") {
  for (int first = 0; first < 256; ++first) {
    FrameEncoder padded(Framing::PaddedIntermediate, Side::Server,
                        {true, scripted_random(Bytes{static_cast<std::uint8_t>(first)})});
    Bytes out;
    REQUIRE(padded.encode_quick_ack(0x80000001, out));
    CHECK(out.size() - 4 == 8 + static_cast<std::size_t>(first % 8));
  }
}

TEST_CASE("quick-ack replies set bit 31 of the token, and are refused by clients and by full") {
  Bytes out;
  FrameEncoder intermediate(Framing::Intermediate, Side::Server);
  REQUIRE(intermediate.encode_quick_ack(0x1234abcd, out));
  CHECK(to_hex(out) == "cdab3492");
  out.clear();
  FrameEncoder client(Framing::Intermediate, Side::Client);
  CHECK_FALSE(client.encode_quick_ack(0x9234abcd, out));
  FrameEncoder full(Framing::Full, Side::Server);
  CHECK_FALSE(full.encode_quick_ack(0x9234abcd, out));
  CHECK(out.empty());
}

TEST_CASE("transport errors are unpadded 4-byte frames holding the LE int32 code") {
  Bytes out;
  FrameEncoder abridged(Framing::Abridged, Side::Server);
  REQUIRE(abridged.encode_transport_error(-404, out));
  CHECK(to_hex(out) == "016cfeffff");

  out.clear();
  FrameEncoder intermediate(Framing::Intermediate, Side::Server);
  REQUIRE(intermediate.encode_transport_error(-429, out));
  CHECK(to_hex(out) == "0400000053feffff");

  out.clear();
  FrameEncoder padded(Framing::PaddedIntermediate, Side::Server, {true, scripted_random(Bytes{0x0f})});
  REQUIRE(padded.encode_transport_error(-444, out));
  CHECK(to_hex(out) == "0400000044feffff");

  out.clear();
  FrameEncoder full(Framing::Full, Side::Server);
  REQUIRE(full.encode_transport_error(-404, out));
  CHECK(to_hex(out).substr(0, 24) == "10000000000000006cfeffff");
  CHECK(out.size() == 16);

  out.clear();
  FrameEncoder client(Framing::Intermediate, Side::Client);
  CHECK_FALSE(client.encode_transport_error(-404, out));
  CHECK(out.empty());
}
