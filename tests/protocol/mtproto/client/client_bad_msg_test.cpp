// bad_server_salt and bad_msg_notification (facts §3.8, §3.9).
#include <doctest/doctest.h>

#include "protocol/mtproto/service_ids.hpp"
#include "session_fixture.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::test;

TEST_CASE("bad_server_salt stores the new salt and resends the request with a new msg_id") {
  SessionFixture f;
  const RequestId id = f.client.send(test_query(1));
  const ClientPacket first = f.flush_one(at(0));
  f.deliver_message(bad_server_salt(first.header.msg_id, first.header.seq_no, 0x77), false, at(0.1));
  CHECK(f.client.server_salt() == 0x77);
  CHECK(f.events.empty());
  const ClientPacket again = f.flush_one(at(0.2));
  CHECK(again.header.salt == 0x77);
  const auto q = queries_in(again);
  REQUIRE(q.size() == 1);
  CHECK(q[0].msg_id > first.header.msg_id);
  CHECK(q[0].seq_no == 3);
  CHECK(q[0].body == test_query(1));
  f.deliver_message(rpc_result(q[0].msg_id, test_answer(test_query(1))), true, at(0.3));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].id == id);
  const auto c = f.client.counters();
  CHECK(c.bad_server_salts == 1);
  CHECK(c.resends == 1);
}

TEST_CASE("bad_server_salt naming a container resends everything that was in it") {
  SessionFixture f;
  std::vector<RequestId> ids;
  for (std::uint32_t i = 0; i < 5; ++i) ids.push_back(f.client.send(test_query(i)));
  const ClientPacket first = f.flush_one(at(0));
  REQUIRE(first.container);
  f.deliver_message(bad_server_salt(first.header.msg_id, first.header.seq_no, 0x77), false, at(0.1));
  const ClientPacket again = f.flush_one(at(0.2));
  REQUIRE(again.container);
  const auto q = queries_in(again);
  REQUIRE(q.size() == 5);
  std::vector<FakeServer::Message> answers;
  for (std::uint32_t i = 0; i < 5; ++i) {
    CHECK(q[i].body == test_query(i));
    CHECK(q[i].msg_id > first.header.msg_id);
    answers.push_back(f.server.message(rpc_result(q[i].msg_id, test_answer(q[i].body)), true, at(0.3)));
  }
  f.deliver(f.server.seal(answers, at(0.3)), at(0.3));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 5);
  for (std::uint32_t i = 0; i < 5; ++i) CHECK(results[i].id == ids[i]);
  // A repeated notification about the old container resends nothing.
  f.deliver_message(bad_server_salt(first.header.msg_id, first.header.seq_no, 0x88), false, at(0.4));
  CHECK(f.flush(at(0.5)).empty());
  CHECK(f.client.counters().in_flight == 0);
  CHECK(f.client.counters().resends == 5);
}

TEST_CASE("a bad_msg_notification about an id we never sent is ignored") {
  SessionFixture f;
  f.client.send(test_query(1));
  const ClientPacket first = f.flush_one(at(0));
  f.deliver_message(bad_server_salt(first.header.msg_id + 4, 1, 0x77), false, at(0.1));
  f.deliver_message(bad_msg_notification(first.header.msg_id - 4, 1, 64), false, at(0.1));
  CHECK(f.client.server_salt() == kSalt);
  CHECK(f.events.empty());
  CHECK(f.flush(at(0.2)).empty());
  CHECK(f.client.counters().ignored_notifications == 2);
}

TEST_CASE("bad_msg 16 and 17 resync the clock from the carrying message and resend, 17 in a new session") {
  for (const int code : {16, 17}) {
    CAPTURE(code);
    SessionFixture f;
    const RequestId id = f.client.send(test_query(1));
    const ClientPacket first = f.flush_one(at(0));
    // The server's clock: 100 s ahead (16: our ids too low) or 100 s behind (17: too high).
    const double skew = code == 16 ? 100 : -100;
    const std::int64_t old_session = f.client.session_id();
    f.deliver_skewed(bad_msg_notification(first.header.msg_id, first.header.seq_no, code), false, at(skew),
                     at(0.1));
    CHECK(f.client.time_offset() == static_cast<std::int64_t>(skew));
    const ClientPacket again = f.flush_one(at(0.5));
    // 17 moves the clock back: the old session's ids must keep increasing, so a new one starts.
    CHECK((f.client.session_id() != old_session) == (code == 17));
    f.server.set_session(f.client.session_id());
    REQUIRE(queries_in(again).size() == 1);
    const std::uint64_t new_id = again.header.msg_id;
    CHECK(new_id != first.header.msg_id);
    CHECK(msg_id_seconds(new_id) == kT0 + static_cast<std::int64_t>(skew));
    f.deliver_skewed(rpc_result(new_id, test_answer(test_query(1))), true, at(0.6 + skew), at(0.6));
    auto results = f.take<client_event::Result>();
    REQUIRE(results.size() == 1);
    CHECK(results[0].id == id);
  }
}

