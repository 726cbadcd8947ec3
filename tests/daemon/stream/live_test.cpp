// Live delivery: only committed updates, consecutive seqs per session, filters, lagging,
// unsubscribe, callers that go away, forget.
#include "tests/daemon/stream/stream_harness.hpp"

using namespace tgd;
using namespace tgd::stream;
using namespace tgd::stream::test;

TEST_CASE("live: updates reach a subscriber only once committed, with consecutive seqs per session") {
  StreamHarness h;
  h.add_session("alice");
  h.add_session("bob");
  auto c = h.caller();
  const auto id = h.subscribe(c);
  h.publish("alice", 1, 3);
  h.publish("bob", 1, 2);
  CHECK(c->notes.empty());  // nothing before the commit, which the loop hears of later
  h.publish("alice", 4, 5);
  h.stream->publish("alice", {}, state(5));  // a state change only: no seq used
  h.publish("alice", 6, 6);
  REQUIRE(h.spin_until([&] { return c->seqs("alice").size() == 6 && c->seqs("bob").size() == 2; }));
  CHECK(c->seqs("alice") == range(1, 6));
  CHECK(c->seqs("bob") == range(1, 2));
  for (const Note& n : c->notes) {
    CHECK(n.subscription == id);
    CHECK(n.committed_then >= n.seq);  // queued only once durable
    CHECK(n.type == "updateNewMessage");
  }
  CHECK(h.store->last_journal_seq("alice") == 6);
  CHECK(h.stream->stats().notified == 8);
  // The notification's exact form.
  CHECK(c->notes.front().text.starts_with(R"({"jsonrpc":"2.0","method":"update","params":{"subscription":)" +
                                          std::to_string(id) + R"(,"session":)"));
  CHECK(c->notes.front().text.find(R"("seq":1,"update":{"_":"updateNewMessage")") != std::string::npos);
}

TEST_CASE("live: subscribers with different filters by session, type and Bot-API peer") {
  StreamHarness h;
  h.add_session("alice");
  h.add_session("bob");
  auto all = h.caller(), bob = h.caller(), channel = h.caller(), user = h.caller(), gaps = h.caller();
  h.subscribe(all);
  h.subscribe(bob, Filter{.sessions = {"bob"}});
  h.subscribe(channel, Filter{.types = {"updateNewChannelMessage"}});
  h.subscribe(user, Filter{.peers = {42}});
  h.subscribe(gaps, Filter{.types = {"tgd.updatesGap"}, .peers = {42}});
  h.publish("alice", 1, 2, 777);     // seqs 1-2: user 777
  h.publish("alice", 3, 3, 42);      // seq 3: user 42
  h.publish("alice", 4, 4, 0, 900);  // seq 4: channel 900
  h.publish("bob", 1, 1, 42);        // bob 1: user 42
  h.stream->publish("alice",
                    {R"({"_":"tgd.updatesGap","reason":"stateReset","box":"common","from_pts":100})"},
                    state(4));  // seq 5: a marker naming no chat
  REQUIRE(h.spin_until([&] { return all->notes.size() == 6; }));
  h.spin_for(20ms);
  CHECK(all->seqs("alice") == range(1, 5));
  CHECK(bob->seqs("alice").empty());
  CHECK(bob->seqs("bob") == range(1, 1));
  CHECK(channel->seqs("alice") == std::vector<std::int64_t>{4});
  CHECK(channel->notes.size() == 1);
  CHECK(user->seqs("alice") == std::vector<std::int64_t>{3, 5});  // the marker concerns every chat
  CHECK(user->seqs("bob") == std::vector<std::int64_t>{1});
  REQUIRE(gaps->notes.size() == 1);
  CHECK(gaps->notes[0].type == "tgd.updatesGap");
  CHECK(gaps->notes[0].seq == 5);
  // -100… ids are channels.
  auto ch = h.caller();
  h.subscribe(ch, Filter{.peers = {-1000000000900}});
  h.publish("alice", 6, 6, 0, 900);
  REQUIRE(h.spin_until([&] { return !ch->notes.empty(); }));
  CHECK(ch->seqs("alice") == std::vector<std::int64_t>{6});
}

