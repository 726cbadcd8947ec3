// Service messages answered by the session itself (facts §3.10, Appendix B.6/B.8/B.10).
#include <doctest/doctest.h>

#include <map>

#include "protocol/mtproto/service_ids.hpp"
#include "protocol/tl/tl_buffer.hpp"
#include "tests/protocol/mtproto/server/harness.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::server;
using namespace tgd::mtproto::server::testing;
using namespace std::chrono_literals;

TEST_CASE("ping -> pong at top level, carrying the ping's msg_id and ping_id") {
  Harness h;
  const std::uint64_t id = h.send(ping(0x1122334455667788));
  const auto ms = h.receive();
  const auto pongs = of_type(ms, ids::kPong);
  REQUIRE(pongs.size() == 1);
  tl::TlReader r(pongs[0].body);
  r.u32();
  CHECK(r.u64() == id);
  CHECK(r.i64() == 0x1122334455667788);
  CHECK(pongs[0].msg_id % 4 == 1);
  CHECK(pongs[0].seq_no % 2 == 0);
  CHECK(h.dc.counters().pings == 1);
}

TEST_CASE("ping_delay_disconnect -> pong and an event to (re)arm the disconnect timer") {
  Harness h;
  h.send(ping_delay_disconnect(7, 75));
  const auto timers = h.take<DisconnectAfter>();
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].delay == 75s);
  CHECK(timers[0].connection == h.connection);
  CHECK(timers[0].session == h.session());
  CHECK(of_type(h.receive(), ids::kPong).size() == 1);
}

