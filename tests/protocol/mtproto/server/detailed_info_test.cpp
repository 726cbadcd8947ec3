// msg_detailed_info / msg_new_detailed_info (core.telegram.org/mtproto/service_messages_about_messages,
// "Extended Voluntary Communication of Status of One Message"): a large kept answer or update is
// announced instead of sent again; msg_resend_req naming its msg_id fetches it whole.
#include <doctest/doctest.h>

#include <map>

#include "protocol/crypto/random.hpp"
#include "protocol/mtproto/service_ids.hpp"
#include "tests/protocol/mtproto/server/harness.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::server;
using namespace tgd::mtproto::server::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kThreshold = 256;
constexpr std::int32_t kAnsweredStatus = 4 | 8 | 32 | 64;  // received, acked, done, answer generated

DcOptions with_threshold() {
  DcOptions o = fixed_options();
  o.limits.detailed_info_min_bytes = kThreshold;
  return o;
}

Bytes incompressible(std::size_t n) {
  Bytes b(n);
  crypto::random_fill(b);
  b[0] = 0x15;  // not a service constructor
  return b;
}

const ServerMessage* find_answer(const std::vector<ServerMessage>& ms, std::uint64_t req) {
  for (const ServerMessage& m : ms) {
    if (auto r = as_rpc_result(m); r && r->req_msg_id == req) return &m;
  }
  return nullptr;
}

std::vector<DetailedInfo> detailed(const std::vector<ServerMessage>& ms) {
  std::vector<DetailedInfo> out;
  for (const ServerMessage& m : ms) {
    if (auto d = as_detailed_info(m)) {
      CHECK(m.seq_no % 2 == 0);  // needs no ack
      CHECK(m.msg_id % 4 == (d->msg_id != 0 ? 1u : 3u));
      out.push_back(*d);
    }
  }
  return out;
}

// A small and a large answer, sent; returns {small req, large req, large answer's msg_id}.
struct Answered {
  std::uint64_t small = 0, large = 0, large_answer_id = 0;
  std::size_t large_bytes = 0;
  Bytes large_result;
};
Answered answer_small_and_large(Harness& h) {
  Answered a;
  a.small = h.send(get_nearest_dc());
  a.large = h.send(get_nearest_dc());
  h.take<Query>();
  a.large_result = incompressible(2 * kThreshold);
  REQUIRE(h.dc.answer(h.session(), a.small, Bytes{1, 0, 0, 0}));
  REQUIRE(h.dc.answer(h.session(), a.large, a.large_result));
  const auto ms = h.receive();
  const ServerMessage* large = find_answer(ms, a.large);
  REQUIRE(large != nullptr);
  a.large_answer_id = large->msg_id;
  a.large_bytes = large->body.size();
  CHECK(a.large_bytes > kThreshold);
  return a;
}

}  // namespace

TEST_CASE("a duplicate request: a small answer is sent again, a large one announced by msg_detailed_info") {
  Harness h(with_threshold());
  const Answered a = answer_small_and_large(h);

  // Both re-sent with their msg_ids, in a newer container (facts §3.5).
  h.send_packet(h.client.packet(h.client.next_msg_id(h.now), h.client.next_seq_no(false),
                                container({{a.small, 1, get_nearest_dc()}, {a.large, 3, get_nearest_dc()}})));
  CHECK(h.take<Query>().empty());  // never run twice (B.7)
  auto ms = h.receive();
  CHECK(find_answer(ms, a.small) != nullptr);
  CHECK(find_answer(ms, a.large) == nullptr);
  auto infos = detailed(ms);
  REQUIRE(infos.size() == 1);
  CHECK(infos[0].msg_id == a.large);
  CHECK(infos[0].answer_msg_id == a.large_answer_id);
  CHECK(infos[0].bytes == a.large_bytes);
  CHECK(infos[0].status == kAnsweredStatus);
  CHECK(h.dc.counters().detailed_infos == 1);

  // The client lacks it, so it asks for answer_msg_id: that always comes whole.
  h.send(msg_resend_req({infos[0].answer_msg_id}), false);
  ms = h.receive();
  const ServerMessage* whole = find_answer(ms, a.large);
  REQUIRE(whole != nullptr);
  CHECK(as_rpc_result(*whole)->result == a.large_result);
  CHECK(whole->msg_id != a.large_answer_id);
  CHECK(h.dc.counters().queries == 2);

  // Announced again later, it names the copy sent last.
  h.send(msg_resend_req({a.large}), false);
  infos = detailed(h.receive());
  REQUIRE(infos.size() == 1);
  CHECK(infos[0].answer_msg_id == whole->msg_id);
}

