// Sessions, auth keys and peers survive closing and reopening the store; removal cascades; updates.
#include <doctest/doctest.h>

#include "tests/daemon/store/store_test_util.hpp"

using namespace tgd::store;
using namespace tgd::store::test;

TEST_CASE("store: sessions, auth keys and peers round-trip across close and reopen") {
  TempDir dir;
  SessionRow alice = session("alice");
  SessionRow bot = session("bot1", "bot");
  bot.self_user_id.reset();
  bot.state = "logged_out";
  bot.logout_reason = "AUTH_KEY_UNREGISTERED";
  {
    auto store = open_ok(dir.state());
    CHECK(load(*store).empty());
    store->save_session(alice);
    store->save_session(bot);
    store->save_auth_key("alice", auth_key(2, 0xA2));
    store->save_auth_key("alice", auth_key(4, 0xA4));
    store->save_auth_key("bot1", auth_key(1, 0xB1));
    store->save_peers(
        "alice", {peer(777000, PeerKind::User, 111, false, "Telegram"), peer(-5, PeerKind::Chat, 0, false),
                  peer(1234567, PeerKind::Channel, 333, false, "durov_news")});
    CHECK(store->flush());
  }
  auto store = open_ok(dir.state());
  auto sessions = load(*store);
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[0].session == alice);
  CHECK(sessions[1].session == bot);
  REQUIRE(sessions[0].auth_keys.size() == 2);
  CHECK(sessions[0].auth_keys[0] == auth_key(2, 0xA2));
  CHECK(sessions[0].auth_keys[1] == auth_key(4, 0xA4));
  REQUIRE(sessions[1].auth_keys.size() == 1);
  CHECK(sessions[1].auth_keys[0] == auth_key(1, 0xB1));
  CHECK(store->find_peer("alice", PeerKind::User, 777000) ==
        peer(777000, PeerKind::User, 111, false, "Telegram"));
  CHECK(store->find_peer("alice", PeerKind::Chat, -5) == peer(-5, PeerKind::Chat, 0, false));
  CHECK(store->find_peer("alice", PeerKind::Channel, 1234567)->access_hash == 333);
  CHECK_FALSE(store->find_peer("bot1", PeerKind::User, 777000));
  CHECK_FALSE(store->find_peer("alice", PeerKind::Channel, 777000));  // kinds are separate id spaces
}

TEST_CASE("store: saving a session again updates it and keeps its keys and peers") {
  TempDir dir;
  auto store = open_ok(dir.state());
  store->save_session(session("alice"));
  store->save_auth_key("alice", auth_key(2, 1));
  store->save_peers("alice", {peer(1, PeerKind::User, 10, false)});
  SessionRow changed = session("alice");
  changed.main_dc = 4;
  changed.state = "logged_out";
  changed.logout_reason = "SESSION_REVOKED";
  store->save_session(changed);
  AuthKeyRow new_salt = auth_key(2, 1);
  new_salt.server_salt = 42;
  store->save_auth_key("alice", new_salt);
  REQUIRE(store->flush());
  auto sessions = load(*store);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].session == changed);
  REQUIRE(sessions[0].auth_keys.size() == 1);
  CHECK(sessions[0].auth_keys[0].server_salt == 42);
  CHECK(store->find_peer("alice", PeerKind::User, 1));
}

TEST_CASE("store: remove_session removes its auth keys and peers, and only its own") {
  TempDir dir;
  {
    auto store = open_ok(dir.state());
    for (const char* name : {"alice", "bob"}) {
      store->save_session(session(name));
      store->save_auth_key(name, auth_key(2, 7));
      store->save_peers(name, {peer(1, PeerKind::User, 10, false, "same")});
    }
    REQUIRE(store->flush());
    store->remove_session("alice");
    REQUIRE(store->flush());
    store->remove_auth_key("bob", 2);
    store->save_auth_key("bob", auth_key(5, 8));
  }
  auto store = open_ok(dir.state());
  auto sessions = load(*store);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].session.name == "bob");
  REQUIRE(sessions[0].auth_keys.size() == 1);
  CHECK(sessions[0].auth_keys[0].dc_id == 5);
  CHECK_FALSE(store->find_peer("alice", PeerKind::User, 1));
  CHECK_FALSE(store->find_peer_by_username("alice", "same"));
  CHECK(store->find_peer("bob", PeerKind::User, 1));
  RawDb raw(store->database_path());
  CHECK(raw.integer("SELECT count(*) FROM peers WHERE session = 'alice'") == 0);
  CHECK(raw.integer("SELECT count(*) FROM auth_keys WHERE session = 'alice'") == 0);
}

TEST_CASE("store: lookups see queued writes before they are committed (read-your-writes)") {
  TempDir dir;
  auto store = open_ok(dir.state());
  store->save_session(session("alice"));
  store->save_peers("alice", {peer(1, PeerKind::User, 10, false, "first")});
  REQUIRE(store->flush());
  // Queued, maybe not committed yet: answers must already reflect them, with the min rule.
  store->save_peers("alice",
                    {peer(1, PeerKind::User, 99, true, "Renamed"), peer(2, PeerKind::User, 20, true)});
  CHECK(store->find_peer("alice", PeerKind::User, 1)->access_hash == 10);
  CHECK(store->find_peer("alice", PeerKind::User, 2)->access_hash == 20);
  CHECK_FALSE(store->find_peer_by_username("alice", "first"));
  CHECK(store->find_peer_by_username("alice", "renamed")->id == 1);
  store->remove_session("alice");
  CHECK_FALSE(store->find_peer("alice", PeerKind::User, 1));
  CHECK_FALSE(store->find_peer_by_username("alice", "renamed"));
  store->save_session(session("alice"));
  store->save_peers("alice", {peer(3, PeerKind::User, 30, false)});
  CHECK_FALSE(store->find_peer("alice", PeerKind::User, 1));
  CHECK(store->find_peer("alice", PeerKind::User, 3));
  REQUIRE(store->flush());
  CHECK_FALSE(store->find_peer("alice", PeerKind::User, 1));
  CHECK(store->find_peer("alice", PeerKind::User, 3)->access_hash == 30);
  auto stats = store->stats();
  CHECK(stats.batches >= 2);
  CHECK(stats.queued == 0);
  CHECK(stats.last_error.empty());
}