TEST_CASE(
    "get_future_salts -> several salts, the current one first, each valid an hour, 30 min apart (B.8)") {
  Harness h;
  const std::uint64_t id = h.send(get_future_salts(4));
  const auto ms = of_type(h.receive(), ids::kFutureSalts);
  REQUIRE(ms.size() == 1);
  // A message of its own (maybe in a container), not inside rpc_result (facts §3.11).
  tl::TlReader r(ms[0].body);
  r.u32();
  CHECK(r.u64() == id);
  CHECK(r.i32() == 1'700'000'000);
  const std::uint32_t n = r.u32();  // a bare vector: no Vector constructor id
  REQUIRE(n == 4);
  std::int32_t previous_since = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::int32_t since = r.i32();
    const std::int32_t until = r.i32();
    const std::int64_t salt = r.i64();
    CHECK(until - since == 3600);
    if (i == 0) {
      CHECK(salt == h.client.salt);
      CHECK(since <= 1'700'000'000);
    } else {
      CHECK(since - previous_since == 1800);
    }
    previous_since = since;
  }
  CHECK(r.done());

  // num is clamped to 1..64.
  h.send(get_future_salts(1000));
  const auto many = of_type(h.receive(), ids::kFutureSalts);
  REQUIRE(many.size() == 1);
  tl::TlReader r2(many[0].body);
  r2.raw(16);
  CHECK(r2.u32() == 64);
}

TEST_CASE("destroy_session: ok for another session of the key, none for unknown ones and the current one") {
  Harness h;
  const std::int64_t other_id = 0x0a0b0c0d;
  TestClient other(h.key, other_id, h.client.salt);
  h.dc.on_packet(2, other.packet(other.next_msg_id(h.now), 1, get_nearest_dc()), h.now, h.events);
  REQUIRE(h.dc.find_session({h.session().auth_key_id, other_id}) != nullptr);
  h.events.clear();

  h.send(destroy_session(other_id));
  h.send(destroy_session(0x999));
  h.send(destroy_session(h.client.session_id));
  const auto destroyed = h.take<SessionDestroyed>();
  REQUIRE(destroyed.size() == 1);
  CHECK(destroyed[0].session.session_id == other_id);
  CHECK(h.dc.find_session({h.session().auth_key_id, other_id}) == nullptr);
  CHECK(h.dc.find_session(h.session()) != nullptr);

  const auto ms = h.receive();
  const auto ok = of_type(ms, ids::kDestroySessionOk);
  const auto none = of_type(ms, ids::kDestroySessionNone);
  REQUIRE(ok.size() == 1);
  REQUIRE(none.size() == 2);
  tl::TlReader r(ok[0].body);
  r.u32();
  CHECK(r.i64() == other_id);
  CHECK(h.dc.counters().sessions_destroyed == 1);
}

TEST_CASE(
    "rpc_drop_answer: dropped_running for a running query, dropped for a queued answer, unknown after") {
  Harness h;
  const std::uint64_t running = h.send(api_query(0x0badf00d));
  const std::uint64_t queued = h.send(api_query(0x0badf00d));
  const auto queries = h.take<Query>();
  REQUIRE(queries.size() == 2);
  REQUIRE(h.dc.answer(h.session(), queued, Bytes{1, 0, 0, 0}));  // queued, not flushed yet

  const std::uint64_t drop_running = h.send(rpc_drop_answer(running));
  const std::uint64_t drop_queued = h.send(rpc_drop_answer(queued));
  const std::uint64_t drop_unknown = h.send(rpc_drop_answer(12345678));
  // The API layer's late answer to the dropped query is discarded.
  CHECK_FALSE(h.dc.answer(h.session(), running, Bytes{2, 0, 0, 0}));

  std::map<std::uint64_t, Bytes> results;
  for (const ServerMessage& m : h.receive()) {
    if (auto r = as_rpc_result(m)) results[r->req_msg_id] = r->result;
  }
  CHECK(constructor_of_bytes(results.at(drop_running)) == ids::kRpcAnswerDroppedRunning);
  CHECK(constructor_of_bytes(results.at(running)) == ids::kRpcAnswerDroppedRunning);
  CHECK(constructor_of_bytes(results.at(drop_queued)) == ids::kRpcAnswerDropped);
  CHECK(results.count(queued) == 0);  // its answer was taken back
  CHECK(constructor_of_bytes(results.at(drop_unknown)) == ids::kRpcAnswerUnknown);

  // Once an answer was sent there is nothing to drop.
  const std::uint64_t late = h.send(rpc_drop_answer(drop_running));
  results.clear();
  for (const ServerMessage& m : h.receive()) {
    if (auto r = as_rpc_result(m)) results[r->req_msg_id] = r->result;
  }
  CHECK(constructor_of_bytes(results.at(late)) == ids::kRpcAnswerUnknown);
}

TEST_CASE("msgs_state_req -> msgs_state_info with one status byte per id (facts §3.10)") {
  Harness h;
  const std::uint64_t before = h.client.next_msg_id(h.now);  // never sent, below what we sent
  const std::uint64_t answered = h.send(api_query(0x0badf00d));
  h.answer_all();
  h.receive();
  const std::uint64_t running = h.send(api_query(0x0badf00d));
  const std::uint64_t ack = h.send(msgs_ack({}), false);
  MsgIdClock elsewhere;
  const std::uint64_t above = elsewhere.next(h.now + 10s);  // never sent, above everything
  const std::uint64_t req = h.send(msgs_state_req({answered, running, ack, before, above}), false);
  const auto infos = of_type(h.receive(), ids::kMsgsStateInfo);
  REQUIRE(infos.size() == 1);
  const auto info = as_state_info(infos[0]);
  CHECK(info->req_msg_id == req);
  REQUIRE(info->info.size() == 5);
  CHECK(info->info[0] == (4 | 8 | 32 | 64));  // received, acked by its answer, done, answer generated
  CHECK(info->info[1] == (4 | 32));           // received, running
  CHECK(info->info[2] == (4 | 16));           // received, needs no ack
  CHECK(info->info[3] == 2);                  // not received, in range
  CHECK(info->info[4] == 3);                  // not received, too high
}

TEST_CASE("msg_resend_req: known answers are sent again, unknown ids get msgs_state_info for all (B.6)") {
  Harness h;
  const std::uint64_t q = h.send(api_query(0x0badf00d));
  h.answer_all(Bytes{7, 7, 7, 7});
  const auto first = of_type(h.receive(), ids::kRpcResult);
  REQUIRE(first.size() == 1);

  // By the answer's msg_id, or by the request's.
  h.send(msg_resend_req({first[0].msg_id}), false);
  h.send(msg_resend_req({q}), false);
  auto results = of_type(h.receive(), ids::kRpcResult);
  REQUIRE(results.size() == 2);
  for (const ServerMessage& m : results) {
    CHECK(as_rpc_result(m)->req_msg_id == q);
    CHECK(m.body == first[0].body);
  }

  const std::uint64_t unknown = 0x5555555555555550;
  const std::uint64_t req = h.send(msg_resend_req({q, unknown}), false);
  const auto ms = h.receive();
  CHECK(of_type(ms, ids::kRpcResult).size() == 1);
  const auto infos = of_type(ms, ids::kMsgsStateInfo);
  REQUIRE(infos.size() == 1);
  const auto info = as_state_info(infos[0]);
  CHECK(info->req_msg_id == req);
  CHECK(info->info.size() == 2);
  CHECK(h.dc.counters().queries == 1);
}

TEST_CASE("gzip_packed queries are inflated, with gzip (Telethon) or zlib (tdlib, mtcute) framing (B.10)") {
  Harness h;
  const Bytes query = api_query(0x0badf00d, 400);
  const std::uint64_t a = h.send(gzip_packed(query));
  const std::uint64_t b = h.send(zlib_packed(query));
  const auto queries = h.take<Query>();
  REQUIRE(queries.size() == 2);
  CHECK(queries[0].msg_id == a);
  CHECK(queries[1].msg_id == b);
  CHECK(queries[0].body == query);
  CHECK(queries[1].body == query);
  CHECK(h.dc.counters().gzip_in == 2);

  // Corrupt data is dropped, not answered.
  Bytes corrupt = gzip_packed(query);
  corrupt[20] ^= 0xff;
  h.send(corrupt);
  CHECK(h.take<Query>().empty());
  CHECK(h.dc.counters().drops(DropReason::kBadGzip) == 1);
}

TEST_CASE("http_wait is ignored on TCP, malformed service messages are dropped") {
  Harness h;
  h.send(http_wait(), false);
  Bytes bad_ping = ping(1);
  bad_ping.resize(8);
  h.send(bad_ping, false);
  const auto dropped = h.take<Dropped>();
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].reason == DropReason::kMalformedService);
  const auto ms = h.receive();
  CHECK(ms.size() == 1);  // new_session_created only
  CHECK(h.dc.counters().http_waits == 1);
}

