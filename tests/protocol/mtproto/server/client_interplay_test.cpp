// tgd's own ClientSession against the server, in process (no sockets): what the server does with
// msg_detailed_info / msg_new_detailed_info must still give every request exactly one answer
// (the client acks an announced answer it has, else asks for it with msg_resend_req).
#include <doctest/doctest.h>

#include <map>

#include "protocol/crypto/random.hpp"
#include "protocol/mtproto/client/client_session.hpp"
#include "tests/protocol/mtproto/server/harness.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::server::testing;
using namespace std::chrono_literals;
namespace server = tgd::mtproto::server;

namespace {

constexpr std::uint32_t kSmallCall = 0x0badf00d;
constexpr std::uint32_t kLargeCall = 0x0badf00e;
constexpr std::size_t kThreshold = 256;

server::DcOptions with_threshold() {
  server::DcOptions o = fixed_options();
  o.limits.detailed_info_min_bytes = kThreshold;
  return o;
}

Bytes large_result() {
  Bytes b(4 * kThreshold);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
  b[0] = 0x15;
  return b;
}

struct Loop {
  Loop() : client(h.key, h.client.salt, 0, ClientSessionOptions{}, crypto::random_fill) {}

  RequestId call(std::uint32_t constructor) {
    const RequestId id = client.send(api_query(constructor));
    expected[id.value] = constructor == kLargeCall ? large_result() : Bytes{0xb5, 0x75, 0x72, 0x99};
    return id;
  }

  // One round trip: the client writes, the server runs and answers every query (again, for a
  // request the client sent again), and the server's output reaches the client unless lost.
  void turn(bool lose_server_output = false) {
    std::vector<OutgoingPacket> out;
    client.flush(h.now, out);
    for (const OutgoingPacket& p : out) h.dc.on_packet(h.connection, p.payload, h.now, h.events);
    for (const server::Query& q : h.take<server::Query>()) {
      const bool large = constructor_of_bytes(q.body) == kLargeCall;
      CHECK(h.dc.answer(q.session, q.msg_id, large ? large_result() : Bytes{0xb5, 0x75, 0x72, 0x99}));
    }
    h.events.clear();
    std::vector<server::OutgoingPacket> back;
    h.dc.flush(h.now, back);
    if (lose_server_output) return;
    for (const server::OutgoingPacket& p : back) client.on_packet(p.bytes, h.now, events);
    for (ClientEvent& e : events) {
      if (auto* r = std::get_if<client_event::Result>(&e)) {
        ++results[r->id.value];
        CHECK(r->body == expected.at(r->id.value));
      }
      CHECK(std::get_if<client_event::Failed>(&e) == nullptr);
      CHECK(std::get_if<client_event::Error>(&e) == nullptr);
    }
    events.clear();
  }

  void run_until_answered(int max_turns = 10) {
    for (int i = 0; i < max_turns && results.size() < expected.size(); ++i) {
      h.now += 100ms;
      client.on_timer(h.now, events);
      turn();
    }
    for (int i = 0; i < 3; ++i) {  // nothing more comes
      h.now += 3s;
      client.on_timer(h.now, events);
      turn();
    }
    CHECK(results.size() == expected.size());
    for (const auto& [id, n] : results) CHECK(n == 1);
  }

  Harness h{with_threshold()};
  ClientSession client;
  std::vector<ClientEvent> events;
  std::map<std::uint32_t, Bytes> expected;
  std::map<std::uint32_t, int> results;
};

}  // namespace

TEST_CASE("tgd's client: answers lost with the connection come back once (detailed info for large ones)") {
  Loop loop;
  for (int i = 0; i < 3; ++i) {
    loop.call(kSmallCall);
    loop.call(kLargeCall);
  }
  loop.turn(true);  // answered, sent, lost with the connection
  loop.h.dc.on_connection_closed(loop.h.connection);
  loop.client.on_disconnect();
  loop.h.connection = 2;
  loop.run_until_answered();
  CHECK(loop.h.dc.counters().detailed_infos >= 3);
}

TEST_CASE("tgd's client: an answer lost on a live connection is found through msgs_state_req") {
  Loop loop;
  loop.call(kSmallCall);
  loop.call(kLargeCall);
  loop.turn(true);  // answered (the answers were the acks), lost
  CHECK(loop.results.empty());
  // The client asks about its unacknowledged requests; msgs_state_info says "answered" and
  // msg_detailed_info says where: the client fetches what it lacks with msg_resend_req.
  loop.h.now += 31s;
  loop.client.on_timer(loop.h.now, loop.events);
  loop.run_until_answered();
  CHECK(loop.h.dc.counters().detailed_infos == 2);
  CHECK(loop.h.dc.counters().queries == 2);  // nothing ran twice
}
