// End to end: a Ready session's update engine (Session → UpdateDriver → UpdateEngine) against the
// test DC's pushed updates and differences: what reaches the UpdateSink, in which order, how often
// — with pushes dropped, a server-side updatesTooLong, and a restart while messages kept coming.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "tests/e2e/session_harness.hpp"

using namespace tgd;
using namespace tgd::e2e;
using namespace std::chrono_literals;
using session::SessionState;

namespace {

constexpr std::int64_t kBot = 123456;
constexpr const char* kBotToken = "123456:secret-token";

// Journals what it is given the way the daemon's update stream does (consecutive seqs, state in
// the same append), and remembers every update for the checks.
class JournalingSink : public session::UpdateSink {
 public:
  explicit JournalingSink(SessionHarness& h) : h_(h) {}

  void publish(const std::string& session, std::vector<std::string> updates, std::string state) override {
    ++batches;
    std::vector<store::JournalEntry> entries;
    std::int64_t seq = h_.store->last_journal_seq(session);
    for (std::string& u : updates) {
      received.push_back(u);
      entries.push_back({++seq, 0, std::move(u)});
    }
    CHECK(h_.store->append_updates(session, std::move(state), std::move(entries)));
  }
  void forget(const std::string&) override {}
  bool overloaded(const std::string&) const override { return overload; }
  std::vector<std::int64_t> viewed_channels(const std::string& session) const override {
    const auto it = viewed.find(session);
    return it == viewed.end() ? std::vector<std::int64_t>{} : it->second;
  }

  bool overload = false;                                    // the test says when the "journal" is behind
  std::map<std::string, std::vector<std::int64_t>> viewed;  // viewed_channels, by session

  // The texts of the new messages received, in order.
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const std::string& u : received) {
      if (!u.starts_with(R"({"_":"updateNewMessage")")) continue;
      const auto at = u.find(R"("message":")");
      if (at == std::string::npos) continue;
      const auto start = at + 11;
      out.push_back(u.substr(start, u.find('"', start) - start));
    }
    return out;
  }

  std::vector<std::string> received;
  int batches = 0;

 private:
  SessionHarness& h_;
};

// Logs the bot in and waits for its engine's first state (updates.getState answered).
net::awaitable<session::Session*> ready_bot(SessionHarness& h, JournalingSink& sink) {
  session::Session& bot = h.add("bot");
  const auto r = co_await bot.bot_login(kBotToken);
  REQUIRE_MESSAGE(is_state(r, SessionState::Ready), describe(r));
  co_await wait_until([&] { return sink.batches > 0; }, 5s);
  REQUIRE(sink.batches > 0);
  co_return &bot;
}

// A test DC with Bob (a user on DC 1), a session harness publishing to a JournalingSink.
struct UpdatesFixture {
  UpdatesFixture() { h.use_update_sink(&sink); }
  SessionHarness h;
  JournalingSink sink{h};
  const std::int64_t bob = h.world().create_user("9996610002", "Bob").id;
};

}  // namespace

TEST_CASE_FIXTURE(
    UpdatesFixture,
    "a message pushed to a Ready session reaches the update sink once, as a full updateNewMessage") {
  h.run([&]() -> net::awaitable<void> {
    session::Session* bot = co_await ready_bot(h, sink);
    h.dc->send_message(bob, kBot, "hello bot");
    CHECK(co_await wait_until([&] { return !sink.texts().empty(); }, 5s));
    co_await sleep_for(100ms);  // anything late or duplicated would show up now
    CHECK(sink.texts() == std::vector<std::string>{"hello bot"});
    REQUIRE(sink.received.size() == 1);
    const std::string& u = sink.received[0];
    CHECK(u.find(R"("from_id":{"_":"peerUser","user_id":")" + std::to_string(bob) + "\"") !=
          std::string::npos);
    CHECK(u.find(R"("pts_count":1)") != std::string::npos);
    REQUIRE(bot->update_stats());
    CHECK(bot->update_stats()->pushes == 1);
  });
}