TEST_CASE(
    "msg_resend_req naming the request of a large answer -> msg_detailed_info, naming the answer -> it") {
  Harness h(with_threshold());
  const Answered a = answer_small_and_large(h);
  h.send(msg_resend_req({a.small, a.large}), false);
  auto ms = h.receive();
  CHECK(find_answer(ms, a.small) != nullptr);
  CHECK(find_answer(ms, a.large) == nullptr);
  const auto infos = detailed(ms);
  REQUIRE(infos.size() == 1);
  CHECK(infos[0].msg_id == a.large);
  CHECK(of_type(ms, ids::kMsgsStateInfo).empty());

  h.send(msg_resend_req({a.large_answer_id}), false);
  ms = h.receive();
  REQUIRE(find_answer(ms, a.large) != nullptr);
  CHECK(detailed(ms).empty());
}

TEST_CASE(
    "msgs_state_req about an answered request: msgs_state_info, then msg_detailed_info naming the answer") {
  Harness h(with_threshold());
  const Answered a = answer_small_and_large(h);
  const std::uint64_t running = h.send(get_nearest_dc());
  const std::uint64_t req = h.send(msgs_state_req({a.small, a.large, running}), false);
  auto ms = h.receive();
  const auto states = of_type(ms, ids::kMsgsStateInfo);
  REQUIRE(states.size() == 1);
  CHECK(as_state_info(states[0])->req_msg_id == req);
  // Whatever the size: the state byte says "answer generated", the notice says where it is.
  auto infos = detailed(ms);
  REQUIRE(infos.size() == 2);
  std::map<std::uint64_t, DetailedInfo> by_req;
  for (const DetailedInfo& d : infos) by_req[d.msg_id] = d;
  CHECK(by_req.at(a.large).answer_msg_id == a.large_answer_id);
  CHECK(by_req.count(a.small) == 1);
  CHECK(find_answer(ms, a.small) == nullptr);  // nothing is re-sent by a state request

  // Once the client acknowledged an answer, it has it: no notice.
  h.send(msgs_ack({by_req.at(a.small).answer_msg_id}), false);
  h.send(msgs_state_req({a.small, a.large}), false);
  infos = detailed(h.receive());
  REQUIRE(infos.size() == 1);
  CHECK(infos[0].msg_id == a.large);
}

TEST_CASE("on a new connection large unacked answers and updates are announced, small ones sent again") {
  Harness h(with_threshold());
  const Answered a = answer_small_and_large(h);
  const Bytes small_update{0xd1, 0x15, 0x1b, 0x6f};  // updatesTooLong
  const Bytes large_update = incompressible(2 * kThreshold);
  REQUIRE(h.dc.push(h.session(), small_update));
  REQUIRE(h.dc.push(h.session(), large_update));
  std::uint64_t large_update_id = 0;
  for (const ServerMessage& m : h.receive()) {
    if (m.body == large_update) large_update_id = m.msg_id;
  }
  REQUIRE(large_update_id != 0);

  h.dc.on_connection_closed(h.connection);
  h.connection = 2;
  h.send(msgs_ack({}), false);
  auto ms = h.receive();
  CHECK(find_answer(ms, a.small) != nullptr);
  CHECK(find_answer(ms, a.large) == nullptr);
  std::size_t small_updates = 0;
  for (const ServerMessage& m : ms) {
    CHECK(m.body != large_update);
    if (m.body == small_update) ++small_updates;
  }
  CHECK(small_updates == 1);
  const auto infos = detailed(ms);
  REQUIRE(infos.size() == 2);
  CHECK(infos[0].msg_id == a.large);  // in the order they were sent
  CHECK(infos[0].answer_msg_id == a.large_answer_id);
  CHECK(infos[1].msg_id == 0);  // msg_new_detailed_info: not an answer
  CHECK(infos[1].answer_msg_id == large_update_id);
  CHECK(infos[1].bytes == large_update.size());
  CHECK(infos[1].status == 0);

  h.send(msg_resend_req({infos[0].answer_msg_id, infos[1].answer_msg_id}), false);
  ms = h.receive();
  REQUIRE(find_answer(ms, a.large) != nullptr);
  std::size_t large_updates = 0;
  for (const ServerMessage& m : ms) large_updates += m.body == large_update ? 1 : 0;
  CHECK(large_updates == 1);
  CHECK(of_type(ms, ids::kMsgsStateInfo).empty());
}