TEST_CASE("msgs_ack from the client marks answers as known to it (status +128)") {
  Harness h;
  const std::uint64_t q = h.send(api_query(0x0badf00d));
  h.answer_all();
  const auto results = of_type(h.receive(), ids::kRpcResult);
  REQUIRE(results.size() == 1);
  h.send(msgs_ack({results[0].msg_id}), false);
  h.send(msgs_state_req({q}), false);
  const auto info = as_state_info(of_type(h.receive(), ids::kMsgsStateInfo).at(0));
  CHECK(info->info.at(0) == (4 | 8 | 32 | 64 | 128));
  CHECK(h.dc.counters().acked_ids_in == 1);
}

TEST_CASE("destroy_auth_key -> destroy_auth_key_ok, then the key and its sessions are forgotten (-404)") {
  Harness h;
  const std::int64_t other_id = 0x0a0b0c0d;
  TestClient other(h.key, other_id, h.client.salt);
  h.dc.on_packet(2, other.packet(other.next_msg_id(h.now), 1, get_nearest_dc()), h.now, h.events);
  const std::uint64_t running = h.send(get_nearest_dc());
  REQUIRE(h.take<Query>().size() == 2);

  // tdlib sends it in its encrypted packet next to other messages (here: a container whose query
  // after it is not processed any more).
  const std::uint64_t destroy = h.client.next_msg_id(h.now);
  const std::uint64_t after = h.client.next_msg_id(h.now);
  h.send_packet(h.client.packet(
      h.client.next_msg_id(h.now), 4,
      container({{destroy, h.client.next_seq_no(false), destroy_auth_key()}, {after, 3, get_nearest_dc()}})));
  CHECK(h.take<Query>().empty());
  const auto destroyed = h.take<AuthKeyDestroyed>();
  REQUIRE(destroyed.size() == 1);
  CHECK(destroyed[0].auth_key_id == h.session().auth_key_id);
  CHECK_FALSE(h.dc.has_auth_key(h.session().auth_key_id));
  CHECK(h.dc.find_session(h.session()) == nullptr);
  CHECK(h.dc.find_session({h.session().auth_key_id, other_id}) == nullptr);
  CHECK_FALSE(h.dc.answer(h.session(), running, Bytes{1, 0, 0, 0}));
  CHECK(h.dc.counters().auth_keys_destroyed == 1);

  // The answer still goes out, sealed with the key, at top level (tdlib reads it there).
  const auto ok = of_type(h.receive(), kDestroyAuthKeyOk);
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].body.size() == 4);
  CHECK(ok[0].msg_id % 4 == 1);
  CHECK(ok[0].seq_no % 2 == 0);

  // Then the key is unknown: -404, for every session of it.
  h.send(get_nearest_dc());
  auto errors = h.take<TransportError>();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].code == -404);
  CHECK(errors[0].cause == TransportErrorCause::kUnknownAuthKey);
  h.dc.on_packet(2, other.packet(other.next_msg_id(h.now), 3, get_nearest_dc()), h.now, h.events);
  CHECK(h.take<TransportError>().size() == 1);
  std::vector<OutgoingPacket> none;
  h.dc.flush(h.now, none);
  CHECK(none.empty());

  // A new key from a new handshake works as usual.
  h.dc.add_auth_key(h.key, std::nullopt, h.now);
  h.send(get_nearest_dc());
  CHECK(h.take<Query>().size() == 1);
}
