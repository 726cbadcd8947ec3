#include "protocol/transport/detect.hpp"

#include <doctest/doctest.h>

#include "tests/protocol/transport/test_util.hpp"

using namespace tgd;
using namespace tgd::transport;

namespace {

Detection detect_hex(const std::string& hex) { return detect_framing(hex_bytes(hex)); }

Bytes client_header(Framing framing, std::int16_t dc, std::uint64_t seed) {
  auto client = make_client_obfuscation(framing, dc, std::nullopt, test::seeded_random(seed));
  REQUIRE(client);
  return Bytes(client->header.begin(), client->header.end());
}

}  // namespace

TEST_CASE("detect: nothing received yet needs 1 byte") {
  const Detection d = detect_framing({});
  CHECK(d.kind == DetectedKind::NeedMore);
  CHECK(d.need == 1);
}

TEST_CASE("detect: 0xef is abridged after 1 byte, with a 1-byte tag") {
  const Detection d = detect_hex("ef");
  CHECK(d.kind == DetectedKind::Plain);
  CHECK(d.framing == Framing::Abridged);
  CHECK(d.header_size == 1);
  CHECK(detect_hex("ef0a").framing == Framing::Abridged);
}

TEST_CASE("detect: ee×4 is intermediate and dd×4 padded, each needing 4 bytes first") {
  for (std::string partial : {"ee", "eeee", "eeeeee", "dd", "dddddd", "34", "340000"}) {
    CAPTURE(partial);
    const Detection d = detect_hex(partial);
    CHECK(d.kind == DetectedKind::NeedMore);
    CHECK(d.need == 4);
  }
  const Detection intermediate = detect_hex("eeeeeeee28000000");
  CHECK(intermediate.kind == DetectedKind::Plain);
  CHECK(intermediate.framing == Framing::Intermediate);
  CHECK(intermediate.header_size == 4);
  const Detection padded = detect_hex("dddddddd");
  CHECK(padded.kind == DetectedKind::Plain);
  CHECK(padded.framing == Framing::PaddedIntermediate);
  CHECK(padded.header_size == 4);
}

TEST_CASE("detect: len + seq 0 is full after 8 bytes, with no tag to skip (the §1.8 vector)") {
  const Detection partial = detect_hex("34000000");
  CHECK(partial.kind == DetectedKind::NeedMore);
  CHECK(partial.need == 8);
  CHECK(detect_hex("34000000000000").need == 8);
  const Detection d = detect_hex("3400000000000000");
  CHECK(d.kind == DetectedKind::Plain);
  CHECK(d.framing == Framing::Full);
  CHECK(d.header_size == 0);
  // A whole 52-byte first packet, shorter than an obfuscation header, is recognised.
  CHECK(detect_hex("3400000000000000" + to_hex(test::req_pq_multi()) + "22b7ab88").framing == Framing::Full);
}

TEST_CASE("detect: an obfuscation header needs all 64 bytes, then gives framing, dc id and streams") {
  const Bytes header = client_header(Framing::PaddedIntermediate, -10002, 7);
  for (std::size_t have : {std::size_t{8}, std::size_t{9}, std::size_t{63}}) {
    const Detection d = detect_framing(ByteSpan(header).first(have));
    CHECK(d.kind == DetectedKind::NeedMore);
    CHECK(d.need == 64);
  }
  const Detection d = detect_framing(header);
  REQUIRE(d.kind == DetectedKind::Obfuscated);
  CHECK(d.framing == Framing::PaddedIntermediate);
  CHECK(d.header_size == 64);
  REQUIRE(d.obfuscation);
  CHECK(d.obfuscation->dc_id == -10002);
}

TEST_CASE("detect: an obfuscation header made with an MTProxy secret needs that secret") {
  MtproxySecret secret{};
  secret.fill(0x5a);
  auto client = make_client_obfuscation(Framing::Intermediate, 4, secret);
  REQUIRE(client);
  CHECK(detect_framing(client->header).kind == DetectedKind::Invalid);
  const Detection d = detect_framing(client->header, secret);
  CHECK(d.kind == DetectedKind::Obfuscated);
  CHECK(d.framing == Framing::Intermediate);
}

TEST_CASE("detect: 64 bytes that are no obfuscation header are invalid") {
  const Bytes noise = hex_bytes(
      "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
      "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40");
  const Detection d = detect_framing(noise);
  CHECK(d.kind == DetectedKind::Invalid);
  CHECK_FALSE(d.reason.empty());
}

TEST_CASE("detect: HTTP and TLS openings are invalid after 4 bytes") {
  for (std::string_view text : {"POST", "GET ", "HEAD", "OPTI"}) {
    CAPTURE(text);
    const Detection d = detect_framing(as_bytes(text));
    CHECK(d.kind == DetectedKind::Invalid);
    CHECK(d.reason == "HTTP transport is not supported");
  }
  CHECK(detect_hex("16030102").kind == DetectedKind::Invalid);
}

TEST_CASE("detect: every client obfuscation header is detected as obfuscated, never as a plain transport") {
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const auto framing = static_cast<Framing>(seed % 3);
    const Bytes header = client_header(framing, 2, seed);
    // At each decision point the header must ask for more, never decide early.
    for (std::size_t have : {std::size_t{1}, std::size_t{4}, std::size_t{8}}) {
      if (detect_framing(ByteSpan(header).first(have)).kind != DetectedKind::NeedMore) FAIL("seed " << seed);
    }
    const Detection d = detect_framing(header);
    CHECK(d.kind == DetectedKind::Obfuscated);
    CHECK(d.framing == framing);
  }
}
