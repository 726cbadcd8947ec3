// The fault-injection hooks the test DC's own tests drive (faults.hpp, Dispatcher).
#include <doctest/doctest.h>

#include "protocol/mtproto/service_ids.hpp"
#include "tests/protocol/mtproto/server/harness.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::server;
using namespace tgd::mtproto::server::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::uint64_t> answered_ids(const std::vector<ServerMessage>& ms) {
  std::vector<std::uint64_t> out;
  for (const ServerMessage& m : ms) {
    if (auto r = as_rpc_result(m)) out.push_back(r->req_msg_id);
  }
  return out;
}

}  // namespace

TEST_CASE("held answers wait (still acknowledged) until released, in order or reversed") {
  Harness h;
  h.dc.faults().hold_answers = true;
  const std::uint64_t a = h.send(get_nearest_dc());
  const std::uint64_t b = h.send(get_nearest_dc());
  const std::uint64_t c = h.send(get_nearest_dc());
  CHECK(h.answer_all() == 3);
  auto ms = h.receive();
  CHECK(answered_ids(ms).empty());
  const auto acks = of_type(ms, ids::kMsgsAck);
  REQUIRE(acks.size() == 1);
  CHECK(as_msgs_ack(acks[0]) == std::vector<std::uint64_t>{a, b, c});
  CHECK(h.dc.find_session(h.session())->held_answers() == 3);

  SUBCASE("reversed") {
    h.dc.release_answers(ReleaseOrder::kReversed);
    CHECK(answered_ids(h.receive()) == std::vector<std::uint64_t>{c, b, a});
  }
  SUBCASE("in order") {
    h.dc.release_answers(ReleaseOrder::kInOrder);
    CHECK(answered_ids(h.receive()) == std::vector<std::uint64_t>{a, b, c});
  }
  CHECK(h.dc.find_session(h.session())->held_answers() == 0);
}

TEST_CASE("a duplicated answer goes out twice with distinct msg_ids and one req_msg_id") {
  Harness h;
  h.dc.faults().duplicate_answers = 1;
  const std::uint64_t q = h.send(get_nearest_dc());
  const std::uint64_t next = h.send(get_nearest_dc());
  h.answer_all();
  const auto results = of_type(h.receive(), ids::kRpcResult);
  REQUIRE(results.size() == 3);
  CHECK(answered_ids(results) == std::vector<std::uint64_t>{q, q, next});
  CHECK(results[0].body == results[1].body);
  CHECK(results[0].msg_id != results[1].msg_id);
  CHECK(h.dc.faults().duplicate_answers == 0);
}

TEST_CASE("rotated salts are refused at once: the next message gets bad_server_salt") {
  Harness h;
  h.send(get_nearest_dc());
  CHECK(h.take<Query>().size() == 1);
  const std::int64_t old_salt = h.client.salt;
  h.dc.rotate_salts(h.now);
  const std::uint64_t id = h.send(get_nearest_dc());
  CHECK(h.take<Query>().empty());
  const BadMsg bad = only_bad_msg(h.receive());
  CHECK(bad.code == 48);
  CHECK(bad.bad_msg_id == id);
  CHECK(bad.new_salt != old_salt);
  CHECK(bad.new_salt == h.dc.salts().current(h.now));
  h.client.salt = bad.new_salt;
  h.send(get_nearest_dc());
  CHECK(h.take<Query>().size() == 1);
}

TEST_CASE("a skewed server clock moves the msg_id window and the server's own msg_ids") {
  Harness h;
  SUBCASE("server behind: the client looks too far ahead -> 17") {
    h.dc.set_clock_skew(-60s);
    h.send(get_nearest_dc());
    const auto ms = h.receive();
    CHECK(only_bad_msg(ms).code == 17);
    // The notification's msg_id carries the server's time, which a client re-syncs from (facts §3.8).
    CHECK(static_cast<std::int64_t>(ms[0].msg_id >> 32) == 1'700'000'000 - 60);
  }
  SUBCASE("server ahead: the client looks too old -> 16") {
    h.dc.set_clock_skew(400s);
    h.send(get_nearest_dc());
    const auto ms = h.receive();
    CHECK(only_bad_msg(ms).code == 16);
    CHECK(static_cast<std::int64_t>(ms[0].msg_id >> 32) == 1'700'000'000 + 400);
  }
}

TEST_CASE("a forgotten auth key gets -404 on its next packet") {
  Harness h;
  h.send(get_nearest_dc());
  CHECK(h.take<Query>().size() == 1);
  REQUIRE(h.dc.forget_auth_key(h.session().auth_key_id));
  CHECK_FALSE(h.dc.has_auth_key(h.session().auth_key_id));
  CHECK_FALSE(h.dc.answer(h.session(), 4, Bytes{1, 2, 3, 4}));
  h.send(get_nearest_dc());
  const auto errors = h.take<TransportError>();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].code == -404);
}