TEST_CASE_FIXTURE(UpdatesFixture,
                  "dropped pushes are recovered through getDifference, each message once and in order") {
  h.run([&]() -> net::awaitable<void> {
    session::Session* bot = co_await ready_bot(h, sink);
    h.world().pushes().faults(kBot).drop = 2;
    for (const char* text : {"m1", "m2", "m3"}) h.dc->send_message(bob, kBot, text);
    CHECK(co_await wait_until([&] { return sink.texts().size() >= 3; }, 5s));
    co_await sleep_for(100ms);
    CHECK(sink.texts() == std::vector<std::string>{"m1", "m2", "m3"});
    CHECK(h.world().pushes().stats().dropped == 2);
    CHECK(bot->update_stats()->requests >= 2);  // getState, then getDifference
  });
}

TEST_CASE_FIXTURE(
    UpdatesFixture,
    "while the update sink is overloaded pushes are shed, then fetched by getDifference in order") {
  h.run([&]() -> net::awaitable<void> {
    session::Session* bot = co_await ready_bot(h, sink);
    sink.overload = true;
    for (const char* text : {"s1", "s2", "s3"}) h.dc->send_message(bob, kBot, text);
    CHECK(co_await wait_until([&] { return bot->update_stats()->shed == 3; }, 5s));
    co_await sleep_for(50ms);
    CHECK(sink.texts().empty());  // nothing kept while overloaded, not even in the engine
    sink.overload = false;
    CHECK(co_await wait_until([&] { return sink.texts().size() >= 3; }, 5s));
    co_await sleep_for(100ms);
    CHECK(sink.texts() == std::vector<std::string>{"s1", "s2", "s3"});
  });
}

TEST_CASE_FIXTURE(UpdatesFixture, "updatesTooLong from the server makes the session fetch what it missed") {
  h.run([&]() -> net::awaitable<void> {
    co_await ready_bot(h, sink);
    h.world().pushes().faults(kBot).drop = 5;
    for (int i = 1; i <= 5; ++i) h.dc->send_message(bob, kBot, "lost " + std::to_string(i));
    co_await sleep_for(50ms);
    CHECK(sink.texts().empty());  // nothing pushed, and no gap seen yet
    h.world().pushes().too_long(kBot);
    CHECK(co_await wait_until([&] { return sink.texts().size() >= 5; }, 5s));
    co_await sleep_for(100ms);
    CHECK(sink.texts() == std::vector<std::string>{"lost 1", "lost 2", "lost 3", "lost 4", "lost 5"});
  });
}

TEST_CASE_FIXTURE(UpdatesFixture,
                  "a restarted session catches up from its journaled state: nothing lost, nothing twice") {
  h.run([&]() -> net::awaitable<void> {
    co_await ready_bot(h, sink);
    h.dc->send_message(bob, kBot, "before");
    CHECK(co_await wait_until([&] { return sink.texts().size() == 1; }, 5s));
  });
  h.restart();
  // While tgd is down.
  for (const char* text : {"while down 1", "while down 2"}) h.dc->send_message(bob, kBot, text);
  h.run([&]() -> net::awaitable<void> {
    const bool caught_up = co_await wait_until([&] { return sink.texts().size() >= 3; }, 3s);
    session::Session* bot = h.manager->find("bot");
    REQUIRE(bot != nullptr);
    INFO("received: ", sink.received.size(), " state: ", session::to_string(bot->state()),
         " driver: ", bot->update_stats().has_value());
    if (bot->update_stats())
      INFO("requests: ", bot->update_stats()->requests, " failures: ", bot->update_stats()->request_failures);
    CHECK(caught_up);
    h.dc->send_message(bob, kBot, "after");
    CHECK(co_await wait_until([&] { return sink.texts().size() >= 4; }, 5s));
    co_await sleep_for(100ms);
    CHECK(sink.texts() == std::vector<std::string>{"before", "while down 1", "while down 2", "after"});
  });
  REQUIRE(h.store->flush());
  auto range = h.store->journal_range("bot");
  REQUIRE(std::holds_alternative<store::JournalRange>(range));
  CHECK(std::get<store::JournalRange>(range).last == static_cast<std::int64_t>(sink.received.size()));
}