TEST_CASE("bad_msg 32 and 33 start a new session and resend everything unanswered") {
  for (const int code : {32, 33}) {
    CAPTURE(code);
    SessionFixture f;
    const std::int64_t old_session = f.client.session_id();
    const RequestId a = f.client.send(test_query(1));
    const RequestId b = f.client.send(test_query(2));
    const ClientPacket first = f.flush_one(at(0));
    f.deliver_message(test_answer(test_query(50)), true, at(0.1),
                      false);  // an ack is owed to the old session
    f.take<client_event::Update>();
    f.deliver_message(bad_msg_notification(first.messages[0].msg_id, first.messages[0].seq_no, code), false,
                      at(0.1));
    CHECK(f.client.session_id() != old_session);
    CHECK(f.client.counters().sessions_started == 1);
    const ClientPacket again = f.flush_one(at(0.2));
    CHECK(again.header.session_id == f.client.session_id());
    CHECK(with_constructor(again, ids::kMsgsAck).empty());
    const auto q = queries_in(again);
    REQUIRE(q.size() == 2);
    // seq_no starts again from 0 in the new session.
    CHECK(q[0].seq_no == 1);
    CHECK(q[1].seq_no == 3);
    f.server.set_session(f.client.session_id());
    f.server.reset_seq();
    std::vector<FakeServer::Message> answers;
    for (const auto& m : q)
      answers.push_back(f.server.message(rpc_result(m.msg_id, test_answer(m.body)), true, at(0.3)));
    f.deliver(f.server.seal(answers, at(0.3)), at(0.3));
    auto results = f.take<client_event::Result>();
    REQUIRE(results.size() == 2);
    CHECK(results[0].id == a);
    CHECK(results[1].id == b);
  }
}

TEST_CASE("bad_msg 18, 19 and 64 fail the affected requests: they are our bugs") {
  for (const int code : {18, 19, 64}) {
    CAPTURE(code);
    SessionFixture f;
    const RequestId a = f.client.send(test_query(1));
    const RequestId b = f.client.send(test_query(2));
    const ClientPacket first = f.flush_one(at(0));
    // 64 names the container, the others one message.
    const std::uint64_t bad = code == 64 ? first.header.msg_id : first.messages[0].msg_id;
    f.deliver_message(bad_msg_notification(bad, 0, code), false, at(0.1));
    auto failed = f.take<client_event::Failed>();
    REQUIRE(failed.size() == (code == 64 ? 2u : 1u));
    CHECK(failed[0].id == a);
    CHECK(failed[0].reason == FailReason::Rejected);
    CHECK(failed[0].code == code);
    if (code == 64) CHECK(failed[1].id == b);
    CHECK(f.flush(at(0.2)).empty());
    // Their late answers are ignored.
    f.deliver_message(rpc_result(first.messages[0].msg_id, test_answer(test_query(1))), true, at(0.3));
    CHECK(f.events.empty());
  }
}

TEST_CASE("bad_msg 34 and 35 correct the content-related flag and resend") {
  SessionFixture f;
  f.client.send(test_query(1), not_content_related());
  f.client.send(test_query(2));
  const ClientPacket first = f.flush_one(at(0));
  f.deliver_message(bad_msg_notification(first.messages[0].msg_id, first.messages[0].seq_no, 35), false,
                    at(0.1));
  f.deliver_message(bad_msg_notification(first.messages[1].msg_id, first.messages[1].seq_no, 34), false,
                    at(0.1));
  const ClientPacket again = f.flush_one(at(0.2));
  const auto q = queries_in(again);
  REQUIRE(q.size() == 2);
  CHECK(q[0].body == test_query(1));
  CHECK(q[0].seq_no % 2 == 1);
  CHECK(q[1].body == test_query(2));
  CHECK(q[1].seq_no % 2 == 0);
}

TEST_CASE("bad_msg 20 resends the message") {
  SessionFixture f;
  f.client.send(test_query(1));
  const ClientPacket first = f.flush_one(at(0));
  f.deliver_message(bad_msg_notification(first.header.msg_id, first.header.seq_no, 20), false, at(0.1));
  const ClientPacket again = f.flush_one(at(0.2));
  REQUIRE(queries_in(again).size() == 1);
  CHECK(again.header.msg_id > first.header.msg_id);
  CHECK(f.client.counters().resends == 1);
}
