// RFC 6455 framing without sockets: server frames, client frame parsing, the protocol's rules.
#include "rpc/server/ws_frame.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace tgd::rpc::ws;

namespace {

constexpr std::size_t kPad = 64;

// A client frame: masked with `key`, FIN and opcode as given.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true,
                         const unsigned char (&key)[4] = {0x12, 0x34, 0x56, 0x78}) {
  std::string out;
  out += static_cast<char>(first_byte);
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    out += static_cast<char>(mask_bit | payload.size());
  } else if (payload.size() <= 0xFFFF) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(payload.size() >> 8);
    out += static_cast<char>(payload.size() & 0xFF);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i)
      out += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xFF);
  }
  if (masked) {
    out.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) out += static_cast<char>(payload[i] ^ key[i % 4]);
  } else {
    out.append(payload);
  }
  return out;
}

std::string text(std::string_view payload, bool fin = true) {
  return client_frame(static_cast<std::uint8_t>((fin ? 0x80 : 0) | 0x1), payload);
}

// Parses every event out of `wire` (which keeps kPad bytes of slack, as the server's buffer does).
struct Parsed {
  std::vector<Event> events;
  std::vector<std::string> payloads;  // copied, since views die with the next call
  std::size_t left = 0;               // bytes not consumed
};

Parsed parse_all(FrameReader& reader, std::string wire) {
  const std::size_t size = wire.size();
  wire.resize(size + kPad);
  Parsed out;
  std::size_t begin = 0;
  while (true) {
    std::size_t consumed = 0;
    Event e = reader.next(wire.data() + begin, size - begin, consumed);
    begin += consumed;
    if (e.kind == Event::Kind::NeedMore) {
      if (consumed == 0) break;
      continue;
    }
    out.payloads.emplace_back(e.payload);
    const bool stop = e.kind == Event::Kind::Error || e.kind == Event::Kind::Close;
    out.events.push_back(std::move(e));
    if (stop) break;
  }
  out.left = size - begin;
  return out;
}

}  // namespace

TEST_CASE("ws frames: server headers use the shortest length form and are never masked") {
  char h[kMaxHeader];
  CHECK(write_header(Opcode::Text, 0, h) == 2);
  CHECK(static_cast<unsigned char>(h[0]) == 0x81);
  CHECK(static_cast<unsigned char>(h[1]) == 0);
  CHECK(write_header(Opcode::Text, 125, h) == 2);
  CHECK(static_cast<unsigned char>(h[1]) == 125);
  CHECK(write_header(Opcode::Text, 126, h) == 4);
  CHECK(static_cast<unsigned char>(h[1]) == 126);
  CHECK(static_cast<unsigned char>(h[2]) == 0);
  CHECK(static_cast<unsigned char>(h[3]) == 126);
  CHECK(write_header(Opcode::Binary, 65535, h) == 4);
  CHECK(write_header(Opcode::Text, 65536, h) == 10);
  CHECK(static_cast<unsigned char>(h[1]) == 127);
  CHECK(static_cast<unsigned char>(h[7]) == 1);  // 0x0000000000010000
  CHECK(static_cast<unsigned char>(h[8]) == 0);

  const std::string f = frame(Opcode::Pong, "hi");
  CHECK(f == std::string("\x8A\x02hi", 4));
  const std::string c = close_payload(1009, "too big");
  CHECK(c.substr(0, 2) == std::string("\x03\xF1", 2));
  CHECK(c.substr(2) == "too big");
  CHECK(close_payload(1000, std::string(300, 'x')).size() == 125);  // fits a control frame
}

TEST_CASE("ws frames: masked text frames of every length form are unmasked in place") {
  for (std::size_t n : {0u, 1u, 7u, 8u, 125u, 126u, 1000u, 65535u, 65536u, 70000u}) {
    std::string payload(n, '\0');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('a' + i % 26);
    FrameReader reader(1 << 20, kPad);
    Parsed p = parse_all(reader, text(payload));
    REQUIRE(p.events.size() == 1);
    CHECK(p.events[0].kind == Event::Kind::Message);
    CHECK(p.events[0].opcode == Opcode::Text);
    CHECK(p.payloads[0] == payload);
    CHECK(p.events[0].capacity == n + kPad);
    CHECK(p.left == 0);
  }
}

