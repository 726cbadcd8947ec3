// Sessions and connections: new_session_created, disconnects, cancellation, deadlines,
// invokeAfterMsg chains, start_new_session.
#include <doctest/doctest.h>

#include <cstring>

#include "protocol/mtproto/service_ids.hpp"
#include "session_fixture.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::test;

TEST_CASE(
    "new_session_created stores the salt, is acked and reported, and resends older unanswered requests") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  const std::uint64_t m1 = f.flush_one(at(0)).header.msg_id;
  f.client.send(test_query(2));
  const std::uint64_t m2 = f.flush_one(at(1)).header.msg_id;
  // The server lost its session and first heard of us at m2.
  const auto created = f.deliver_message(new_session_created(m2, 0xabc, 0x99), true, at(1.1), false);
  auto reported = f.take<client_event::NewSessionCreated>();
  REQUIRE(reported.size() == 1);
  CHECK(reported[0].first_msg_id == m2);
  CHECK(reported[0].unique_id == 0xabc);
  CHECK(reported[0].server_salt == 0x99);
  CHECK(f.client.server_salt() == 0x99);

  const ClientPacket p = f.flush_one(at(1.2));
  CHECK(p.header.salt == 0x99);
  const auto acks = with_constructor(p, ids::kMsgsAck);
  REQUIRE(acks.size() == 1);
  CHECK(id_vector(acks[0].body) == std::vector<std::uint64_t>{created.msg_id});
  const auto q = queries_in(p);
  REQUIRE(q.size() == 1);  // the request sent before m2, not the one at m2
  CHECK(q[0].body == test_query(1));
  CHECK(q[0].msg_id > m2);
  f.deliver_message(rpc_result(q[0].msg_id, test_answer(test_query(1))), true, at(1.3));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].id == a);
  (void)m1;
}

TEST_CASE(
    "after a disconnect everything unanswered is resent, and a late duplicate answer yields one Result") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  const RequestId b = f.client.send(test_query(2));
  const ClientPacket first = f.flush_one(at(0));
  const std::uint64_t old_a = first.messages[0].msg_id;
  const std::uint64_t old_b = first.messages[1].msg_id;
  // An update arrives; its ack is still pending when the connection drops.
  const auto update = f.deliver_message(test_answer(test_query(70)), true, at(0.1), false);
  f.take<client_event::Update>();

  f.client.on_disconnect();
  CHECK(f.client.counters().queued == 2);
  CHECK(f.client.counters().in_flight == 0);
  const ClientPacket again = f.flush_one(at(1));
  const auto acks = with_constructor(again, ids::kMsgsAck);
  REQUIRE(acks.size() == 1);
  CHECK(id_vector(acks[0].body) == std::vector<std::uint64_t>{update.msg_id});
  const auto q = queries_in(again);
  REQUIRE(q.size() == 2);
  CHECK(q[0].msg_id > first.header.msg_id);

  // a: the new transmission is answered first, then the server's answer to the old one shows up.
  f.deliver_message(rpc_result(q[0].msg_id, test_answer(test_query(1))), true, at(1.1));
  f.deliver_message(rpc_result(old_a, test_answer(test_query(1))), true, at(1.2));
  // b: the old transmission's answer comes first; the answer to the resend is then ignored.
  f.deliver_message(rpc_result(old_b, test_answer(test_query(2))), true, at(1.3));
  f.deliver_message(rpc_result(q[1].msg_id, test_answer(test_query(2))), true, at(1.4));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 2);
  CHECK(results[0].id == a);
  CHECK(results[1].id == b);
  CHECK(f.events.empty());
  CHECK(f.client.counters().ignored_answers == 2);
  CHECK(f.client.counters().resends == 2);
}

TEST_CASE("a request cancelled before it is sent never goes out") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  f.client.send(test_query(2));
  CHECK(f.client.cancel(a));
  CHECK_FALSE(f.client.cancel(a));
  const ClientPacket p = f.flush_one(at(0));
  REQUIRE(p.messages.size() == 1);
  CHECK(p.messages[0].body == test_query(2));
  CHECK(f.client.counters().cancelled == 1);
}

TEST_CASE("a request cancelled after sending ignores its late answer, with rpc_drop_answer if asked") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  const RequestId b = f.client.send(test_query(2));
  const ClientPacket first = f.flush_one(at(0));
  CHECK(f.client.cancel(a, true));
  CHECK(f.client.cancel(b));
  const ClientPacket p = f.flush_one(at(1));
  REQUIRE(p.messages.size() == 1);  // one drop, for a only
  const auto& drop = p.messages[0];
  CHECK(constructor(drop.body) == ids::kRpcDropAnswer);
  CHECK(drop.seq_no % 2 == 1);
  std::uint64_t dropped = 0;
  std::memcpy(&dropped, drop.body.data() + 4, 8);
  CHECK(dropped == first.messages[0].msg_id);

  Bytes answer_dropped = {0xb7, 0xd8, 0x3a, 0xa4};  // rpc_answer_dropped msg_id seq_no bytes
  answer_dropped.resize(4 + 16);
  f.deliver_message(rpc_result(drop.msg_id, answer_dropped), true, at(1.1));
  f.deliver_message(rpc_result(first.messages[0].msg_id, test_answer(test_query(1))), true, at(1.2));
  f.deliver_message(rpc_result(first.messages[1].msg_id, test_answer(test_query(2))), true, at(1.3));
  CHECK(f.events.empty());
  const auto c = f.client.counters();
  CHECK(c.cancelled == 2);
  CHECK(c.ignored_answers == 2);
  CHECK(c.ignored_messages == 0);
  // Nothing is resent after a disconnect either.
  f.client.on_disconnect();
  const auto after = f.flush(at(2));
  for (const auto& packet : after) CHECK(queries_in(packet).empty());
}

