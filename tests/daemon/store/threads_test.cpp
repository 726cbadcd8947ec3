// Every member function may be called from any thread (the daemon uses one, tools may use more).
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "tests/daemon/store/store_test_util.hpp"

using namespace tgd::store;
using namespace tgd::store::test;

TEST_CASE("threads: writes and lookups from four threads at once all land, each thread reading its writes") {
  TempDir dir;
  auto store = open_ok(dir.state());
  constexpr int kThreads = 4, kRounds = 200;
  for (int t = 0; t < kThreads; ++t) store->save_session(session("s" + std::to_string(t)));
  std::vector<std::thread> threads;
  std::vector<int> misses(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string name = "s" + std::to_string(t);
      for (int i = 0; i < kRounds; ++i) {
        store->save_peers(name, {peer(i, PeerKind::User, i * 10, false, "u" + std::to_string(i))});
        if (i % 20 == 0) store->save_auth_key(name, auth_key(2, static_cast<std::uint8_t>(i)));
        auto row = store->find_peer(name, PeerKind::User, i);
        if (!row || row->access_hash != i * 10) ++misses[t];
        if (i % 50 == 0) (void)store->find_peer_by_username(name, "U" + std::to_string(i / 2));
        if (i % 64 == 0) (void)store->stats();
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(store->flush());
  for (int t = 0; t < kThreads; ++t) {
    CHECK(misses[t] == 0);
    const std::string name = "s" + std::to_string(t);
    for (int i = 0; i < kRounds; i += 17)
      CHECK(store->find_peer(name, PeerKind::User, i)->access_hash == i * 10);
  }
  CHECK(load(*store).size() == kThreads);
  CHECK(store->stats().last_error.empty());
}