TEST_CASE(
    "live: a subscriber whose full buffer does not drain within lag_timeout gets lagged with resume_after, "
    "others go on, resuming fills the rest") {
  StreamOptions options;
  options.subscriber_buffer = 4000;  // a few notifications
  options.lag_timeout = 100ms;
  StreamHarness h(options);
  h.add_session("alice");
  auto slow = h.caller(), fast = h.caller();
  slow->count_queue = true;  // never reads
  const auto slow_id = h.subscribe(slow);
  h.subscribe(fast);
  h.spin_for(5ms);
  for (int i = 1; i <= 100; i += 10) h.publish("alice", i, i + 9);
  const auto published = std::chrono::steady_clock::now();
  REQUIRE(h.spin_until([&] { return fast->seqs().size() == 100; }));
  CHECK(fast->seqs() == range(1, 100));
  REQUIRE(h.spin_until([&] { return slow->count("lagged") == 1; }));
  CHECK(std::chrono::steady_clock::now() - published >= 100ms);  // it had lag_timeout to drain
  CHECK(h.stream->stats().paced >= 1);
  const Note& lagged = slow->notes.back();
  CHECK(lagged.method == "lagged");
  CHECK(lagged.subscription == slow_id);
  CHECK(lagged.session == "alice");
  const std::int64_t resume = lagged.resume_after;
  CHECK(resume == static_cast<std::int64_t>(slow->seqs().size()));
  CHECK(slow->seqs() == range(1, resume));
  CHECK(lagged.text.find(R"("since":{"alice":)" + std::to_string(resume) + "}") != std::string::npos);
  CHECK(h.stream->stats().lagged == 1);
  CHECK(h.stream->stats().subscriptions == 1);
  h.publish("alice", 101, 101);
  REQUIRE(h.spin_until([&] { return fast->seqs().size() == 101; }));
  CHECK(slow->count("update") == static_cast<std::size_t>(resume));  // ended: nothing more
  // The client reads its queue and resumes from where it was: the rest, exactly once.
  slow->count_queue = false;
  slow->queued = 0;
  h.subscribe(slow, {}, {{"alice", resume}});
  REQUIRE(h.spin_until([&] { return slow->seqs().size() == 101; }));
  CHECK(slow->seqs() == range(1, 101));
}

TEST_CASE(
    "live: a burst bigger than the buffer reaches a reader that keeps up whole and in order, paced, not "
    "lagged, and delivery goes live again") {
  StreamOptions options;
  options.subscriber_buffer = 4000;  // a few notifications
  options.lag_timeout = 50ms;
  StreamHarness h(options);
  h.add_session("alice");
  auto reader = h.caller();
  reader->count_queue = true;
  h.subscribe(reader);
  h.spin_for(5ms);
  h.publish("alice", 1, 300);  // one commit, ~100 times the buffer
  // The reader empties its queue every few milliseconds: far more often than lag_timeout.
  REQUIRE(h.spin_until([&] {
    h.spin_for(2ms);
    reader->queued = 0;
    return reader->seqs().size() == 300;
  }));
  CHECK(reader->seqs() == range(1, 300));
  CHECK(reader->count("lagged") == 0);
  CHECK(h.stream->stats().paced >= 1);
  CHECK(h.stream->stats().lagged == 0);
  // Caught up: the next commit is delivered live, once.
  const auto paced = h.stream->stats().paced;
  h.publish("alice", 301, 301);
  REQUIRE(h.spin_until([&] { return reader->seqs().size() == 301; }));
  h.settle();
  CHECK(reader->seqs() == range(1, 301));
  CHECK(h.stream->stats().paced == paced);
}

TEST_CASE("live: unsubscribe stops delivery, only on the subscription's own connection") {
  StreamHarness h;
  h.add_session("alice");
  auto c = h.caller(), other = h.caller();
  const auto id = h.subscribe(c);
  h.publish("alice", 1, 1);
  REQUIRE(h.spin_until([&] { return c->seqs().size() == 1; }));
  CHECK_FALSE(h.stream->unsubscribe(id, other->connection_id()));
  CHECK(h.stream->unsubscribe(id, c->connection_id()));
  CHECK_FALSE(h.stream->unsubscribe(id, c->connection_id()));
  h.publish("alice", 2, 2);
  h.settle();
  CHECK(c->seqs() == range(1, 1));
  CHECK(h.stream->stats().subscriptions == 0);
}

TEST_CASE("live: a caller that went away is dropped, an HTTP-like caller is refused") {
  StreamHarness h;
  h.add_session("alice");
  auto gone = h.caller(), stays = h.caller(), http = h.caller();
  h.subscribe(gone);
  h.subscribe(stays);
  http->push = false;
  auto refused = h.stream->subscribe({}, {}, http);
  CHECK(std::holds_alternative<std::string>(refused));
  CHECK(std::holds_alternative<std::string>(h.stream->subscribe({}, {}, nullptr)));
  h.publish("alice", 1, 1);
  REQUIRE(h.spin_until([&] { return stays->seqs().size() == 1; }));
  gone->open = false;
  h.publish("alice", 2, 2);
  REQUIRE(h.spin_until([&] { return stays->seqs().size() == 2; }));
  CHECK(gone->seqs() == range(1, 1));
  CHECK(h.stream->stats().subscriptions == 1);
  CHECK(h.stream->stats().dropped == 1);
}

