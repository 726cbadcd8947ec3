// Resuming with since: the journal replayed (from memory or SQLite, in chunks), then live with no
// gap and no duplicate while updates keep coming; trimmed journals; restarts.
#include "tests/daemon/stream/stream_harness.hpp"

using namespace tgd;
using namespace tgd::stream;
using namespace tgd::stream::test;

TEST_CASE("since: the journal replayed in chunks from SQLite, then live, while updates keep arriving") {
  StreamOptions options;
  options.replay_chunk = 100;
  options.tail_entries = 50;  // most of the replay comes from SQLite
  StreamHarness h(options);
  h.add_session("alice");
  for (int i = 1; i <= 3000; i += 100) h.publish("alice", i, i + 99);
  h.settle();
  auto c = h.caller(), live = h.caller();
  h.subscribe(c, {}, {{"alice", 10}});
  h.subscribe(live);
  // Publish during the replay: 100 more per loop turn or so.
  int next = 3001;
  REQUIRE(h.spin_until(
      [&] {
        if (next <= 5000) {
          h.publish("alice", next, next + 99);
          next += 100;
        }
        return next > 5000 && c->seqs().size() == 4990;
      },
      std::chrono::seconds(20)));
  h.settle();
  CHECK(c->seqs() == range(11, 5000));  // in order, each once
  CHECK(live->seqs() == range(3001, 5000));
  CHECK(c->count("trimmed") == 0);
}

TEST_CASE("since: 0 replays everything, from the in-memory tail when it holds it") {
  StreamHarness h;
  h.add_session("alice");
  h.add_session("bob");
  h.publish("alice", 1, 5);
  h.publish("bob", 1, 3);
  h.settle();
  auto c = h.caller();
  h.subscribe(c, {}, {{"alice", 0}, {"bob", 2}});
  h.publish("alice", 6, 7);
  REQUIRE(h.spin_until([&] { return c->seqs("alice").size() == 7 && c->seqs("bob").size() == 1; }));
  h.settle();
  CHECK(c->seqs("alice") == range(1, 7));
  CHECK(c->seqs("bob") == range(3, 3));
}

TEST_CASE(
    "since: older than the journal's first entry, a trimmed notice with the first available, then the rest") {
  StreamHarness h;
  h.add_session("alice");
  h.store->set_journal_limits({10, std::chrono::seconds(0)});
  for (int i = 1; i <= 50; i += 5) h.publish("alice", i, i + 4);
  h.settle();
  auto c = h.caller();
  const auto id = h.subscribe(c, Filter{.sessions = {"alice"}}, {{"alice", 3}});
  REQUIRE(h.spin_until([&] { return c->seqs().size() == 10; }));
  REQUIRE(c->notes.size() == 11);
  const Note& notice = c->notes.front();
  CHECK(notice.method == "trimmed");
  CHECK(notice.subscription == id);
  CHECK(notice.session == "alice");
  CHECK(notice.first_available == 41);
  CHECK(notice.text.find(R"("after":3)") != std::string::npos);
  CHECK(c->seqs() == range(41, 50));
}

TEST_CASE("restart: seqs continue after the last journaled one, and since replays across it") {
  StreamHarness h;
  h.add_session("alice");
  h.publish("alice", 1, 5);
  h.settle();
  h.restart();
  CHECK(h.store->committed_journal_seq("alice") == 5);
  auto c = h.caller();
  h.subscribe(c, {}, {{"alice", 4}});
  h.publish("alice", 6, 8);
  REQUIRE(h.spin_until([&] { return c->seqs().size() == 4; }));
  h.settle();
  CHECK(c->seqs() == range(5, 8));
  CHECK(h.store->last_journal_seq("alice") == 8);
}

TEST_CASE("since: a replaying subscriber that does not read is paced, not lagged") {
  StreamOptions options;
  options.subscriber_buffer = 20'000;
  options.replay_chunk = 10;
  StreamHarness h(options);
  h.add_session("alice");
  h.publish("alice", 1, 500);
  h.settle();
  auto c = h.caller();
  c->count_queue = true;
  h.subscribe(c, {}, {{"alice", 0}});
  h.spin_for(100ms);
  const std::size_t got = c->seqs().size();
  CHECK(got > 0);
  CHECK(got < 500);
  CHECK(c->count("lagged") == 0);
  c->queued = 0;  // it read everything
  c->count_queue = false;
  REQUIRE(h.spin_until([&] { return c->seqs().size() == 500; }));
  CHECK(c->seqs() == range(1, 500));
}