TEST_CASE(
    "deadlines fail requests through on_timer, they leave the resend queue and late answers are ignored") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1), with_deadline(at(5)));
  const RequestId b = f.client.send(test_query(2), with_deadline(at(10)));
  const RequestId c = f.client.send(test_query(3));
  const ClientPacket first = f.flush_one(at(0));
  REQUIRE(f.client.next_deadline());
  CHECK(*f.client.next_deadline() == at(5));
  f.client.on_timer(at(4.9), f.events);
  CHECK(f.events.empty());
  f.client.on_timer(at(5), f.events);
  auto failed = f.take<client_event::Failed>();
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].id == a);
  CHECK(failed[0].reason == FailReason::Timeout);
  CHECK(*f.client.next_deadline() == at(10));

  f.deliver_message(rpc_result(first.messages[0].msg_id, test_answer(test_query(1))), true, at(6));
  CHECK(f.events.empty());
  f.client.on_disconnect();
  const auto q = queries_in(f.flush_one(at(7)));
  REQUIRE(q.size() == 2);
  CHECK(q[0].body == test_query(2));
  CHECK(q[1].body == test_query(3));

  f.client.on_timer(at(10), f.events);
  failed = f.take<client_event::Failed>();
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].id == b);
  f.deliver_message(rpc_result(q[1].msg_id, test_answer(test_query(3))), true, at(11));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].id == c);
  CHECK(f.client.counters().timeouts == 2);
}

TEST_CASE("a request queued with a deadline times out even if it was never sent") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1), with_deadline(at(3)));
  f.client.on_timer(at(3), f.events);
  auto failed = f.take<client_event::Failed>();
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].id == a);
  CHECK(f.flush(at(4)).empty());
}

TEST_CASE("invokeAfterMsg names the msg_id the earlier request has when the later one is serialised") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  const std::uint64_t a1 = f.flush_one(at(0)).header.msg_id;
  const RequestId b = f.client.send(test_query(2), after(a));
  const ClientPacket pb = f.flush_one(at(1));
  Query qb = unwrap(pb.messages[0].body);
  CHECK(qb.after == a1);
  CHECK(qb.body == test_query(2));

  // Both go out again; a gets a new msg_id first and b, and a new c, name that one.
  f.client.on_disconnect();
  f.client.send(test_query(3), after(a));
  const ClientPacket p = f.flush_one(at(2));
  const auto q = queries_in(p);
  REQUIRE(q.size() == 3);
  const Query qa2 = unwrap(q[0].body);
  CHECK(qa2.after == 0);
  CHECK(qa2.body == test_query(1));
  CHECK(unwrap(q[1].body).after == q[0].msg_id);
  CHECK(unwrap(q[2].body).after == q[0].msg_id);
  CHECK(unwrap(q[2].body).body == test_query(3));

  // Once a has its outcome, a request after it still names a's last msg_id: the server knows how
  // a ended (and answers MSG_WAIT_FAILED if it failed, so the caller can retry both in order).
  f.deliver_message(rpc_result(q[0].msg_id, test_answer(test_query(1))), true, at(3));
  f.client.send(test_query(4), after(a));
  CHECK(unwrap(queries_in(f.flush_one(at(4)))[0].body).after == q[0].msg_id);
  (void)b;
}

TEST_CASE("a request queued after one that gets its outcome before the flush still names it") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  const std::uint64_t a1 = f.flush_one(at(0)).header.msg_id;
  f.client.send(test_query(2), after(a));
  // a's error arrives before b is serialised: b must not overtake a's retry.
  f.deliver_message(rpc_error(a1, 420, "FLOOD_WAIT_1"), true, at(1));
  CHECK(unwrap(queries_in(f.flush_one(at(1)))[0].body).after == a1);
}

TEST_CASE("a request after one without dependents or from an old session goes out plain") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  const std::uint64_t a1 = f.flush_one(at(0)).header.msg_id;
  f.deliver_message(rpc_result(a1, test_answer(test_query(1))), true, at(1));
  // Nobody ran after a while it was live: nothing was kept of it.
  f.client.send(test_query(2), after(a));
  CHECK(unwrap(queries_in(f.flush_one(at(2)))[0].body).after == 0);

  const RequestId c = f.client.send(test_query(3));
  const std::uint64_t c1 = f.flush_one(at(3)).header.msg_id;
  f.client.send(test_query(4), after(c));
  f.flush_one(at(3));
  f.deliver_message(rpc_result(c1, test_answer(test_query(3))), true, at(4));
  f.client.start_new_session();
  f.flush(at(5));
  // The new session's server knows no msg_id of the old one.
  f.client.send(test_query(5), after(c));
  CHECK(unwrap(queries_in(f.flush_one(at(6)))[0].body).after == 0);
}

TEST_CASE("start_new_session picks a new session_id, restarts seq_no and resends what is unanswered") {
  SessionFixture f;
  const std::int64_t old = f.client.session_id();
  f.client.send(test_query(1));
  f.client.send(test_query(2));
  f.flush_one(at(0));
  f.client.start_new_session();
  CHECK(f.client.session_id() != old);
  CHECK(f.client.session_id() != 0);
  const ClientPacket p = f.flush_one(at(1));
  CHECK(p.header.session_id == f.client.session_id());
  REQUIRE(p.messages.size() == 2);
  CHECK(p.messages[0].seq_no == 1);
  CHECK(p.messages[1].seq_no == 3);
  // Answers still addressed to the old session are dropped.
  f.server.set_session(old);
  f.deliver_message(rpc_result(p.messages[0].msg_id, test_answer(test_query(1))), true, at(2));
  CHECK(f.events.empty());
  CHECK(f.client.counters().dropped_bad_session_id == 1);
}
