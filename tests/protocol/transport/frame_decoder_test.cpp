#include "protocol/transport/frame_decoder.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "protocol/crypto/crc32.hpp"
#include "protocol/transport/detail/byte_order.hpp"
#include "protocol/transport/frame_encoder.hpp"
#include "tests/protocol/transport/test_util.hpp"

using namespace tgd;
using namespace tgd::transport;
using test::describe;
using test::drain;
using test::req_pq_multi;

namespace {

constexpr Framing kAllFramings[] = {Framing::Abridged, Framing::Intermediate, Framing::PaddedIntermediate,
                                    Framing::Full};

std::vector<Event> decode(Framing framing, Side side, ByteSpan bytes, DecoderOptions options = {}) {
  FrameDecoder decoder(framing, side, options);
  decoder.feed(bytes);
  return drain(decoder);
}

std::string decode_hex(Framing framing, Side side, const std::string& hex, DecoderOptions options = {}) {
  return describe(decode(framing, side, hex_bytes(hex), options));
}

// A Full frame built by hand, so tests can break any field: len, seq, payload, then the CRC of
// what precedes it (xor crc_error).
Bytes full_frame(std::uint32_t len, std::uint32_t seq, ByteSpan payload, std::uint32_t crc_error = 0) {
  Bytes out;
  detail::append_le32(out, len);
  detail::append_le32(out, seq);
  out.insert(out.end(), payload.begin(), payload.end());
  detail::append_le32(out, crypto::crc32(out) ^ crc_error);
  return out;
}

Bytes full_frame(std::uint32_t seq, ByteSpan payload) {
  return full_frame(static_cast<std::uint32_t>(payload.size() + 12), seq, payload);
}

Bytes concat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// What a client sends: frames of various sizes (short and long abridged forms), some with
// quick-ack requests. No tag: it is consumed before the decoder.
Bytes client_stream(Framing framing) {
  FrameEncoder encoder(framing, Side::Client, {false, test::seeded_random(1)});
  Bytes out;
  const bool quick = framing != Framing::Full;
  REQUIRE(encoder.encode(req_pq_multi(), out, quick));
  REQUIRE(encoder.encode(test::pseudo_random_bytes(520, 2), out));  // abridged long form
  REQUIRE(encoder.encode(test::pseudo_random_bytes(16, 3), out, quick));
  REQUIRE(encoder.encode(test::pseudo_random_bytes(4, 4), out));
  return out;
}

// What a server sends: frames, quick-ack replies, a transport error, a long frame.
Bytes server_stream(Framing framing) {
  FrameEncoder encoder(framing, Side::Server, {true, test::seeded_random(5)});
  Bytes out;
  REQUIRE(encoder.encode(req_pq_multi(), out));
  if (framing != Framing::Full) REQUIRE(encoder.encode_quick_ack(0x9234abcd, out));
  REQUIRE(encoder.encode(test::pseudo_random_bytes(520, 6), out));
  REQUIRE(encoder.encode_transport_error(-404, out));
  if (framing != Framing::Full) REQUIRE(encoder.encode_quick_ack(0x80000001, out));
  REQUIRE(encoder.encode(test::pseudo_random_bytes(16, 7), out));
  return out;
}

}  // namespace

TEST_CASE("a server decodes the facts §1.8 framing vectors (tag already consumed)") {
  const std::string expected = "Frame(" + to_hex(req_pq_multi()) + ")";
  CHECK(decode_hex(Framing::Abridged, Side::Server, "0a" + to_hex(req_pq_multi())) == expected);
  CHECK(decode_hex(Framing::Intermediate, Side::Server, "28000000" + to_hex(req_pq_multi())) == expected);
  CHECK(decode_hex(Framing::Full, Side::Server, "3400000000000000" + to_hex(req_pq_multi()) + "22b7ab88") ==
        expected);
}

TEST_CASE("a server sees quick-ack requests as a flag on the frame") {
  const std::string expected = "Frame(" + to_hex(req_pq_multi()) + ", quick ack)";
  CHECK(decode_hex(Framing::Abridged, Side::Server, "8a" + to_hex(req_pq_multi())) == expected);
  CHECK(decode_hex(Framing::Intermediate, Side::Server, "28000080" + to_hex(req_pq_multi())) == expected);
  CHECK(decode_hex(Framing::PaddedIntermediate, Side::Server, "28000080" + to_hex(req_pq_multi())) ==
        expected);
  const auto events = decode(Framing::Abridged, Side::Server, hex_bytes("ff7f0000" + std::string(1016, '0')));
  REQUIRE(events.size() == 1);
  CHECK(std::get<Frame>(events[0]).quick_ack_requested);
  CHECK(std::get<Frame>(events[0]).payload.size() == 508);
}

TEST_CASE("a padded-intermediate frame is returned whole, padding included") {
  CHECK(
      decode_hex(Framing::PaddedIntermediate, Side::Server, "2b000000" + to_hex(req_pq_multi()) + "010203") ==
      "Frame(" + to_hex(req_pq_multi()) + "010203)");
}

