#include "tests/testdc/push_encoding.hpp"

#include <cstring>

namespace tgd::testdc {
namespace {

constexpr std::uint32_t kUpdates = 0x74ae4240;
constexpr std::uint32_t kVector = 0x1cb5c415;
constexpr std::uint32_t kUpdateNewMessage = 0x1f2b0afd;
constexpr std::uint32_t kUpdateShortMessage = 0x313bc7f8;
constexpr std::uint32_t kMessage = 0x3ae56482;
constexpr std::uint32_t kPeerUser = 0x59511722;
constexpr std::size_t kUpdatesCountAt = 8;  // constructor, vector id, count

void put32(Bytes& out, std::uint32_t v) {
  const std::size_t at = out.size();
  out.resize(at + 4);
  std::memcpy(out.data() + at, &v, 4);
}
void put32(Bytes& out, std::int32_t v) { put32(out, static_cast<std::uint32_t>(v)); }
void put64(Bytes& out, std::int64_t v) {
  const std::size_t at = out.size();
  out.resize(at + 8);
  std::memcpy(out.data() + at, &v, 8);
}

// TL string: a 1-byte length below 254, else 254 and 3 bytes; padded to 4.
void put_string(Bytes& out, std::string_view s) {
  if (s.size() < 254) {
    out.push_back(static_cast<std::uint8_t>(s.size()));
  } else {
    out.push_back(254);
    for (int i = 0; i < 3; ++i) out.push_back(static_cast<std::uint8_t>(s.size() >> (8 * i)));
  }
  out.insert(out.end(), s.begin(), s.end());
  while (out.size() % 4) out.push_back(0);
}

}  // namespace

Bytes short_message_bytes(const Message& m, std::int64_t other, int pts) {
  Bytes out;
  out.reserve(40 + m.text.size());
  put32(out, kUpdateShortMessage);
  put32(out, (m.out ? 1u << 1 : 0u) | (m.silent ? 1u << 13 : 0u));
  put32(out, m.id);
  put64(out, other);
  put_string(out, m.text);
  put32(out, pts);
  put32(out, 1);
  put32(out, m.date);
  return out;
}

void begin_updates(Bytes& out) {
  out.clear();
  put32(out, kUpdates);
  put32(out, kVector);
  put32(out, 0u);
}

void append_new_message(Bytes& out, const Message& m, int pts) {
  put32(out, kUpdateNewMessage);
  put32(out, kMessage);
  put32(out, (m.out ? 1u << 1 : 0u) | (m.silent ? 1u << 13 : 0u));
  put32(out, 0u);  // flags2
  put32(out, m.id);
  put32(out, kPeerUser);
  put64(out, m.peer.id);
  put32(out, m.date);
  put_string(out, m.text);
  put32(out, pts);
  put32(out, 1);
  std::uint32_t count = 0;
  std::memcpy(&count, out.data() + kUpdatesCountAt, 4);
  ++count;
  std::memcpy(out.data() + kUpdatesCountAt, &count, 4);
}

void finish_updates(Bytes& out, const Bytes& users_vector, std::int32_t date, int seq) {
  out.insert(out.end(), users_vector.begin(), users_vector.end());
  put32(out, kVector);
  put32(out, 0u);  // chats
  put32(out, date);
  put32(out, seq);
}

}  // namespace tgd::testdc
