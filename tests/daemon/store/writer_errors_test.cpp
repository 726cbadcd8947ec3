// Failures on the writer thread are recorded and logged, never crash, and never block shutdown.
#include <doctest/doctest.h>

#include "tests/daemon/store/store_test_util.hpp"

using namespace tgd::store;
using namespace tgd::store::test;

TEST_CASE("writer: rows the database refuses are skipped and recorded, the rest of the batch commits") {
  TempDir dir;
  auto store = open_ok(dir.state());
  store->save_session(session("alice"));
  store->save_peers("ghost",
                    {peer(1, PeerKind::User, 1, false), peer(2, PeerKind::User, 2, false)});  // no session
  store->save_peers("alice", {peer(3, PeerKind::User, 3, false)});
  CHECK(store->flush());
  auto stats = store->stats();
  CHECK(stats.skipped == 2);
  CHECK(stats.last_error.find("session 'ghost'") != std::string::npos);
  CHECK(stats.last_error.find("FOREIGN KEY") != std::string::npos);
  CHECK(store->find_peer("alice", PeerKind::User, 3));
  CHECK_FALSE(store->find_peer("ghost", PeerKind::User, 1));  // neither stored nor still queued
}

TEST_CASE("writer: a full disk fails the commit, keeps the error and the rows, and does not hang close") {
  TempDir dir;
  StoreOptions options;
  options.max_page_count = 16;  // 64 KiB
  auto store = open_ok(dir.state(), options);
  store->save_session(session("alice"));
  REQUIRE(store->flush());
  std::vector<PeerRow> many;
  for (int i = 0; i < 5000; ++i)
    many.push_back(peer(i + 1, PeerKind::User, i, false, "user" + std::to_string(i)));
  store->save_peers("alice", std::move(many));
  CHECK_FALSE(store->flush());
  auto stats = store->stats();
  CHECK(stats.failed_commits >= 1);
  CHECK(stats.last_error.find("full") != std::string::npos);
  CHECK(stats.queued == 5000);                             // kept for the retry
  CHECK(store->find_peer("alice", PeerKind::User, 4000));  // and still answered from the queue
  store.reset();                                           // one more attempt, then gives up: returns
  auto reopened = open_ok(dir.state());
  CHECK(load(*reopened).size() == 1);
  CHECK_FALSE(reopened->find_peer("alice", PeerKind::User, 4000));
}

TEST_CASE("writer: the key bytes never appear in error messages") {
  TempDir dir;
  auto store = open_ok(dir.state());
  AuthKeyRow key = auth_key(2, 'Z');
  store->save_auth_key("nobody", key);  // refused: no such session
  CHECK(store->flush());
  auto stats = store->stats();
  CHECK(stats.skipped == 1);
  CHECK(stats.last_error.find("auth key of session 'nobody' for DC 2") != std::string::npos);
  CHECK(stats.last_error.find("ZZZZ") == std::string::npos);
}