TEST_CASE("a server passes short bodies on as frames: clients send no transport errors") {
  CHECK(decode_hex(Framing::Intermediate, Side::Server, "04000000 6cfeffff") == "Frame(6cfeffff)");
  CHECK(decode_hex(Framing::Abridged, Side::Server, "00") == "Frame()");
}

TEST_CASE("a client decodes quick-ack replies: abridged byte-reversed, intermediate raw with bit 31") {
  CHECK(decode_hex(Framing::Abridged, Side::Client, "9234abcd") == "QuickAck(2452925389)");
  CHECK(decode_hex(Framing::Intermediate, Side::Client, "cdab3492") == "QuickAck(2452925389)");
  CHECK(decode_hex(Framing::PaddedIntermediate, Side::Client, "cdab3492") == "QuickAck(2452925389)");
  CHECK(decode_hex(Framing::PaddedIntermediate, Side::Client, "0b000000ffffffffcdab3492aabbcc") ==
        "QuickAck(2452925389)");
}

TEST_CASE("a client applies tdlib's rule to bodies under 16 bytes: 0 skipped, -1 quick ack, else an error") {
  // 0 is a no-op: no event, and decoding carries on after it.
  CHECK(decode_hex(Framing::Intermediate, Side::Client, "04000000 00000000 0400000053feffff") ==
        "TransportError(-429)");
  // -1 with at least 8 bytes is a quick ack with the token at +4, in any framing.
  CHECK(decode_hex(Framing::Abridged, Side::Client, "02 ffffffff 01000080") == "QuickAck(2147483649)");
  // -1 in 4 bytes is just an error code.
  CHECK(decode_hex(Framing::Intermediate, Side::Client, "04000000ffffffff") == "TransportError(-1)");
  CHECK(describe(decode(Framing::Full, Side::Client, full_frame(0, hex_bytes("6cfeffff")))) ==
        "TransportError(-404)");
  // Padding after the code does not matter while the body stays under 16 bytes.
  CHECK(decode_hex(Framing::PaddedIntermediate, Side::Client, "0f000000 6cfeffff 0102030405060708090a0b") ==
        "TransportError(-404)");
  // 16 bytes is a message, whatever it holds.
  CHECK(decode_hex(Framing::Intermediate, Side::Client, "10000000 6cfeffff 000000000000000000000000") ==
        "Frame(6cfeffff000000000000000000000000)");
}

TEST_CASE("several frames in one chunk all come out, in order") {
  const Bytes a = hex_bytes("0a" + to_hex(req_pq_multi()));
  const Bytes b = hex_bytes("05" + std::string(40, '1'));
  const auto events = decode(Framing::Abridged, Side::Server, concat({a, b, a}));
  CHECK(describe(events) == "Frame(" + to_hex(req_pq_multi()) + "); Frame(" + std::string(40, '1') +
                                "); Frame(" + to_hex(req_pq_multi()) + ")");
}

TEST_CASE(
    "every framing decodes the same events whether fed whole, byte by byte, split anywhere or in random "
    "chunks") {
  for (Framing framing : kAllFramings) {
    for (Side side : {Side::Server, Side::Client}) {
      CAPTURE(to_string(framing));
      CAPTURE(side == Side::Server);
      const Bytes stream = side == Side::Server ? client_stream(framing) : server_stream(framing);
      const std::vector<Event> whole = decode(framing, side, stream);
      REQUIRE(whole.size() >= 4);
      REQUIRE(std::none_of(whole.begin(), whole.end(), test::is_violation));

      FrameDecoder bytewise(framing, side);
      CHECK(test::feed_in_pieces(bytewise, stream, {1}) == whole);
      CHECK(bytewise.buffered() == 0);

      for (std::size_t split = 1; split < stream.size(); ++split) {
        FrameDecoder decoder(framing, side);
        if (test::feed_in_pieces(decoder, stream, {split, stream.size()}) != whole)
          FAIL("split at " << split);
      }

      std::uint64_t seed = 42;
      for (int round = 0; round < 20; ++round) {
        std::vector<std::size_t> sizes;
        for (int i = 0; i < 16; ++i) sizes.push_back(1 + test::splitmix64(seed) % 97);
        FrameDecoder decoder(framing, side);
        CHECK(test::feed_in_pieces(decoder, stream, sizes) == whole);
      }
    }
  }
}

TEST_CASE("full: a CRC mismatch is a violation") {
  const auto events = decode(Framing::Full, Side::Server, full_frame(52, 0, req_pq_multi(), 1));
  CHECK(describe(events) == "Violation(full frame CRC32 mismatch)");
}

TEST_CASE("full: seq must count 0, 1, 2 from the first frame") {
  CHECK(describe(decode(Framing::Full, Side::Server, full_frame(1, req_pq_multi()))) ==
        "Violation(full frame seq 1, expected 0)");
  const Bytes repeated = concat({full_frame(0, req_pq_multi()), full_frame(0, req_pq_multi())});
  const auto events = decode(Framing::Full, Side::Server, repeated);
  REQUIRE(events.size() == 2);
  CHECK(std::holds_alternative<Frame>(events[0]));
  CHECK(describe(events[1]) == "Violation(full frame seq 0, expected 1)");
}