// Alice owns a public channel; Carol (a user session on DC 1) joins it and gets its posts.
struct ChannelFixture : UpdatesFixture {
  testdc::Account& alice = h.world().create_user("9996610004", "Alice");
  testdc::Account& carol_account = h.world().create_user("9996610003", "Carol");
  testdc::Channel& channel = h.world().new_channel(alice.id, "News", "", /*megagroup=*/false);
  session::Session* owner = nullptr;
  session::Session* carol = nullptr;
  int random_id = 0;

  // Both sessions Ready, Carol a member of the channel.
  net::awaitable<void> join() {
    channel.username = "tgdnews";
    owner = &h.add("alice");
    auto r = co_await owner->phone_login("9996610004");
    r = co_await owner->complete_phone_login("11111");
    REQUIRE_MESSAGE(is_state(r, SessionState::Ready), describe(r));
    carol = &h.add("carol");
    r = co_await carol->phone_login("9996610003");
    r = co_await carol->complete_phone_login("11111");
    REQUIRE_MESSAGE(is_state(r, SessionState::Ready), describe(r));
    CHECK(co_await wait_until([&] { return sink.batches >= 2; }, 5s));  // both engines have a state
    const auto resolved = co_await carol->call("contacts.resolveUsername", R"({"username":"tgdnews"})");
    REQUIRE_MESSAGE(std::holds_alternative<std::string>(resolved), describe(resolved));
    const std::string& json = std::get<std::string>(resolved);
    const auto hash_at = json.find(R"("access_hash":")", json.find(R"("_":"channel")"));
    REQUIRE(hash_at != std::string::npos);
    const std::string hash = json.substr(hash_at + 15, json.find('"', hash_at + 15) - hash_at - 15);
    const auto joined = co_await carol->call(
        "channels.joinChannel", R"({"channel":{"_":"inputChannel","channel_id":")" +
                                    std::to_string(channel.id) + R"(","access_hash":")" + hash + R"("}})");
    REQUIRE_MESSAGE(std::holds_alternative<std::string>(joined), describe(joined));
  }

  net::awaitable<void> post(const std::string& text) {
    const std::string peer = R"({"_":"inputPeerChannel","channel_id":")" + std::to_string(channel.id) +
                             R"(","access_hash":")" +
                             std::to_string(h.world().access_hash(
                                 alice.id, testdc::PeerRef{testdc::PeerRef::Kind::kChannel, channel.id})) +
                             R"("})";
    const auto sent = co_await owner->call("messages.sendMessage", R"({"peer":)" + peer + R"(,"message":")" +
                                                                       text + R"(","random_id":")" +
                                                                       std::to_string(++random_id) + R"("})");
    REQUIRE_MESSAGE(std::holds_alternative<std::string>(sent), describe(sent));
  }

  // The channel posts Carol received, in order.
  std::vector<std::string> carol_texts() const {
    std::vector<std::string> out;
    for (const std::string& u : sink.received) {
      if (!u.starts_with(R"({"_":"updateNewChannelMessage")")) continue;
      if (u.find(R"("out":true)") != std::string::npos) continue;  // Alice's own copies
      const auto at = u.find(R"("message":")");
      out.push_back(u.substr(at + 11, u.find('"', at + 11) - at - 11));
    }
    return out;
  }
};

TEST_CASE_FIXTURE(ChannelFixture,
                  "a member's channel gap is filled by getChannelDifference for that channel") {
  h.run(
      [&]() -> net::awaitable<void> {
        co_await join();
        co_await post("c1");
        CHECK(co_await wait_until([&] { return carol_texts().size() == 1; }, 5s));
        // The next two posts never reach Carol; the third shows the gap.
        h.world().pushes().faults(carol_account.id).drop = 2;
        co_await post("c2");
        co_await post("c3");
        co_await post("c4");
        CHECK(co_await wait_until([&] { return carol_texts().size() >= 4; }, 5s));
        co_await sleep_for(100ms);
        CHECK(carol_texts() == std::vector<std::string>{"c1", "c2", "c3", "c4"});
        REQUIRE(carol->update_stats());
        CHECK(carol->update_stats()->requests >= 2);  // getState, then the channel's difference
      },
      20s);
}

