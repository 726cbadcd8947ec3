#include "protocol/transport/codec.hpp"

#include <doctest/doctest.h>

#include "protocol/transport/padding.hpp"
#include "tests/protocol/transport/test_util.hpp"

using namespace tgd;
using namespace tgd::transport;
using test::describe;
using test::req_pq_multi;

namespace {

enum class Mode { Plain, Obfuscated, MtproxySecret };

std::optional<MtproxySecret> secret_for(Mode mode) {
  if (mode != Mode::MtproxySecret) return std::nullopt;
  MtproxySecret secret{};
  for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(0xa0 + i);
  return secret;
}

Codec make_client(Framing framing, Mode mode, std::uint64_t seed) {
  CodecOptions options{kDefaultMaxFrameSize, test::seeded_random(seed)};
  if (mode == Mode::Plain) return Codec::client(framing, std::move(options));
  auto codec = Codec::client_obfuscated(framing, 2, secret_for(mode), std::move(options));
  REQUIRE(codec);
  return std::move(*codec);
}

// Accepts a connection the way a server's I/O layer would: reads exactly what detect_framing asks
// for, then builds the codec from those bytes. Returns the codec and how many bytes were read.
std::pair<Codec, std::size_t> accept(ByteSpan wire, Mode mode) {
  std::size_t have = 0;
  for (;;) {
    Detection d = detect_framing(wire.first(have), secret_for(mode));
    if (d.kind == DetectedKind::NeedMore) {
      REQUIRE(d.need > have);
      REQUIRE(d.need <= wire.size());
      have = d.need;
      continue;
    }
    auto codec = Codec::server(std::move(d), wire.first(have));
    REQUIRE(codec);
    return {std::move(*codec), have};
  }
}

// accept(), then the rest of the wire bytes.
Codec accept_all(ByteSpan wire, Mode mode) {
  auto [codec, read] = accept(wire, mode);
  codec.feed(wire.subspan(read));
  return std::move(codec);
}

// The first `size` bytes of a frame's payload (a padded frame carries padding after them).
std::string frame_prefix_hex(const Event& event, std::size_t size) {
  const auto* frame = std::get_if<Frame>(&event);
  if (frame == nullptr || frame->payload.size() < size)
    return "not a frame of " + std::to_string(size) + " bytes";
  return to_hex(ByteSpan(frame->payload).first(size));
}

}  // namespace

TEST_CASE(
    "client and server codecs round-trip frames, quick acks and transport errors in every framing and mode") {
  for (Framing framing :
       {Framing::Abridged, Framing::Intermediate, Framing::PaddedIntermediate, Framing::Full}) {
    for (Mode mode : {Mode::Plain, Mode::Obfuscated, Mode::MtproxySecret}) {
      if (framing == Framing::Full && mode != Mode::Plain) continue;
      CAPTURE(to_string(framing));
      CAPTURE(static_cast<int>(mode));
      const bool quick_acks = framing != Framing::Full;
      const bool padded = framing == Framing::PaddedIntermediate;

      // Client -> server.
      Codec client = make_client(framing, mode, 11);
      CHECK(client.side() == Side::Client);
      CHECK(client.obfuscated() == (mode != Mode::Plain));
      const std::vector<Bytes> up = {req_pq_multi(), test::pseudo_random_bytes(520, 1),
                                     test::pseudo_random_bytes(16, 2)};
      Bytes wire;
      for (std::size_t i = 0; i < up.size(); ++i) REQUIRE(client.encode(up[i], wire, quick_acks && i != 1));

      auto [server, read] = accept(wire, mode);
      CHECK(server.side() == Side::Server);
      CHECK(server.framing() == framing);
      const std::size_t expected_read = mode != Mode::Plain            ? 64
                                        : framing == Framing::Abridged ? 1
                                        : framing == Framing::Full     ? 8
                                                                       : 4;
      CHECK(read == expected_read);
      std::vector<Event> received = test::drain(server);
      for (auto& e : test::feed_in_pieces(server, ByteSpan(wire).subspan(read), {3, 50, 1, 200}))
        received.push_back(std::move(e));
      REQUIRE(received.size() == up.size());
      for (std::size_t i = 0; i < up.size(); ++i) {
        const auto* frame = std::get_if<Frame>(&received[i]);
        REQUIRE(frame);
        CHECK(frame_prefix_hex(received[i], up[i].size()) == to_hex(up[i]));
        if (!padded) CHECK(frame->payload.size() == up[i].size());
        CHECK(frame->quick_ack_requested == (quick_acks && i != 1));
      }

      // Server -> client.
      Bytes reply;
      REQUIRE(server.encode(test::pseudo_random_bytes(64, 3), reply));
      if (quick_acks) REQUIRE(server.encode_quick_ack(0x1234abcd, reply));
      REQUIRE(server.encode_transport_error(-404, reply));
      REQUIRE(server.encode(test::pseudo_random_bytes(1000, 4), reply));
      const std::vector<Event> events = test::feed_in_pieces(client, reply, {7, 1, 64});
      REQUIRE(events.size() == (quick_acks ? 4u : 3u));
      CHECK(frame_prefix_hex(events[0], 64) == to_hex(test::pseudo_random_bytes(64, 3)));
      if (quick_acks) CHECK(describe(events[1]) == "QuickAck(" + std::to_string(0x9234abcdu) + ")");
      CHECK(describe(events[events.size() - 2]) == "TransportError(-404)");
      CHECK(frame_prefix_hex(events.back(), 1000) == to_hex(test::pseudo_random_bytes(1000, 4)));
      if (!padded) CHECK(std::get<Frame>(events.back()).payload.size() == 1000);
    }
  }
}

