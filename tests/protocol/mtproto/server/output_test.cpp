// What the server sends: new_session_created first, msg_id/seq_no rules, containers, acks, gzip,
// errors and pushed updates (facts §3.5, §3.6, §3.11, §3.12).
#include <doctest/doctest.h>

#include <map>

#include "protocol/crypto/random.hpp"
#include "protocol/mtproto/service_ids.hpp"
#include "protocol/tl/tl_buffer.hpp"
#include "tests/protocol/mtproto/server/harness.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::server;
using namespace tgd::mtproto::server::testing;
using namespace std::chrono_literals;

namespace {

// Checks facts §3.5/§3.6 over everything a session sent, in order: msg_ids strictly increase,
// answers ≡ 1 mod 4 and the rest ≡ 3; seq_no is 2n+1 for content-related messages (n counting
// them), 2n otherwise; a container's id is above its items' and its even seq_no not below theirs.
void check_numbering(const std::vector<ServerMessage>& ms) {
  std::uint64_t last_id = 0;
  std::uint32_t n = 0;  // the whole session's messages are expected
  for (const ServerMessage& m : ms) {
    CHECK(m.msg_id > last_id);
    last_id = m.msg_id;
    const std::uint32_t c = m.constructor();
    const bool answer = c == ids::kRpcResult || c == ids::kPong || c == ids::kBadMsgNotification ||
                        c == ids::kBadServerSalt || c == ids::kFutureSalts || c == ids::kMsgsStateInfo ||
                        c == ids::kDestroySessionOk || c == ids::kDestroySessionNone;
    CHECK(m.msg_id % 4 == (answer ? 1u : 3u));
    const bool content =
        c == ids::kRpcResult || c == ids::kNewSessionCreated || (c != ids::kMsgsAck && !answer);
    if (content) {
      CHECK(m.seq_no == 2 * n + 1);
      ++n;
    } else {
      CHECK(m.seq_no == 2 * n);
    }
    if (m.container_id != 0) {
      CHECK(m.container_id > m.msg_id);
      CHECK(m.container_id % 4 == 3);
      CHECK(m.container_seq_no % 2 == 0);
      CHECK(m.container_seq_no >= m.seq_no);
    }
  }
}

}  // namespace

TEST_CASE("new_session_created comes before the first answer, with first_msg_id and the current salt") {
  Harness h;
  const std::uint64_t q = h.send(get_nearest_dc());
  const auto created = h.take<SessionCreated>();
  REQUIRE(created.size() == 1);
  CHECK(created[0].session == h.session());
  h.answer_all();
  const auto ms = h.receive();
  REQUIRE(ms.size() == 2);
  const auto session = as_new_session(ms[0]);
  REQUIRE(session);
  CHECK(session->first_msg_id == q);
  CHECK(session->server_salt == h.client.salt);
  CHECK(ms[0].seq_no == 1);  // content-related: the client acks it
  CHECK(ms[0].msg_id % 4 == 3);
  CHECK(as_rpc_result(ms[1])->req_msg_id == q);
  CHECK(ms[1].seq_no == 3);
  check_numbering(ms);
  CHECK(h.dc.counters().sessions_created == 1);

  // Only once per session.
  h.send(get_nearest_dc());
  h.answer_all();
  CHECK(of_type(h.receive(), ids::kNewSessionCreated).empty());
}

TEST_CASE("a container's first_msg_id is its lowest item id") {
  Harness h;
  const std::uint64_t a = h.client.next_msg_id(h.now);
  const std::uint64_t b = h.client.next_msg_id(h.now);
  const std::uint64_t c = h.client.next_msg_id(h.now);
  h.send_packet(h.client.packet(c, 4, container({{b, 3, get_nearest_dc()}, {a, 1, get_nearest_dc()}})));
  const auto ms = h.receive();
  CHECK(as_new_session(of_type(ms, ids::kNewSessionCreated).at(0))->first_msg_id == a);
}

TEST_CASE("answers are batched into containers with correct msg_id and seq_no rules") {
  Harness h;
  std::vector<Item> items;
  for (int i = 0; i < 10; ++i)
    items.push_back({h.client.next_msg_id(h.now), h.client.next_seq_no(true), get_nearest_dc()});
  items.push_back({h.client.next_msg_id(h.now), h.client.next_seq_no(false), ping(5)});
  h.send_packet(h.client.packet(h.client.next_msg_id(h.now), h.client.next_seq_no(false), container(items)));
  CHECK(h.answer_all() == 10);
  const auto ms = h.receive();
  CHECK(h.last_packet_count == 1);
  CHECK(ms.size() == 12);  // new_session_created, 10 rpc_results, pong
  check_numbering(ms);
  for (const ServerMessage& m : ms) CHECK(m.container_id == ms[0].container_id);
  CHECK(h.dc.counters().containers_out == 1);

  // Later packets continue the numbering.
  h.send(get_nearest_dc());
  h.answer_all();
  const auto more = h.receive();
  REQUIRE(more.size() == 1);
  CHECK(more[0].container_id == 0);
  CHECK(more[0].seq_no == 2 * 11 + 1);
  CHECK(more[0].msg_id > ms.back().container_id);
}