TEST_CASE_FIXTURE(ChannelFixture,
                  "a viewed channel whose pushes stop is polled at the server's timeout, and no longer once "
                  "nobody views it") {
  testdc::UpdateOptions options;
  options.channel_difference_timeout = 1;  // seconds: "poll again in 1 s"
  h.world().set_update_options(options);
  h.run(
      [&]() -> net::awaitable<void> {
        sink.viewed["carol"] = {channel.id};
        co_await join();
        co_await post("c1");  // tracking starts with it; then the channel is fetched and polled
        CHECK(co_await wait_until([&] { return carol_texts().size() == 1; }, 5s));
        // The server stops pushing to Carol altogether: no gap ever shows, only polls find posts.
        h.world().pushes().faults(carol_account.id).drop = 1'000'000;
        co_await post("c2");
        co_await post("c3");
        CHECK(co_await wait_until([&] { return carol_texts().size() >= 3; }, 5s));
        CHECK(carol_texts() == std::vector<std::string>{"c1", "c2", "c3"});
        // Nobody views it any more: the next tick stops the polls.
        sink.viewed.clear();
        co_await sleep_for(1500ms);
        const auto requests = carol->update_stats()->requests;
        co_await post("c4");
        co_await sleep_for(2500ms);
        CHECK(carol->update_stats()->requests == requests);
        CHECK(carol_texts() == std::vector<std::string>{"c1", "c2", "c3"});
      },
      20s);
}

TEST_CASE_FIXTURE(UpdatesFixture,
                  "differenceTooLong: a gap marker where the server forgot, then the stream goes on") {
  testdc::UpdateOptions bounds;
  bounds.account_log_limit = 5;  // the test DC keeps 5 events per box for getDifference
  bounds.difference_slice = 3;   // and answers in slices of 3
  h.world().set_update_options(bounds);
  const auto is_marker = [](const std::string& u) {
    return u.starts_with(R"({"_":"tgd.updatesGap","reason":"differenceTooLong")");
  };
  h.run([&]() -> net::awaitable<void> {
    co_await ready_bot(h, sink);
    h.dc->send_message(bob, kBot, "seen");
    CHECK(co_await wait_until([&] { return sink.texts().size() == 1; }, 5s));
    // 10 messages the bot never gets pushed, then one that shows the gap: the server's log no
    // longer reaches back, so getDifference answers differenceTooLong.
    h.world().pushes().faults(kBot).drop = 10;
    for (int i = 1; i <= 10; ++i) h.dc->send_message(bob, kBot, "lost " + std::to_string(i));
    h.dc->send_message(bob, kBot, "shows the gap");
    CHECK(co_await wait_until(
        [&] { return std::any_of(sink.received.begin(), sink.received.end(), is_marker); }, 5s));
    // The marker covers the range the server skipped; the message that showed the gap was in hand
    // and follows it; nothing is invented, and the stream goes on from the server's state.
    h.dc->send_message(bob, kBot, "after");
    CHECK(co_await wait_until([&] { return !sink.texts().empty() && sink.texts().back() == "after"; }, 5s));
    co_await sleep_for(100ms);
    CHECK(std::count_if(sink.received.begin(), sink.received.end(), is_marker) == 1);
    CHECK(sink.texts() == std::vector<std::string>{"seen", "shows the gap", "after"});
    const auto marker = std::find_if(sink.received.begin(), sink.received.end(), is_marker);
    const auto shown = std::find_if(sink.received.begin(), sink.received.end(), [](const std::string& u) {
      return u.find(R"("message":"shows the gap")") != std::string::npos;
    });
    CHECK(marker < shown);
  });
}