TEST_CASE("drop after N packets: the answers survive and go to the client's next connection") {
  Harness h;
  h.dc.faults().drop_after_packets = 2;
  h.send(ping(1), false);
  CHECK(h.take<DropConnection>().empty());
  const std::uint64_t q = h.send(get_nearest_dc());
  const auto drops = h.take<DropConnection>();
  REQUIRE(drops.size() == 1);
  CHECK(drops[0].connection == h.connection);
  // The I/O layer closes without flushing; the answer comes while the client is away.
  h.dc.on_connection_closed(h.connection);
  CHECK(h.answer_all() == 1);
  std::vector<OutgoingPacket> none;
  h.dc.flush(h.now, none);
  CHECK(none.empty());
  // Back on connection 2: everything pending goes there.
  h.connection = 2;
  h.send(msgs_ack({}), false);
  const auto ms = h.receive();
  CHECK(answered_ids(ms) == std::vector<std::uint64_t>{q});
  CHECK(of_type(ms, ids::kPong).size() == 1);
}

TEST_CASE("answers sent but not acknowledged are re-sent when the client comes back on a new connection") {
  Harness h;
  const std::uint64_t acked = h.send(get_nearest_dc());
  const std::uint64_t lost = h.send(get_nearest_dc());
  h.answer_all();
  const auto first = h.receive();  // sent on connection 1, which then dies
  for (const ServerMessage& m : first) {
    if (auto r = as_rpc_result(m); r && r->req_msg_id == acked) h.send(msgs_ack({m.msg_id}), false);
  }
  CHECK(h.receive().empty());
  h.dc.on_connection_closed(h.connection);
  h.connection = 2;
  h.send(msgs_ack({}), false);
  const auto again = h.receive();
  CHECK(answered_ids(again) == std::vector<std::uint64_t>{lost});
  CHECK(h.dc.counters().queries == 2);
}

TEST_CASE("an injected transport error answers the next packet instead of processing it") {
  Harness h;
  h.dc.faults().transport_error = -429;
  h.send(get_nearest_dc());
  const auto errors = h.take<TransportError>();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].code == -429);
  CHECK(errors[0].cause == TransportErrorCause::kInjected);
  CHECK(h.take<Query>().empty());
  h.send(get_nearest_dc());
  CHECK(h.take<Query>().size() == 1);
}

namespace {

const Bytes kUpdateA{0xd1, 0x15, 0x1b, 0x6f};              // updatesTooLong
const Bytes kUpdateB{0xd1, 0x15, 0x1b, 0x6f, 1, 2, 3, 4};  // the same, made different

// A new connection for the harness client, announced by an empty msgs_ack.
std::vector<ServerMessage> reconnect(Harness& h, ConnectionId connection) {
  h.dc.on_connection_closed(h.connection);
  h.connection = connection;
  h.send(msgs_ack({}), false);
  return h.receive();
}

}  // namespace

