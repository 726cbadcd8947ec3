// getUpdates: offset and limit, the default offset, long polls woken by a commit, timing out, and
// cancelled.
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tests/daemon/stream/stream_harness.hpp"

using namespace tgd;
using namespace tgd::stream;
using namespace tgd::stream::test;
namespace asio = boost::asio;

namespace {

struct Page {
  std::vector<std::int64_t> seqs;
  std::int64_t next_offset = 0;
  std::int64_t first_available = 0;
  std::string text;
};

Page parse(const std::optional<std::string>& json) {
  REQUIRE(json.has_value());
  Page p;
  p.text = *json;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(*json).get(root) == simdjson::SUCCESS);
  for (simdjson::dom::element u : root["updates"].get_array()) {
    std::string_view session;
    REQUIRE(u["session"].get(session) == simdjson::SUCCESS);
    CHECK(session == "alice");
    p.seqs.push_back(u["seq"].get_int64().value());
    CHECK(u["update"]["_"].get_string().value() == "updateNewMessage");
  }
  p.next_offset = root["next_offset"].get_int64().value();
  if (root["first_available"].get(p.first_available)) {
  }
  return p;
}

// A page of alice's getUpdates. Scalars only: g++ 12 mishandles owning temporaries next to co_await.
asio::awaitable<Page> pull(UpdateStream& stream, std::optional<std::int64_t> offset, std::size_t limit = 100,
                           std::chrono::milliseconds timeout = 0ms) {
  PullRequest request;
  request.session = "alice";
  request.offset = offset;
  request.limit = limit;
  request.timeout = timeout;
  std::optional<std::string> json = co_await stream.get_updates(std::move(request));
  co_return parse(json);
}

}  // namespace

TEST_CASE("getUpdates: offset and limit, the default offset is the next update, from memory or SQLite") {
  StreamOptions options;
  options.tail_entries = 5;
  StreamHarness h(options);
  h.add_session("alice");
  h.publish("alice", 1, 20);
  h.settle();
  h.run([&]() -> asio::awaitable<void> {
    Page p = co_await pull(*h.stream, 3, 4);
    CHECK(p.seqs == range(3, 6));  // from SQLite
    CHECK(p.next_offset == 7);
    p = co_await pull(*h.stream, 18);
    CHECK(p.seqs == range(18, 20));  // from the tail
    CHECK(p.next_offset == 21);
    p = co_await pull(*h.stream, std::nullopt);
    CHECK(p.seqs.empty());
    CHECK(p.next_offset == 21);
    p = co_await pull(*h.stream, -2);
    CHECK(p.seqs == range(19, 20));
    CHECK(p.text == R"({"updates":[{"session":"alice","seq":19,"update":)" + message_update(19) +
                        R"(},{"session":"alice","seq":20,"update":)" + message_update(20) +
                        R"(}],"next_offset":21})");
  });
}

TEST_CASE("getUpdates: a long poll is woken by the commit of the first new update, another times out") {
  StreamHarness h;
  h.add_session("alice");
  asio::steady_timer later(h.io);
  later.expires_after(50ms);
  later.async_wait([&](const boost::system::error_code&) { h.publish("alice", 1, 2); });
  h.run([&]() -> asio::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    Page p = co_await pull(*h.stream, std::nullopt, 100, 5s);
    CHECK(p.seqs == range(1, 2));
    CHECK(p.next_offset == 3);
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    const auto second = std::chrono::steady_clock::now();
    p = co_await pull(*h.stream, 3, 100, 100ms);
    CHECK(p.seqs.empty());
    CHECK(p.next_offset == 3);
    CHECK(std::chrono::steady_clock::now() - second >= 100ms);
  });
}

TEST_CASE("getUpdates: a long poll ends at once when its coroutine is cancelled (client gone)") {
  StreamHarness h;
  h.add_session("alice");
  asio::cancellation_signal signal;
  bool done = false;
  std::optional<std::string> result = std::string("not set");
  asio::co_spawn(
      h.io,
      [&]() -> asio::awaitable<void> {
        PullRequest request;
        request.session = "alice";
        request.timeout = 30s;
        result = co_await h.stream->get_updates(std::move(request));
      },
      asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr) { done = true; }));
  h.spin_for(20ms);
  CHECK_FALSE(done);
  const auto start = std::chrono::steady_clock::now();
  signal.emit(asio::cancellation_type::terminal);
  REQUIRE(h.spin_until([&] { return done; }, 2s));
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  CHECK_FALSE(result.has_value());
}

TEST_CASE("getUpdates: an offset older than the journal gives the first available entries and says so") {
  StreamHarness h;
  h.add_session("alice");
  h.store->set_journal_limits({5, std::chrono::seconds(0)});
  for (int i = 1; i <= 20; i += 5) h.publish("alice", i, i + 4);
  h.settle();
  h.run([&]() -> asio::awaitable<void> {
    Page p = co_await pull(*h.stream, 1, 3);
    CHECK(p.seqs == range(16, 18));
    CHECK(p.first_available == 16);
    CHECK(p.next_offset == 19);
  });
}
