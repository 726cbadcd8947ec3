// Service messages: state requests and answers, resend requests, detailed info, state checks of
// unacknowledged requests, future salts, pings, destroy_session.
#include <doctest/doctest.h>

#include "protocol/mtproto/service_ids.hpp"
#include "protocol/tl/tl_buffer.hpp"
#include "session_fixture.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::test;

TEST_CASE("msgs_state_req is answered with one msgs_state_info status byte per id") {
  SessionFixture f;
  const auto a = f.deliver_message(test_answer(test_query(1)), true, at(0), false);
  const auto b = f.deliver_message(test_answer(test_query(2)), true, at(0), false);
  f.take<client_event::Update>();
  const std::uint64_t between = a.msg_id + 2;                         // within the range seen, never received
  const std::uint64_t above = b.msg_id + (std::uint64_t{100} << 32);  // 100 s later
  const auto req =
      f.deliver_message(msgs_state_req({a.msg_id, b.msg_id, above, between}), false, at(1), false);
  const ClientPacket p = f.flush_one(at(1));
  const auto info = with_constructor(p, ids::kMsgsStateInfo);
  REQUIRE(info.size() == 1);
  CHECK(info[0].seq_no % 2 == 0);
  CHECK(info[0].body == msgs_state_info(req.msg_id, Bytes{4, 4, 3, 2}));
}

TEST_CASE("msg_resend_req resends known requests and reports unknown ids with msgs_state_info") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  const std::uint64_t m1 = f.flush_one(at(0)).header.msg_id;
  f.deliver_message(msg_resend_req({m1}), false, at(1), false);
  ClientPacket p = f.flush_one(at(1));
  auto q = queries_in(p);
  REQUIRE(q.size() == 1);
  CHECK(with_constructor(p, ids::kMsgsStateInfo).empty());
  const std::uint64_t m2 = q[0].msg_id;
  CHECK(m2 > m1);

  const std::uint64_t unknown_low = m1 - 400;
  const std::uint64_t unknown_high = m2 + (std::uint64_t{100} << 32);
  const auto req = f.deliver_message(msg_resend_req({m2, unknown_low, unknown_high}), false, at(2), false);
  p = f.flush_one(at(2));
  q = queries_in(p);
  REQUIRE(q.size() == 1);
  const auto info = with_constructor(p, ids::kMsgsStateInfo);
  REQUIRE(info.size() == 1);
  CHECK(info[0].body == msgs_state_info(req.msg_id, Bytes{4, 1, 3}));
  f.deliver_message(rpc_result(q[0].msg_id, test_answer(test_query(1))), true, at(3));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].id == a);
}

TEST_CASE("msg_detailed_info acks an answer we have and asks for one we lack with msg_resend_req") {
  SessionFixture f;
  f.client.send(test_query(1));
  f.client.send(test_query(2));
  const ClientPacket first = f.flush_one(at(0));
  const auto answer =
      f.deliver_message(rpc_result(first.messages[0].msg_id, test_answer(test_query(1))), true, at(1));
  f.take<client_event::Result>();
  f.flush(at(10));  // the answer's ack goes out
  f.deliver_message(msg_detailed_info(first.messages[0].msg_id, answer.msg_id), false, at(11), false);
  const std::uint64_t missing = answer.msg_id + 40;
  f.deliver_message(msg_detailed_info(first.messages[1].msg_id, missing), false, at(11), false);
  const ClientPacket p = f.flush_one(at(11));
  const auto acks = with_constructor(p, ids::kMsgsAck);
  REQUIRE(acks.size() == 1);
  CHECK(id_vector(acks[0].body) == std::vector<std::uint64_t>{answer.msg_id});
  const auto resend = with_constructor(p, ids::kMsgResendReq);
  REQUIRE(resend.size() == 1);
  CHECK(id_vector(resend[0].body) == std::vector<std::uint64_t>{missing});
}

TEST_CASE("unacknowledged requests are asked about with msgs_state_req and resent if the server lacks them") {
  ClientSessionOptions options = quiet_options();
  options.state_check_after = std::chrono::seconds(10);
  SessionFixture f(options);
  const RequestId a = f.client.send(test_query(1));
  f.client.send(test_query(2));
  const ClientPacket first = f.flush_one(at(0));
  const std::uint64_t ma = first.messages[0].msg_id;
  f.deliver_message(msgs_ack({first.messages[1].msg_id}), false, at(1), false);
  REQUIRE(f.client.next_deadline());
  CHECK(*f.client.next_deadline() == at(10));
  f.client.on_timer(at(10), f.events);
  ClientPacket p = f.flush_one(at(10));
  REQUIRE(p.messages.size() == 1);
  CHECK(constructor(p.messages[0].body) == ids::kMsgsStateReq);
  CHECK(p.messages[0].seq_no % 2 == 0);
  CHECK(id_vector(p.messages[0].body) == std::vector<std::uint64_t>{ma});  // b was acked

  f.deliver_message(msgs_state_info(p.messages[0].msg_id, Bytes{2}), false, at(10.1));
  p = f.flush_one(at(10.2));
  const auto q = queries_in(p);
  REQUIRE(q.size() == 1);
  CHECK(q[0].body == test_query(1));
  f.deliver_message(rpc_result(q[0].msg_id, test_answer(test_query(1))), true, at(11));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].id == a);
  CHECK(f.client.counters().resends == 1);
}

