// The peer cache: THE RULE about min access hashes, username lookups, and the C++ fold of queued rows
// agreeing with the SQL upsert.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "daemon/store/peer_merge.hpp"
#include "tests/daemon/store/store_test_util.hpp"

using namespace tgd::store;
using namespace tgd::store::test;

namespace {

std::unique_ptr<Store> store_with_session(const TempDir& dir) {
  auto store = open_ok(dir.state());
  store->save_session(session("s"));
  return store;
}

}  // namespace

TEST_CASE("peers: a min access hash never overwrites a full one, but the username still updates") {
  TempDir dir;
  auto store = store_with_session(dir);
  store->save_peers("s", {peer(1, PeerKind::User, 1111, false, "old", 100)});
  REQUIRE(store->flush());
  store->save_peers("s", {peer(1, PeerKind::User, 9999, true, "new", 200)});
  REQUIRE(store->flush());
  auto row = store->find_peer("s", PeerKind::User, 1);
  REQUIRE(row);
  CHECK(row->access_hash == 1111);
  CHECK_FALSE(row->min);
  CHECK(row->username == "new");
  CHECK(row->updated_at == 200);
}

TEST_CASE("peers: a full access hash replaces a min one and clears the min flag") {
  TempDir dir;
  auto store = store_with_session(dir);
  store->save_peers("s", {peer(7, PeerKind::Channel, 5, true)});
  REQUIRE(store->flush());
  CHECK(store->find_peer("s", PeerKind::Channel, 7)->min);
  store->save_peers("s", {peer(7, PeerKind::Channel, 6, false)});
  REQUIRE(store->flush());
  auto row = store->find_peer("s", PeerKind::Channel, 7);
  CHECK(row->access_hash == 6);
  CHECK_FALSE(row->min);
}

TEST_CASE("peers: a min hash replaces a min hash, but a missing (0) hash replaces nothing") {
  TempDir dir;
  auto store = store_with_session(dir);
  store->save_peers("s", {peer(7, PeerKind::Channel, 5, true)});
  REQUIRE(store->flush());
  store->save_peers("s", {peer(7, PeerKind::Channel, 8, true)});
  REQUIRE(store->flush());
  CHECK(store->find_peer("s", PeerKind::Channel, 7)->access_hash == 8);
  store->save_peers("s", {peer(7, PeerKind::Channel, 0, true)});
  REQUIRE(store->flush());
  CHECK(store->find_peer("s", PeerKind::Channel, 7)->access_hash == 8);
}

TEST_CASE("peers: a min row without a username keeps the known one, a full row without one clears it") {
  TempDir dir;
  auto store = store_with_session(dir);
  store->save_peers("s", {peer(1, PeerKind::User, 10, false, "alice")});
  store->save_peers("s", {peer(1, PeerKind::User, 10, true, "")});
  REQUIRE(store->flush());
  CHECK(store->find_peer("s", PeerKind::User, 1)->username == "alice");
  store->save_peers("s", {peer(1, PeerKind::User, 10, false, "")});
  REQUIRE(store->flush());
  CHECK(store->find_peer("s", PeerKind::User, 1)->username.empty());
  CHECK_FALSE(store->find_peer_by_username("s", "alice"));
}

TEST_CASE("peers: username lookup is case-insensitive, ignores a leading @, and is per session") {
  TempDir dir;
  auto store = store_with_session(dir);
  store->save_session(session("other"));
  store->save_peers("s", {peer(1, PeerKind::User, 10, false, "DurovFan_42"),
                          peer(2, PeerKind::Channel, 20, false, "news")});
  REQUIRE(store->flush());
  for (const char* name : {"durovfan_42", "DUROVFAN_42", "@DurovFan_42", "dUrOvFaN_42"}) {
    auto row = store->find_peer_by_username("s", name);
    REQUIRE_MESSAGE(row, name);
    CHECK(row->id == 1);
    CHECK(row->username == "DurovFan_42");
  }
  CHECK(store->find_peer_by_username("s", "NEWS")->kind == PeerKind::Channel);
  CHECK_FALSE(store->find_peer_by_username("s", "durovfan_4"));
  CHECK_FALSE(store->find_peer_by_username("s", ""));
  CHECK_FALSE(store->find_peer_by_username("other", "news"));
}

TEST_CASE("peers: when a username moved, the most recently updated holder wins") {
  TempDir dir;
  auto store = store_with_session(dir);
  store->save_peers("s", {peer(1, PeerKind::User, 10, false, "handle", 100)});
  REQUIRE(store->flush());
  store->save_peers("s", {peer(2, PeerKind::Channel, 20, false, "Handle", 200)});
  CHECK(store->find_peer_by_username("s", "handle")->id == 2);  // queued
  REQUIRE(store->flush());
  CHECK(store->find_peer_by_username("s", "handle")->id == 2);  // stored
}

TEST_CASE("peers: the username lookup uses the index") {
  TempDir dir;
  auto store = store_with_session(dir);
  REQUIRE(store->flush());
  RawDb raw(store->database_path());
  std::string plan = raw.text(
      "EXPLAIN QUERY PLAN SELECT kind, id FROM peers WHERE session = 's' AND username = 'x' COLLATE NOCASE "
      "ORDER BY updated_at DESC LIMIT 8",
      3);  // the plan's `detail` column
  CHECK_MESSAGE(plan.find("peers_by_username") != std::string::npos, plan);
}

TEST_CASE("peers: the queue's C++ fold and the SQL upsert agree on random sequences (min rule)") {
  TempDir dir;
  auto store = store_with_session(dir);
  std::mt19937_64 rng(12345);
  const char* names[] = {"", "a", "B", "c"};
  std::map<std::int64_t, PeerRow> model;  // what merge_peer says, applied one save at a time
  for (int round = 0; round < 40; ++round) {
    std::vector<PeerRow> rows;
    for (int i = 0; i < 6; ++i) {
      std::int64_t id = static_cast<std::int64_t>(rng() % 4) + 1;
      std::int64_t hash = static_cast<std::int64_t>(rng() % 3) * 100 + round;
      if (rng() % 4 == 0) hash = 0;
      PeerRow row = peer(id, PeerKind::User, hash, rng() % 2 == 0, names[rng() % 4], 1000 + round * 10 + i);
      rows.push_back(row);
      auto it = model.find(id);
      if (it == model.end()) {
        model.emplace(id, row);
      } else {
        it->second = merge_peer(it->second, row);
      }
    }
    // Half of the rounds are committed before the lookups (SQL), half only queued (C++ fold).
    store->save_peers("s", rows);
    if (round % 2 == 0) REQUIRE(store->flush());
    for (const auto& [id, expected] : model) CHECK(store->find_peer("s", PeerKind::User, id) == expected);
  }
  REQUIRE(store->flush());
  for (const auto& [id, expected] : model) CHECK(store->find_peer("s", PeerKind::User, id) == expected);
}
