// The client session's building blocks: msg_id map, ring queue, received-id window, salt store,
// packet assembler.
#include <doctest/doctest.h>

#include <random>
#include <unordered_map>

#include "fake_server.hpp"
#include "protocol/mtproto/client/msg_id_map.hpp"
#include "protocol/mtproto/client/packet_assembler.hpp"
#include "protocol/mtproto/client/received_window.hpp"
#include "protocol/mtproto/client/ring_queue.hpp"
#include "protocol/mtproto/client/salt_store.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::client_detail;

TEST_CASE("MsgIdMap agrees with std::unordered_map over random inserts and erases") {
  MsgIdMap<std::uint64_t> map;
  std::unordered_map<std::uint64_t, std::uint64_t> model;
  std::mt19937_64 rng(42);
  std::uint64_t base = std::uint64_t{1700000000} << 32;
  for (int i = 0; i < 200000; ++i) {
    // Ids close together, as msg_ids are, so that probe runs collide.
    const std::uint64_t key = base + 4 * (rng() % 5000);
    if (rng() % 3 == 0) {
      CHECK(map.erase(key) == (model.erase(key) == 1));
    } else {
      const bool inserted = map.insert(key, key * 3);
      CHECK(inserted == model.emplace(key, key * 3).second);
    }
    if (i % 1000 == 0) {
      CHECK(map.size() == model.size());
      for (const auto& [k, v] : model) {
        const auto* found = map.find(k);
        REQUIRE(found);
        CHECK(*found == v);
      }
    }
  }
  CHECK_FALSE(map.insert(0, 1));
  CHECK(map.find(0) == nullptr);
  map.clear();
  CHECK(map.empty());
  CHECK(map.find(base) == nullptr);
}

TEST_CASE("RingQueue keeps FIFO order across growth and wrap-around") {
  RingQueue<int> q;
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < round % 37; ++i) q.push_back(next_in++);
    for (int i = 0; i < round % 23 && !q.empty(); ++i) {
      CHECK(q.front() == next_out++);
      q.pop_front();
    }
  }
  CHECK(q.size() == static_cast<std::size_t>(next_in - next_out));
  q.clear();
  CHECK(q.empty());
}

TEST_CASE("ReceivedWindow refuses duplicates and ids at or below the newest forgotten one") {
  ReceivedWindow w(3);
  using C = ReceivedWindow::Check;
  for (std::uint64_t id : {11, 15, 13}) {  // out of order is fine
    REQUIRE(w.check(id) == C::New);
    w.insert(id);
  }
  CHECK(w.check(13) == C::Duplicate);
  CHECK(w.check(9) == C::New);                         // nothing forgotten yet
  for (std::uint64_t id : {17, 19, 21}) w.insert(id);  // 6 = 2 x capacity: the oldest 3 go
  CHECK(w.check(13) == C::TooOld);
  CHECK(w.check(11) == C::TooOld);
  CHECK(w.check(17) == C::Duplicate);
  CHECK(w.check(23) == C::New);
  CHECK(w.state_of(19) == 4);
  CHECK(w.state_of(13) == 1);
  CHECK(w.state_of(18) == 2);
  CHECK(w.state_of(25) == 3);
  w.clear();
  CHECK(w.check(11) == C::New);
}

TEST_CASE("SaltStore picks the newest salt valid at the given time and forgets expired ones") {
  SaltStore s(1);
  CHECK(s.current(100) == 1);
  CHECK_FALSE(s.covered_until());
  const FutureSalt salts[] = {{150, 300, 3}, {100, 200, 2}};
  s.set_future(salts);
  CHECK(*s.covered_until() == 300);
  CHECK(s.current(120) == 2);
  CHECK(s.current(160) == 3);  // both valid: the newer one
  CHECK(s.current(250) == 3);
  CHECK(s.future_count() == 1);
  CHECK(s.current(400) == 3);  // all expired: the last one used stays
  CHECK(s.future_count() == 0);
  s.set_future(salts);
  s.on_bad_server_salt(9);
  CHECK(s.current(160) == 9);
  CHECK(s.future_count() == 0);
}

TEST_CASE("PacketAssembler seals one message without a container and several with one") {
  PacketAssembler a(1000, 1 << 20);
  const auto random = test::seeded_random(3);
  const Bytes body = test::test_query(1);
  a.add(0x100000004, 7, body);
  const ByteSpan single = a.seal_single(11, 22, random, 0);
  auto parsed = parse_plaintext(single);
  REQUIRE(parsed.message);
  CHECK(parsed.message->header.salt == 11);
  CHECK(parsed.message->header.session_id == 22);
  CHECK(parsed.message->header.msg_id == 0x100000004);
  CHECK(parsed.message->header.seq_no == 7);
  CHECK(Bytes(parsed.message->body.begin(), parsed.message->body.end()) == body);

  a.reset();
  a.add(0x100000004, 1, body);
  a.add(0x100000008, 3, body);
  const ByteSpan both = a.seal_container(11, 22, 0x10000000c, 4, random, 300);
  parsed = parse_plaintext(both);
  REQUIRE(parsed.message);
  CHECK(parsed.message->header.msg_id == 0x10000000c);
  const auto items = parse_container(parsed.message->body);
  REQUIRE(items);
  REQUIRE(items->size() == 2);
  CHECK((*items)[1].msg_id == 0x100000008);
  CHECK((*items)[1].seq_no == 3);
}