TEST_CASE(
    "pushed updates are kept until acknowledged and re-sent, in order with answers, on a new connection") {
  Harness h;
  h.send(ping(1), false);
  h.receive();
  const std::uint64_t q = h.send(get_nearest_dc());
  REQUIRE(h.dc.push(h.session(), kUpdateA));
  h.answer_all();
  REQUIRE(h.dc.push(h.session(), kUpdateB));
  REQUIRE(h.dc.push(h.session(), kUpdateA));
  const auto first = h.receive();
  std::vector<ServerMessage> pushes;
  for (const ServerMessage& m : first) {
    if (m.body == kUpdateA || m.body == kUpdateB) pushes.push_back(m);
  }
  REQUIRE(pushes.size() == 3);
  CHECK(h.dc.find_session(h.session())->kept_pushes() == 3);
  h.send(msgs_ack({pushes[2].msg_id}), false);  // the last one arrived
  CHECK(h.dc.find_session(h.session())->kept_pushes() == 2);

  const auto again = reconnect(h, 2);
  std::vector<ServerMessage> resent;
  for (const ServerMessage& m : again) {
    if (m.constructor() == ids::kRpcResult || m.body == kUpdateA || m.body == kUpdateB) resent.push_back(m);
  }
  // As first sent: update A, the answer, update B; new msg_ids (≡ 3 for updates), odd seq_nos.
  REQUIRE(resent.size() == 3);
  CHECK(resent[0].body == kUpdateA);
  CHECK(as_rpc_result(resent[1])->req_msg_id == q);
  CHECK(resent[2].body == kUpdateB);
  for (const ServerMessage& m : resent) CHECK(m.seq_no % 2 == 1);
  CHECK(resent[0].msg_id % 4 == 3);
  CHECK(resent[0].msg_id > pushes[2].msg_id);
  CHECK(h.dc.counters().pushes_resent == 2);

  // Acknowledged under their new ids, they are forgotten: the next connection gets nothing more.
  h.send(msgs_ack({resent[0].msg_id, resent[1].msg_id, resent[2].msg_id}), false);
  CHECK(h.dc.find_session(h.session())->kept_pushes() == 0);
  const auto third = reconnect(h, 3);
  CHECK(of_type(third, ids::kRpcResult).empty());
  for (const ServerMessage& m : third) CHECK(m.constructor() != constructor_of_bytes(kUpdateA));
}

TEST_CASE("msg_resend_req naming a pushed update sends it again, its old id is then unknown") {
  Harness h;
  h.send(ping(1), false);
  h.receive();
  REQUIRE(h.dc.push(h.session(), kUpdateA));
  const auto first = h.receive();
  REQUIRE(first.size() == 1);
  h.send(msg_resend_req({first[0].msg_id}), false);
  const auto again = h.receive();
  REQUIRE(again.size() == 1);
  CHECK(again[0].body == kUpdateA);
  CHECK(again[0].msg_id != first[0].msg_id);
  CHECK(again[0].seq_no % 2 == 1);

  h.send(msg_resend_req({first[0].msg_id}), false);
  const auto info = of_type(h.receive(), ids::kMsgsStateInfo);
  REQUIRE(info.size() == 1);
  CHECK(as_state_info(info[0])->info.size() == 1);
}

TEST_CASE("kept pushes are bounded by count and bytes, oldest out first") {
  DcOptions o = fixed_options();
  o.limits.kept_pushes = 2;
  Harness h(o);
  h.send(ping(1), false);
  h.receive();
  for (std::uint8_t i = 0; i < 3; ++i)
    REQUIRE(h.dc.push(h.session(), Bytes{0xd1, 0x15, 0x1b, 0x6f, i, 0, 0, 0}));
  h.receive();
  CHECK(h.dc.find_session(h.session())->kept_pushes() == 2);
  const auto again = reconnect(h, 2);
  std::vector<Bytes> bodies;
  for (const ServerMessage& m : again) {
    if (m.constructor() == 0x6f1b15d1) bodies.push_back(m.body);
  }
  CHECK(bodies == std::vector<Bytes>{Bytes{0xd1, 0x15, 0x1b, 0x6f, 1, 0, 0, 0},
                                     Bytes{0xd1, 0x15, 0x1b, 0x6f, 2, 0, 0, 0}});

  DcOptions small = fixed_options();
  small.limits.kept_push_bytes = 10;
  Harness b(small);
  b.send(ping(1), false);
  b.receive();
  REQUIRE(b.dc.push(b.session(), kUpdateB));  // 8 bytes
  REQUIRE(b.dc.push(b.session(), kUpdateB));
  b.receive();
  CHECK(b.dc.find_session(b.session())->kept_pushes() == 1);
}