TEST_CASE("full: the seq is checked as soon as it arrives, before the body") {
  FrameDecoder decoder(Framing::Full, Side::Server);
  decoder.feed(hex_bytes("34000000 05000000"));
  CHECK(describe(drain(decoder)) == "Violation(full frame seq 5, expected 0)");
}

TEST_CASE("full: a length below 12 or not a multiple of 4 is a violation") {
  CHECK(decode_hex(Framing::Full, Side::Server, "08000000") ==
        "Violation(full frame length 8 is below the 12-byte minimum)");
  CHECK(decode_hex(Framing::Full, Side::Client, "35000000") ==
        "Violation(full frame length 53 is not a multiple of 4)");
}

TEST_CASE("full: a negative length (Telethon #4042) reports the code, then a violation") {
  FrameDecoder decoder(Framing::Full, Side::Client);
  decoder.feed(hex_bytes("53feffff 53feffff 53feffff"));
  CHECK(describe(drain(decoder)) ==
        "TransportError(-429); Violation(full transport length is negative (-429))");
  CHECK(decoder.failed());
}

TEST_CASE("intermediate: a length not a multiple of 4 is a violation, padded allows any length") {
  CHECK(decode_hex(Framing::Intermediate, Side::Server, "29000000") ==
        "Violation(intermediate frame length 41 is not a multiple of 4)");
  CHECK(decode_hex(Framing::PaddedIntermediate, Side::Server, "05000000 0102030405") == "Frame(0102030405)");
}

TEST_CASE("a client body shorter than 4 bytes is a violation") {
  CHECK(decode_hex(Framing::Abridged, Side::Client, "00") ==
        "Violation(frame of 0 bytes is neither a message nor an error code)");
  CHECK(decode_hex(Framing::PaddedIntermediate, Side::Client, "03000000 010203") ==
        "Violation(frame of 3 bytes is neither a message nor an error code)");
}

TEST_CASE("a length above the maximum is a violation as soon as the header is read, in every framing") {
  const DecoderOptions small{64};
  // Exactly the maximum is fine.
  CHECK(decode(Framing::Intermediate, Side::Server, hex_bytes("40000000" + std::string(128, '0')), small)
            .size() == 1);
  CHECK(decode_hex(Framing::Intermediate, Side::Server, "44000000", small) ==
        "Violation(intermediate frame of 68 bytes exceeds the maximum of 64)");
  CHECK(decode_hex(Framing::PaddedIntermediate, Side::Server, "41000000", small) ==
        "Violation(padded intermediate frame of 65 bytes exceeds the maximum of 64)");
  CHECK(decode_hex(Framing::Abridged, Side::Server, "11", small) ==
        "Violation(abridged frame of 68 bytes exceeds the maximum of 64)");
  CHECK(decode_hex(Framing::Full, Side::Server, "50000000", small) ==
        "Violation(full frame of 68 bytes exceeds the maximum of 64)");
}

TEST_CASE("the default maximum is 16 MiB and hostile lengths fail after the header without buffering") {
  CHECK(decode_hex(Framing::Abridged, Side::Server, "7fffffff") ==
        "Violation(abridged frame of 67108860 bytes exceeds the maximum of 16777216)");
  CHECK(decode_hex(Framing::Intermediate, Side::Server, "fcffff7f") ==
        "Violation(intermediate frame of 2147483644 bytes exceeds the maximum of 16777216)");
  CHECK(decode_hex(Framing::Intermediate, Side::Server, "04000001") ==
        "Violation(intermediate frame of 16777220 bytes exceeds the maximum of 16777216)");
  CHECK(decode_hex(Framing::Full, Side::Server, "fcffff7f") ==
        "Violation(full frame of 2147483632 bytes exceeds the maximum of 16777216)");

  // A frame of exactly 16 MiB goes through.
  Bytes big(4 + kDefaultMaxFrameSize, 0);
  big[3] = 0x01;  // 00 00 00 01: 2^24
  const auto events = decode(Framing::Intermediate, Side::Server, big);
  REQUIRE(events.size() == 1);
  CHECK(std::get<Frame>(events[0]).payload.size() == kDefaultMaxFrameSize);
}

TEST_CASE("after a violation the decoder stays failed: no more events, input ignored") {
  FrameDecoder decoder(Framing::Intermediate, Side::Server);
  decoder.feed(hex_bytes("29000000"));
  REQUIRE(decoder.next().has_value());
  CHECK(decoder.failed());
  CHECK_FALSE(decoder.next().has_value());
  decoder.feed(hex_bytes("28000000" + to_hex(req_pq_multi())));
  CHECK_FALSE(decoder.next().has_value());
  CHECK(decoder.buffered() == 0);
}

TEST_CASE("an incomplete frame yields nothing and stays buffered") {
  FrameDecoder decoder(Framing::Intermediate, Side::Server);
  decoder.feed(hex_bytes("28000000 0000"));
  CHECK_FALSE(decoder.next().has_value());
  CHECK_FALSE(decoder.failed());
  CHECK(decoder.buffered() == 6);
}
