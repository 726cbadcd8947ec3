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
