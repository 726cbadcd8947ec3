#pragma once
// A ClientSession wired to a FakeServer, with helpers to flush, open what the client sent, deliver
// server packets and pick events by type.
#include <doctest/doctest.h>

#include <variant>
#include <vector>

#include "fake_server.hpp"
#include "protocol/mtproto/client/client_session.hpp"

namespace tgd::mtproto::test {

inline constexpr std::int64_t kSalt = 0x5a17'5a17'5a17'5a17;

struct SessionFixture {
  crypto::AuthKey key = test_auth_key();  // first: the members below are built from it

  explicit SessionFixture(ClientSessionOptions options = quiet_options(), std::int64_t salt = kSalt)
      : client(key, salt, 0, options, seeded_random(1)), server(key, salt) {
    server.set_session(client.session_id());
  }

  // Flushes at `now` and opens every packet written.
  std::vector<ClientPacket> flush(UnixNanos now) {
    out.clear();
    client.flush(now, out);
    std::vector<ClientPacket> packets;
    for (const auto& p : out) {
      auto opened = server.open(p.payload);
      REQUIRE(opened);
      packets.push_back(std::move(*opened));
    }
    return packets;
  }
  // Flushes and expects exactly one packet.
  ClientPacket flush_one(UnixNanos now) {
    auto packets = flush(now);
    REQUIRE(packets.size() == 1);
    return std::move(packets.front());
  }

  void deliver(const Bytes& packet, UnixNanos now) { client.on_packet(packet, now, events); }
  // Sends one server message alone.
  FakeServer::Message deliver_message(Bytes body, bool content_related, UnixNanos now, bool response = true) {
    auto m = server.message(std::move(body), content_related, now, response);
    deliver(server.seal(m), now);
    return m;
  }

  // A server message whose msg_id says `server_time` (whatever the server clock said before),
  // received by the client at `client_now`: for skewed clocks.
  std::uint64_t deliver_skewed(Bytes body, bool content_related, UnixNanos server_time,
                               UnixNanos client_now) {
    const std::uint64_t msg_id = MsgIdClock{}.next(server_time, MsgIdKind::ServerOther);
    deliver(server.seal(FakeServer::Message{msg_id, server.next_seq_no(content_related), std::move(body)}),
            client_now);
    return msg_id;
  }

  template <class T>
  std::vector<T> take() {
    std::vector<T> picked;
    std::vector<ClientEvent> rest;
    for (auto& e : events) {
      if (auto* t = std::get_if<T>(&e)) {
        picked.push_back(std::move(*t));
      } else {
        rest.push_back(std::move(e));
      }
    }
    events = std::move(rest);
    return picked;
  }

  ClientSession client;
  FakeServer server;
  std::vector<OutgoingPacket> out;
  std::vector<ClientEvent> events;
};

// SendOptions one field at a time (designated initializers trip -Wmissing-field-initializers).
inline SendOptions not_content_related() {
  SendOptions o;
  o.content_related = false;
  return o;
}
inline SendOptions with_quick_ack() {
  SendOptions o;
  o.quick_ack = true;
  return o;
}
inline SendOptions after(RequestId id) {
  SendOptions o;
  o.after = id;
  return o;
}
inline SendOptions with_deadline(UnixNanos t) {
  SendOptions o;
  o.deadline = t;
  return o;
}

// The messages of a packet that are test queries (not acks or other service messages).
inline std::vector<ClientMessage> queries_in(const ClientPacket& p) {
  std::vector<ClientMessage> q;
  for (const auto& m : p.messages) {
    if (!is_service(m.body)) q.push_back(m);
  }
  return q;
}

inline std::vector<ClientMessage> with_constructor(const ClientPacket& p, std::uint32_t id) {
  std::vector<ClientMessage> q;
  for (const auto& m : p.messages) {
    if (constructor(m.body) == id) q.push_back(m);
  }
  return q;
}

}  // namespace tgd::mtproto::test
