// Inbound checks (facts §3.7): what the client refuses, and that refused input is never acted on.
#include <doctest/doctest.h>

#include "protocol/mtproto/service_ids.hpp"
#include "session_fixture.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::test;

namespace {

// One request sent; returns its msg_id.
std::uint64_t send_one(SessionFixture& f, std::uint32_t n = 1) {
  f.client.send(test_query(n));
  return f.flush_one(at(0)).header.msg_id;
}

}  // namespace

TEST_CASE("a duplicated server message is ignored but acknowledged again") {
  SessionFixture f;
  const std::uint64_t req = send_one(f);
  const auto m = f.server.message(rpc_result(req, test_answer(test_query(1))), true, at(1));
  const Bytes packet = f.server.seal(m);
  f.deliver(packet, at(1));
  CHECK(f.take<client_event::Result>().size() == 1);
  f.flush(at(10));  // acks it
  f.deliver(packet, at(11));
  CHECK(f.events.empty());
  CHECK(f.client.counters().dropped_duplicate == 1);
  // The server evidently missed our ack: it gets one again.
  const ClientPacket p = f.flush_one(at(20));
  CHECK(id_vector(p.messages[0].body) == std::vector<std::uint64_t>{m.msg_id});
}

TEST_CASE("a packet for another session is dropped") {
  SessionFixture f;
  const std::uint64_t req = send_one(f);
  f.server.set_session(f.client.session_id() + 1);
  f.deliver_message(rpc_result(req, test_answer(test_query(1))), true, at(1));
  CHECK(f.events.empty());
  CHECK(f.client.counters().dropped_bad_session_id == 1);
  CHECK(f.client.counters().in_flight == 1);
}

TEST_CASE("an even server msg_id is dropped") {
  SessionFixture f;
  const std::uint64_t req = send_one(f);
  const std::uint64_t even = f.server.next_msg_id(at(1)) + 1;
  f.deliver(f.server.seal_raw(MessageHeader{kSalt, f.client.session_id(), even, 1},
                              rpc_result(req, test_answer(test_query(1)))),
            at(1));
  CHECK(f.events.empty());
  CHECK(f.client.counters().dropped_bad_msg_id == 1);
}

TEST_CASE("a packet with a wrong msg_key or another auth_key_id is dropped and never acted on") {
  SessionFixture f;
  const std::uint64_t req = send_one(f);
  const auto m = f.server.message(rpc_result(req, test_answer(test_query(1))), true, at(1));
  Bytes packet = f.server.seal(m);
  SUBCASE("msg_key") {
    packet[10] ^= 1;
    f.deliver(packet, at(1));
    CHECK(f.client.counters().dropped_bad_msg_key == 1);
  }
  SUBCASE("ciphertext") {
    packet[40] ^= 1;
    f.deliver(packet, at(1));
    CHECK(f.client.counters().dropped_bad_msg_key == 1);
  }
  SUBCASE("auth_key_id") {
    packet[0] ^= 1;
    f.deliver(packet, at(1));
    CHECK(f.client.counters().dropped_bad_auth_key_id == 1);
  }
  SUBCASE("truncated") {
    packet.resize(packet.size() - 8);
    f.deliver(packet, at(1));
    CHECK(f.client.counters().dropped_malformed == 1);
  }
  CHECK(f.events.empty());
  CHECK(f.client.counters().in_flight == 1);
  CHECK(f.flush(at(100)).empty());  // and nothing to ack
}

TEST_CASE("msg_ids below the duplicate window are dropped as too old") {
  ClientSessionOptions options = quiet_options();
  options.received_window = 4;
  SessionFixture f(options);
  const std::uint64_t req = send_one(f);
  const auto old = f.server.message(rpc_result(req, test_answer(test_query(1))), true, at(1));
  for (int i = 0; i < 8; ++i) f.deliver_message(test_answer(test_query(i)), true, at(1), false);
  CHECK(f.take<client_event::Update>().size() == 8);
  f.deliver(f.server.seal(old), at(1));
  CHECK(f.events.empty());
  CHECK(f.client.counters().dropped_too_old == 1);
}

