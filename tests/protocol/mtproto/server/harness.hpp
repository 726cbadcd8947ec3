#pragma once
// A Dispatcher with one auth key and a TestClient on it, at a fixed time, for the server tests.
#include <doctest/doctest.h>

#include <type_traits>
#include <variant>
#include <vector>

#include "protocol/mtproto/server/dispatcher.hpp"
#include "tests/protocol/mtproto/server/test_client.hpp"

namespace tgd::mtproto::server::testing {

inline DcOptions fixed_options() {
  DcOptions o;
  o.salt_seed = 0x5eed;
  return o;
}

struct Harness {
  explicit Harness(DcOptions options = fixed_options(), std::int64_t session_id = 0x1122334455667788)
      : dc(std::move(options)), client(key, session_id, 0) {
    dc.add_auth_key(key, std::nullopt, now);
    client.salt = dc.salts().current(dc.server_time(now));
  }

  SessionKey session() const { return {static_cast<std::uint64_t>(key.id_value()), client.session_id}; }

  void send_packet(const Bytes& packet) { dc.on_packet(connection, packet, now, events); }
  // One message with a fresh msg_id and the next seq_no; returns its msg_id.
  std::uint64_t send(ByteSpan body, bool content_related = true) {
    const std::uint64_t msg_id = client.next_msg_id(now);
    send_packet(client.packet(msg_id, client.next_seq_no(content_related), body));
    return msg_id;
  }

  // Flushes the DC and opens every packet; all must go to this harness's connection.
  std::vector<ServerMessage> receive() {
    std::vector<OutgoingPacket> packets;
    dc.flush(now, packets);
    std::vector<ServerMessage> out;
    for (const OutgoingPacket& p : packets) {
      CHECK(p.connection == connection);
      for (ServerMessage& m : client.open(p.bytes)) out.push_back(std::move(m));
    }
    last_packet_count = packets.size();
    return out;
  }

  // Takes the events of type T out of `events`.
  template <typename T>
  std::vector<T> take() {
    std::vector<T> out;
    std::vector<Event> rest;
    for (Event& e : events) {
      if (auto* t = std::get_if<T>(&e)) {
        out.push_back(std::move(*t));
      } else {
        rest.push_back(std::move(e));
      }
    }
    events = std::move(rest);
    return out;
  }

  // Answers every pending Query with `result` (default: a Bool true).
  std::size_t answer_all(const Bytes& result = Bytes{0xb5, 0x75, 0x72, 0x99}) {
    std::size_t n = 0;
    for (const Query& q : take<Query>()) n += dc.answer(q.session, q.msg_id, result) ? 1 : 0;
    return n;
  }

  crypto::AuthKey key = make_key(1);
  UnixNanos now = kT0;
  Dispatcher dc;
  TestClient client;
  ConnectionId connection = 1;
  std::vector<Event> events;
  std::size_t last_packet_count = 0;
};

// The messages of one constructor.
inline std::vector<ServerMessage> of_type(const std::vector<ServerMessage>& ms, std::uint32_t constructor) {
  std::vector<ServerMessage> out;
  for (const ServerMessage& m : ms) {
    if (m.constructor() == constructor) out.push_back(m);
  }
  return out;
}

// The single bad_msg_notification / bad_server_salt among ms.
inline BadMsg only_bad_msg(const std::vector<ServerMessage>& ms) {
  std::vector<BadMsg> found;
  for (const ServerMessage& m : ms) {
    if (auto b = as_bad_msg(m)) found.push_back(*b);
  }
  REQUIRE(found.size() == 1);
  return found[0];
}

}  // namespace tgd::mtproto::server::testing