TEST_CASE("containers respect the item and byte limits") {
  DcOptions o = fixed_options();
  o.limits.container_max_messages = 4;
  o.limits.container_max_bytes = 4096;
  Harness h(o);
  for (int i = 0; i < 9; ++i) h.send(ping(i), false);
  auto ms = h.receive();
  CHECK(ms.size() == 10);           // new_session_created + 9 pongs
  CHECK(h.last_packet_count == 3);  // 4 + 4 + 2

  // An answer larger than the byte limit goes alone.
  h.send(get_nearest_dc());
  h.send(ping(1), false);
  const auto queries = h.take<Query>();
  Bytes big(8000);
  crypto::random_fill(big);  // incompressible: stays 8000 bytes
  REQUIRE(h.dc.answer(h.session(), queries.at(0).msg_id, big));
  const auto more = h.receive();
  CHECK(h.last_packet_count == 2);
  ms.insert(ms.end(), more.begin(), more.end());
  check_numbering(ms);
}

TEST_CASE("client content-related messages are acknowledged unless answered by then") {
  Harness h;
  const std::uint64_t slow = h.send(get_nearest_dc());
  const std::uint64_t fast = h.send(get_nearest_dc());
  const std::uint64_t even_ack = h.send(msgs_ack({}), false);
  REQUIRE(h.dc.answer(h.session(), fast, Bytes{1, 0, 0, 0}));
  const auto ms = h.receive();
  const auto acks = of_type(ms, ids::kMsgsAck);
  REQUIRE(acks.size() == 1);
  CHECK(as_msgs_ack(acks[0]) == std::vector<std::uint64_t>{slow});
  CHECK(acks[0].seq_no % 2 == 0);
  (void)even_ack;
  check_numbering(ms);
  CHECK(h.dc.counters().acked_ids_out == 1);

  // Acked once: the later answer does not bring another ack.
  REQUIRE(h.dc.answer(h.session(), slow, Bytes{2, 0, 0, 0}));
  CHECK(of_type(h.receive(), ids::kMsgsAck).empty());
}

TEST_CASE("large answers go out as gzip_packed with gzip framing when it pays, small ones plain") {
  Harness h;
  const std::uint64_t big = h.send(get_nearest_dc());
  const std::uint64_t small = h.send(get_nearest_dc());
  const std::uint64_t random = h.send(get_nearest_dc());
  Bytes compressible(4000, 0x42);
  Bytes incompressible(4000);
  crypto::random_fill(incompressible);
  REQUIRE(h.dc.answer(h.session(), big, compressible));
  REQUIRE(h.dc.answer(h.session(), small, Bytes(400, 0x42)));
  REQUIRE(h.dc.answer(h.session(), random, incompressible));
  std::map<std::uint64_t, RpcResult> results;
  for (const ServerMessage& m : h.receive()) {
    if (auto r = as_rpc_result(m)) results[r->req_msg_id] = *r;
  }
  CHECK(results.at(big).gzipped);
  CHECK(results.at(big).gzip_framing);
  CHECK(results.at(big).result == compressible);
  CHECK_FALSE(results.at(small).gzipped);
  CHECK_FALSE(results.at(random).gzipped);
  CHECK(results.at(random).result == incompressible);
}

TEST_CASE("answer_error sends rpc_error inside rpc_result, a second answer is refused") {
  Harness h;
  const std::uint64_t q = h.send(get_nearest_dc());
  REQUIRE(h.dc.answer_error(h.session(), q, 420, "FLOOD_WAIT_3"));
  CHECK_FALSE(h.dc.answer(h.session(), q, Bytes{1, 2, 3, 4}));
  CHECK_FALSE(h.dc.answer(h.session(), q + 4, Bytes{1, 2, 3, 4}));  // never asked
  const auto results = of_type(h.receive(), ids::kRpcResult);
  REQUIRE(results.size() == 1);
  const auto r = as_rpc_result(results[0]);
  tl::TlReader e(r->result);
  CHECK(e.u32() == ids::kRpcError);
  CHECK(e.i32() == 420);
  CHECK(e.string() == "FLOOD_WAIT_3");
  CHECK(h.dc.counters().rpc_errors == 1);
  CHECK(h.dc.counters().late_answers == 2);
}

TEST_CASE("pushed updates are content-related messages that answer nothing") {
  Harness h;
  h.send(ping(1), false);
  h.receive();
  const Bytes updates{0xd1, 0x15, 0x1b, 0x6f};  // updatesTooLong
  REQUIRE(h.dc.push(h.session(), updates));
  const auto ms = h.receive();
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].body == updates);
  CHECK(ms[0].msg_id % 4 == 3);
  CHECK(ms[0].seq_no == 3);  // after new_session_created (1)
  CHECK_FALSE(h.dc.push({h.session().auth_key_id, 424242}, updates));
}

TEST_CASE("the output listener fires once per pending flush when output appears outside a packet") {
  Harness h;
  h.send(ping(1), false);
  h.receive();
  int calls = 0;
  h.dc.set_output_listener([&] { ++calls; });
  const Bytes updates{0xd1, 0x15, 0x1b, 0x6f};  // updatesTooLong
  REQUIRE(h.dc.push(h.session(), updates));
  CHECK(calls == 1);
  REQUIRE(h.dc.push(h.session(), updates));
  CHECK(calls == 1);  // a flush is pending already
  CHECK(h.receive().size() == 2);
  REQUIRE(h.dc.push(h.session(), updates));
  CHECK(calls == 2);  // after a flush, new output needs a new one
}