TEST_CASE("a state answer saying the server has the request marks it acknowledged") {
  ClientSessionOptions options = quiet_options();
  options.state_check_after = std::chrono::seconds(10);
  SessionFixture f(options);
  f.client.send(test_query(1));
  f.flush_one(at(0));
  f.client.on_timer(at(10), f.events);
  const ClientPacket p = f.flush_one(at(10));
  f.deliver_message(msgs_state_info(p.messages[0].msg_id, Bytes{4 + 32}), false, at(10.1));
  CHECK(f.flush(at(10.2)).empty());
  f.client.on_timer(at(30), f.events);
  CHECK(f.flush(at(30)).empty());  // no more state requests
}

TEST_CASE("future_salts are stored, the salt switches by server time, and more are asked for in time") {
  ClientSessionOptions options = quiet_options();
  options.refresh_future_salts = true;
  SessionFixture f(options);
  ClientPacket p = f.flush_one(at(0));  // no salts known: ask at once
  REQUIRE(p.messages.size() == 1);
  CHECK(constructor(p.messages[0].body) == ids::kGetFutureSalts);
  CHECK(p.messages[0].seq_no % 2 == 1);
  const std::int32_t t = static_cast<std::int32_t>(kT0);
  f.deliver_message(future_salts(p.header.msg_id, t, {{t - 10, t + 60, 0xa}, {t + 60, t + 120, 0xb}}), false,
                    at(0.1));
  f.client.send(test_query(1));
  CHECK(f.flush_one(at(1)).header.salt == 0xa);
  // Asking again is rate-limited to once a minute even though the salts end within the margin.
  REQUIRE(f.client.next_deadline());
  CHECK(*f.client.next_deadline() == at(60));
  f.client.send(test_query(2));
  p = f.flush_one(at(61));
  CHECK(p.header.salt == 0xb);
  CHECK(with_constructor(p, ids::kGetFutureSalts).size() == 1);
  // After the last one expired, the last salt in use stays.
  f.client.send(test_query(3));
  CHECK(f.flush_one(at(200)).header.salt == 0xb);
}

TEST_CASE("bad_server_salt overrides the future salts that picked the refused salt") {
  ClientSessionOptions options = quiet_options();
  options.refresh_future_salts = true;
  SessionFixture f(options);
  const ClientPacket p = f.flush_one(at(0));
  const std::int32_t t = static_cast<std::int32_t>(kT0);
  f.deliver_message(future_salts(p.header.msg_id, t, {{t - 10, t + 3600, 0xa}}), false, at(0.1));
  f.client.send(test_query(1));
  const ClientPacket sent = f.flush_one(at(1));
  CHECK(sent.header.salt == 0xa);
  f.deliver_message(bad_server_salt(sent.header.msg_id, sent.header.seq_no, 0xc), false, at(1.1));
  const ClientPacket again = f.flush_one(at(1.2));
  CHECK(again.header.salt == 0xc);
}

TEST_CASE("keep-alive ping_delay_disconnect and explicit pings produce Pong events with the round trip") {
  ClientSessionOptions options = quiet_options();
  options.ping_interval = std::chrono::seconds(60);
  SessionFixture f(options);
  CHECK(f.client.wants_flush(at(0)));
  ClientPacket p = f.flush_one(at(0));  // the connection's first flush pings
  REQUIRE(p.messages.size() == 1);
  tl::TlReader r(p.messages[0].body);
  CHECK(r.u32() == ids::kPingDelayDisconnect);
  const std::int64_t ping_id = r.i64();
  CHECK(r.i32() == 75);
  CHECK(p.messages[0].seq_no % 2 == 1);
  f.deliver_message(pong(p.header.msg_id, ping_id), false, at(0.25));
  auto pongs = f.take<client_event::Pong>();
  REQUIRE(pongs.size() == 1);
  CHECK(pongs[0].ping_id == ping_id);
  CHECK(std::chrono::abs(pongs[0].rtt - std::chrono::milliseconds(250)) < std::chrono::microseconds(1));

  REQUIRE(f.client.next_deadline());
  CHECK(*f.client.next_deadline() == at(60));
  CHECK(f.flush(at(30)).empty());
  f.client.on_timer(at(60), f.events);
  p = f.flush_one(at(60));
  CHECK(constructor(p.messages[0].body) == ids::kPingDelayDisconnect);

  // An explicit ping, answered inside rpc_result this time.
  const std::int64_t mine = f.client.ping();
  p = f.flush_one(at(61));
  REQUIRE(p.messages.size() == 1);
  CHECK(constructor(p.messages[0].body) == ids::kPing);
  f.deliver_message(rpc_result(p.header.msg_id, pong(p.header.msg_id, mine)), true, at(61.5));
  pongs = f.take<client_event::Pong>();
  REQUIRE(pongs.size() == 1);
  CHECK(pongs[0].ping_id == mine);

  // A new connection starts with a ping again.
  f.client.on_disconnect();
  p = f.flush_one(at(62));
  CHECK(!with_constructor(p, ids::kPingDelayDisconnect).empty());
}

TEST_CASE("destroy_session is answered with a DestroySessionResult event") {
  SessionFixture f;
  f.client.destroy_session(0x1234);
  const ClientPacket p = f.flush_one(at(0));
  CHECK(constructor(p.messages[0].body) == ids::kDestroySession);
  f.deliver_message(rpc_result(p.header.msg_id, destroy_session_ok(0x1234)), true, at(1));
  auto results = f.take<client_event::DestroySessionResult>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].session_id == 0x1234);
  CHECK(results[0].destroyed);
}

TEST_CASE("next_deadline is empty when nothing is pending") {
  SessionFixture f;
  CHECK_FALSE(f.client.next_deadline());
  CHECK_FALSE(f.client.wants_flush(at(0)));
}