TEST_CASE("server msg_ids more than 300 s old are dropped, but bad_server_salt there is honoured") {
  SessionFixture f;
  const std::uint64_t req = send_one(f);
  const Bytes answer = rpc_result(req, test_answer(test_query(1)));
  f.deliver_skewed(answer, true, at(-400), at(1));  // from a server clock 400 s behind ours
  CHECK(f.client.counters().dropped_time_window == 1);
  CHECK(f.events.empty());
  CHECK(f.client.time_offset() == 0);  // refused ids do not move the clock

  f.deliver_skewed(bad_server_salt(req, 1, 0x1234), false, at(-400), at(1));
  CHECK(f.client.server_salt() == 0x1234);
  const ClientPacket p = f.flush_one(at(1));
  CHECK(p.header.salt == 0x1234);
  CHECK(queries_in(p).size() == 1);
}

TEST_CASE("a server msg_id ahead of the client's clock raises the time offset and is accepted") {
  SessionFixture f;
  const std::uint64_t req = send_one(f);
  // The server's clock is 100 s ahead: well past the +30 s bound, but the message is authentic.
  f.deliver_skewed(rpc_result(req, test_answer(test_query(1))), true, at(101), at(1));
  CHECK(f.take<client_event::Result>().size() == 1);
  CHECK(f.client.counters().dropped_time_window == 0);
  CHECK(f.client.time_offset() == 100);
  // Later msg_ids follow the server's clock.
  f.client.ping();
  const ClientPacket p = f.flush_one(at(2));
  CHECK(msg_id_seconds(p.header.msg_id) == unix_seconds(at(102)));
  // A later message from a clock that is still 100 s ahead is inside the window now; one that is
  // merely older does not lower the offset.
  f.deliver_skewed(test_answer(test_query(2)), true, at(50), at(2));
  CHECK(f.client.counters().dropped_time_window == 0);
  CHECK(f.client.time_offset() == 100);
}

TEST_CASE("every item of a server container gets the checks and the acks of its own") {
  SessionFixture f;
  const std::uint64_t req = send_one(f);
  const auto answer = f.server.message(rpc_result(req, test_answer(test_query(1))), true, at(1));
  const auto ack = f.server.message(msgs_ack({req}), false, at(1), false);
  auto even = f.server.message(test_answer(test_query(9)), true, at(1), false);
  even.msg_id += 1;  // an even id inside the container
  const auto update = f.server.message(test_answer(test_query(2)), true, at(1), false);
  f.deliver(f.server.seal({answer, ack, even, update}, at(1)), at(1));
  CHECK(f.take<client_event::Result>().size() == 1);
  CHECK(f.take<client_event::Update>().size() == 1);
  CHECK(f.client.counters().dropped_bad_msg_id == 1);
  // Acks name the odd-seq items, not the container or the ack.
  f.client.send(test_query(3));
  const ClientPacket p = f.flush_one(at(2));
  const auto acks = with_constructor(p, ids::kMsgsAck);
  REQUIRE(acks.size() == 1);
  CHECK(id_vector(acks[0].body) == std::vector<std::uint64_t>{answer.msg_id, update.msg_id});
}

TEST_CASE("a malformed container or gzip_packed body is dropped") {
  SessionFixture f;
  send_one(f);
  Bytes bad_container = {0xdc, 0xf8, 0xf1, 0x73, 5, 0, 0, 0};  // claims 5 items, has none
  f.deliver_message(bad_container, false, at(1), false);
  Bytes bad_gzip = gzip_packed(test_answer(test_query(1)));
  bad_gzip.resize(12);
  f.deliver_message(bad_gzip, true, at(1), false);
  CHECK(f.events.empty());
  CHECK(f.client.counters().dropped_malformed == 2);
}