TEST_CASE("ws frames: several frames in one read come out in order, a partial one waits") {
  FrameReader reader(1000, kPad);
  const std::string wire = text("one") + text("two") + text("three");
  Parsed p = parse_all(reader, wire + text("four").substr(0, 5));
  REQUIRE(p.events.size() == 3);
  CHECK(p.payloads == std::vector<std::string>{"one", "two", "three"});
  CHECK(p.left == 5);
  // Every prefix of a frame is "need more" and consumes nothing.
  const std::string whole = text(std::string(300, 'z'));
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    FrameReader r(1000, kPad);
    std::string part = whole.substr(0, cut);
    part.resize(cut + kPad);
    std::size_t consumed = 99;
    CHECK(r.next(part.data(), cut, consumed).kind == Event::Kind::NeedMore);
    CHECK(consumed == 0);
  }
}

TEST_CASE("ws frames: a fragmented message is gathered, with control frames between fragments") {
  FrameReader reader(1000, kPad);
  const std::string wire = text("{\"a\":", false) + client_frame(0x89, "ping!") +
                           client_frame(0x00, "[1,2") + client_frame(0x80, "]}");
  Parsed p = parse_all(reader, wire);
  REQUIRE(p.events.size() == 2);
  CHECK(p.events[0].kind == Event::Kind::Ping);
  CHECK(p.payloads[0] == "ping!");
  CHECK(p.events[1].kind == Event::Kind::Message);
  CHECK(p.payloads[1] == "{\"a\":[1,2]}");
  CHECK(p.events[1].capacity >= p.payloads[1].size() + kPad);
  CHECK_FALSE(reader.in_fragmented_message());
}

TEST_CASE("ws frames: binary messages, pongs and close codes are reported as such") {
  FrameReader reader(1000, kPad);
  Parsed p = parse_all(reader, client_frame(0x82, "\x01\x02") + client_frame(0x8A, "") +
                                   client_frame(0x88, std::string("\x03\xE8", 2) + "bye"));
  REQUIRE(p.events.size() == 3);
  CHECK(p.events[0].kind == Event::Kind::Message);
  CHECK(p.events[0].opcode == Opcode::Binary);
  CHECK(p.events[1].kind == Event::Kind::Pong);
  CHECK(p.events[2].kind == Event::Kind::Close);
  CHECK(p.events[2].close_code == 1000);

  FrameReader empty_close(1000, kPad);
  Parsed q = parse_all(empty_close, client_frame(0x88, ""));
  REQUIRE(q.events.size() == 1);
  CHECK(q.events[0].kind == Event::Kind::Close);
  CHECK(q.events[0].close_code == 0);
}

TEST_CASE("ws frames: protocol violations are errors with close code 1002") {
  struct Case {
    std::string wire;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {client_frame(0x81, "x", /*masked=*/false), "client frames must be masked"},
      {client_frame(0xC1, "x"), "reserved bits set"},
      {client_frame(0x83, "x"), "unknown opcode 3"},
      {client_frame(0x09, "x"), "fragmented control frame"},
      {client_frame(0x89, std::string(126, 'p')), "control frame over 125 bytes"},
      {client_frame(0x80, "x"), "continuation frame without a message to continue"},
      {text("a", false) + text("b"), "new message before the fragmented one ended"},
      {client_frame(0x88, "\x03"), "close frame with a 1-byte payload"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.detail);
    FrameReader reader(1000, kPad);
    Parsed p = parse_all(reader, c.wire);
    REQUIRE_FALSE(p.events.empty());
    CHECK(p.events.back().kind == Event::Kind::Error);
    CHECK(p.events.back().close_code == kCloseProtocolError);
    CHECK(p.events.back().detail.find(c.detail) != std::string::npos);
  }
}

TEST_CASE("ws frames: a message over the limit is refused from its header, also across fragments") {
  FrameReader reader(100, kPad);
  // Only the header of a 1 MiB frame: refused without waiting for the payload.
  std::string header = client_frame(0x81, std::string(1 << 20, 'x')).substr(0, 14);
  Parsed p = parse_all(reader, header);
  REQUIRE(p.events.size() == 1);
  CHECK(p.events[0].kind == Event::Kind::Error);
  CHECK(p.events[0].close_code == kCloseTooBig);
  CHECK(p.events[0].detail == "message over 100 bytes");

  FrameReader fragments(100, kPad);
  Parsed q =
      parse_all(fragments, text(std::string(60, 'a'), false) + client_frame(0x80, std::string(60, 'b')));
  REQUIRE(q.events.size() == 1);
  CHECK(q.events[0].close_code == kCloseTooBig);

  FrameReader exact(100, kPad);
  Parsed r = parse_all(exact, text(std::string(100, 'c')));
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == Event::Kind::Message);
}
