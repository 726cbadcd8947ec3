// Bounded memory: sessions per key capped (least recently active evicted) and idle sessions
// forgotten; a forgotten session_id that comes back is a new session (core.telegram.org/mtproto/
// service_messages, "New Session Creation Notification").
#include <doctest/doctest.h>

#include "protocol/mtproto/service_ids.hpp"
#include "tests/protocol/mtproto/server/harness.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::server;
using namespace tgd::mtproto::server::testing;
using namespace std::chrono_literals;

namespace {

// Another client session on the harness's key, on its own connection.
struct Sibling {
  Sibling(Harness& h, std::int64_t session_id, ConnectionId connection)
      : h(h), client(h.key, session_id, h.client.salt), connection(connection) {}

  std::uint64_t send(ByteSpan body, bool content_related = true) {
    const std::uint64_t msg_id = client.next_msg_id(h.now);
    h.dc.on_packet(connection, client.packet(msg_id, client.next_seq_no(content_related), body), h.now,
                   h.events);
    return msg_id;
  }
  SessionKey session() const { return {h.session().auth_key_id, client.session_id}; }

  Harness& h;
  TestClient client;
  ConnectionId connection;
};

DcOptions with_limits(std::size_t max_sessions, std::chrono::seconds idle) {
  DcOptions o = fixed_options();
  o.limits.max_sessions_per_key = max_sessions;
  o.limits.session_idle_timeout = idle;
  return o;
}

}  // namespace

TEST_CASE("sessions per key are capped: a new one evicts the least recently active") {
  Harness h(with_limits(2, 3600s));
  Sibling a(h, 0xa, 2);
  Sibling b(h, 0xb, 3);
  Sibling c(h, 0xc, 4);
  a.send(ping(1), false);
  h.now += 1s;
  b.send(ping(2), false);
  h.now += 1s;
  a.send(ping(3), false);  // a is now more recent than b
  h.events.clear();

  h.now += 1s;
  c.send(ping(4), false);
  const auto gone = h.take<SessionDestroyed>();
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].session == b.session());
  CHECK(gone[0].cause == SessionEndCause::kEvicted);
  CHECK(h.dc.find_session(b.session()) == nullptr);
  CHECK(h.dc.find_session(a.session()) != nullptr);
  CHECK(h.dc.find_session(c.session()) != nullptr);
  CHECK(h.dc.counters().sessions_evicted == 1);
  // Queued output of the evicted session is dropped with it; the others' goes out.
  std::vector<OutgoingPacket> packets;
  h.dc.flush(h.now, packets);
  for (const OutgoingPacket& p : packets) CHECK(p.session.session_id != b.client.session_id);
}

TEST_CASE("an evicted session_id that comes back is a new session: new_session_created, first_msg_id") {
  Harness h(with_limits(1, 3600s));
  h.send(get_nearest_dc());
  h.answer_all();
  const auto first = h.receive();
  REQUIRE(of_type(first, ids::kNewSessionCreated).size() == 1);

  Sibling other(h, 0xb, 2);
  other.send(ping(1), false);
  REQUIRE(h.take<SessionDestroyed>().size() == 1);
  h.events.clear();

  // The client knows nothing of it and sends on; the server starts over: the old request's id is
  // no longer remembered (it runs again), and new_session_created names the packet's first id.
  const std::uint64_t again = h.send(get_nearest_dc());
  CHECK(h.take<SessionCreated>().size() == 1);
  CHECK(h.take<Query>().size() == 1);
  const auto ms = h.receive();
  const auto created = of_type(ms, ids::kNewSessionCreated);
  REQUIRE(created.size() == 1);
  CHECK(as_new_session(created[0])->first_msg_id == again);
  CHECK(created[0].seq_no == 1);  // the session's numbering starts over
  CHECK(h.dc.find_session(h.session())->remembered_requests() == 1);
  CHECK(h.dc.counters().sessions_created == 3);
}

TEST_CASE("idle sessions are forgotten after session_idle_timeout, active ones stay") {
  Harness h(with_limits(64, 60s));
  Sibling idle(h, 0xa, 2);
  idle.send(get_nearest_dc());
  h.send(ping(1), false);
  h.events.clear();

  h.now += 45s;
  h.send(ping(2), false);  // keeps the harness session alive
  CHECK(h.take<SessionDestroyed>().empty());

  h.now += 30s;  // idle for 75 s, the harness session for 30 s
  h.send(ping(3), false);
  const auto gone = h.take<SessionDestroyed>();
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].session == idle.session());
  CHECK(gone[0].cause == SessionEndCause::kIdle);
  CHECK(h.dc.find_session(idle.session()) == nullptr);
  CHECK(h.dc.find_session(h.session()) != nullptr);
  CHECK(h.dc.counters().sessions_expired == 1);
  // Its late answer has nowhere to go.
  for (const Query& q : h.take<Query>()) CHECK_FALSE(h.dc.answer(q.session, q.msg_id, Bytes{1, 0, 0, 0}));

  // Back after the timeout: a new session.
  idle.send(ping(4), false);
  CHECK(h.take<SessionCreated>().size() == 1);
}