TEST_CASE("an obfuscated client sends its header once, before the first frame, and never the plain tag") {
  Codec client = make_client(Framing::Intermediate, Mode::Obfuscated, 3);
  Bytes first, second;
  REQUIRE(client.encode(req_pq_multi(), first));
  REQUIRE(client.encode(req_pq_multi(), second));
  CHECK(first.size() == 64 + 4 + 40);
  CHECK(second.size() == 4 + 40);
  CHECK(to_hex(ByteSpan(first).first(4)) != "eeeeeeee");
}

TEST_CASE("a refused encode writes nothing and keeps the obfuscation header for the next frame") {
  Codec client = make_client(Framing::Abridged, Mode::Obfuscated, 4);
  Bytes out;
  CHECK_FALSE(client.encode(Bytes(3), out));
  CHECK(out.empty());
  REQUIRE(client.encode(req_pq_multi(), out));
  CHECK(out.size() == 64 + 1 + 40);
  Codec server = accept_all(out, Mode::Obfuscated);
  CHECK(describe(test::drain(server)) == "Frame(" + to_hex(req_pq_multi()) + ")");
}

TEST_CASE("codec factories refuse what cannot work: obfuscated full, unfinished or invalid detections") {
  CHECK_FALSE(Codec::client_obfuscated(Framing::Full, 2).has_value());
  CHECK_FALSE(Codec::server(detect_framing(hex_bytes("eeee")), hex_bytes("eeee")).has_value());
  const Bytes http = hex_bytes("504f5354");
  CHECK_FALSE(Codec::server(detect_framing(http), http).has_value());
}

TEST_CASE("a server codec enforces the configured maximum frame size") {
  const Bytes wire = hex_bytes("eeeeeeee 44000000");
  auto codec = Codec::server(detect_framing(wire), wire, {64, {}});
  REQUIRE(codec);
  CHECK(describe(test::drain(*codec)) ==
        "Violation(intermediate frame of 68 bytes exceeds the maximum of 64)");
}

TEST_CASE("padded-intermediate frames give back the exact MTProto packet after strip_transport_padding") {
  Codec client = make_client(Framing::PaddedIntermediate, Mode::Obfuscated, 9);
  // An unencrypted packet (auth_key_id 0, length from message_data_length) and an encrypted-looking
  // one (24-byte header + a multiple of 16).
  const Bytes plain = req_pq_multi();
  Bytes encrypted = test::pseudo_random_bytes(24 + 96, 5);
  encrypted[0] = 1;
  Bytes wire;
  for (int i = 0; i < 20; ++i) {
    REQUIRE(client.encode(plain, wire));
    REQUIRE(client.encode(encrypted, wire));
  }
  Codec server = accept_all(wire, Mode::Obfuscated);
  const auto events = test::drain(server);
  REQUIRE(events.size() == 40);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto packet = strip_transport_padding(std::get<Frame>(events[i]).payload);
    REQUIRE(packet);
    CHECK(to_hex(*packet) == to_hex(i % 2 == 0 ? plain : encrypted));
  }
}