TEST_CASE("subscribe: since is checked against the sessions and the journal") {
  StreamHarness h;
  h.add_session("alice");
  h.publish("alice", 1, 3);
  h.settle();
  auto c = h.caller();
  const auto error = [&](Filter f, Cursors since) {
    auto r = h.stream->subscribe(std::move(f), std::move(since), c);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("accepted");
  };
  CHECK(error({}, {{"alice", 4}}).find("past the session's last seq (3)") != std::string::npos);
  CHECK(error({}, {{"alice", -1}}).find("0 or more") != std::string::npos);
  CHECK(error(Filter{.sessions = {"bob"}}, {{"alice", 1}}).find("not among the subscribed") !=
        std::string::npos);
  CHECK(error({}, {{"alice", 3}}) == "accepted");
}

TEST_CASE("forget: a removed session's tail and cursors go, and its seqs start over in a new journal") {
  StreamHarness h;
  h.add_session("alice");
  auto c = h.caller();
  h.subscribe(c);
  h.publish("alice", 1, 2);
  REQUIRE(h.spin_until([&] { return c->seqs().size() == 2; }));
  h.stream->forget("alice");
  h.store->remove_session("alice");
  h.add_session("alice");
  h.settle();
  h.publish("alice", 1, 1);
  REQUIRE(h.spin_until([&] { return c->seqs().size() == 3; }));
  CHECK(c->seqs().back() == h.store->last_journal_seq("alice"));
}

TEST_CASE("live: viewed_channels are the channels in the peer filters of open subscriptions to the session") {
  StreamHarness h;
  h.add_session("alice");
  h.add_session("bob");
  auto a = h.caller(), b = h.caller(), users = h.caller();
  const auto a_id = h.subscribe(a, Filter{.peers = {-1000000000900, -1000000000901, 42}});
  h.subscribe(b, Filter{.sessions = {"bob"}, .peers = {-1000000000902, -1000000000900}});
  h.subscribe(users, Filter{.peers = {42, -7}});  // a user and a basic chat: nothing to poll
  CHECK(h.stream->viewed_channels("alice") == std::vector<std::int64_t>{900, 901});
  CHECK(h.stream->viewed_channels("bob") == std::vector<std::int64_t>{900, 901, 902});
  b->open = false;  // its connection went: not viewed any more, even before it is noticed
  CHECK(h.stream->viewed_channels("bob") == std::vector<std::int64_t>{900, 901});
  CHECK(h.stream->unsubscribe(a_id, a->connection_id()));
  CHECK(h.stream->viewed_channels("alice").empty());
}

TEST_CASE(
    "session_stats: subscriptions per session, a paced subscriber's lag, and the released updates' age") {
  StreamOptions options;
  options.subscriber_buffer = 4000;  // a few notifications
  options.lag_timeout = 10s;         // stays subscribed (and behind) while the test looks
  StreamHarness h(options);
  h.add_session("alice");
  h.add_session("bob");
  CHECK(h.stream->session_stats("alice").subscriptions == 0);
  auto slow = h.caller(), fast = h.caller();
  slow->count_queue = true;  // never reads
  h.subscribe(slow, {.sessions = {"alice"}});
  h.subscribe(fast);
  h.spin_for(5ms);
  for (int i = 1; i <= 100; i += 10) h.publish("alice", i, i + 9);
  REQUIRE(h.spin_until([&] { return fast->seqs().size() == 100; }));
  const SessionStreamStats alice = h.stream->session_stats("alice");
  CHECK(alice.released == 100);
  CHECK(alice.subscriptions == 2);
  const auto sent = static_cast<std::int64_t>(slow->seqs().size());
  CHECK(sent < 100);
  CHECK(alice.max_lag == 100 - sent);  // the fast one is not behind
  CHECK(alice.total_lag == alice.max_lag);
  // message_update's date is in 2023: every update was over a day old when released.
  CHECK(alice.update_lag.count() == 100);
  CHECK(alice.update_lag.buckets.back() == 100);
  CHECK(alice.update_lag.sum > 100 * 86400.0);
  const SessionStreamStats bob = h.stream->session_stats("bob");
  CHECK(bob.subscriptions == 1);  // only the one without a session filter
  CHECK(bob.max_lag == 0);
  CHECK(bob.update_lag.count() == 0);
  // An update without a date is not counted.
  h.stream->publish("bob", {R"({"_":"updateUserStatus","user_id":"5","status":{"_":"userStatusEmpty"}})"},
                    state(1));
  REQUIRE(h.spin_until([&] { return fast->seqs("bob").size() == 1; }));
  CHECK(h.stream->session_stats("bob").released == 1);
  CHECK(h.stream->session_stats("bob").update_lag.count() == 0);
}
