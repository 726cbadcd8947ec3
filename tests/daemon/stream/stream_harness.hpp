#pragma once
// UpdateStream over a real Store in a temporary directory, on an io_context the test spins, with
// fake JSON-RPC callers that record their notifications.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/store/store.hpp"
#include "daemon/stream/update_stream.hpp"
#include "tests/support/temp_dir.hpp"

namespace tgd::stream::test {

using namespace std::chrono_literals;

// A message update in `session`'s chat with user `user` (or a channel when channel != 0).
inline std::string message_update(int id, std::int64_t user = 777, std::int64_t channel = 0) {
  const std::string peer = channel != 0
                               ? R"({"_":"peerChannel","channel_id":")" + std::to_string(channel) + R"("})"
                               : R"({"_":"peerUser","user_id":")" + std::to_string(user) + R"("})";
  return std::string(R"({"_":")") + (channel != 0 ? "updateNewChannelMessage" : "updateNewMessage") +
         R"(","message":{"_":"message","id":)" + std::to_string(id) + R"(,"peer_id":)" + peer +
         R"(,"date":1700000000,"message":"m)" + std::to_string(id) + R"("},"pts":)" + std::to_string(id) +
         R"(,"pts_count":1})";
}

inline std::string state(int pts) {
  return R"({"pts":)" + std::to_string(pts) + R"(,"qts":0,"date":0,"seq":0})";
}

// One received notification, parsed.
struct Note {
  std::string method;
  std::uint64_t subscription = 0;
  std::string session;
  std::int64_t seq = 0;              // update
  std::string type;                  // update's "_"
  std::int64_t resume_after = -1;    // lagged
  std::int64_t first_available = 0;  // trimmed
  std::int64_t committed_then = 0;   // the store's committed seq when it was queued
  std::string text;
};

class FakeCaller : public rpc::Caller {
 public:
  FakeCaller(std::uint64_t id, store::Store& store) : id_(id), store_(store) {}
  std::uint64_t connection_id() const override { return id_; }
  bool notify(std::string notification) override {
    if (!open || !push) return false;
    if (count_queue) queued += notification.size();
    Note n;
    n.text = notification;
    simdjson::dom::element root;
    REQUIRE(parser_.parse(notification).get(root) == simdjson::SUCCESS);
    std::string_view s;
    if (root["method"].get(s)) {
    }
    n.method = std::string(s);
    simdjson::dom::element p = root["params"];
    if (p["subscription"].get(n.subscription)) {
    }
    if (p["session"].get(s) == simdjson::SUCCESS) n.session = std::string(s);
    if (p["seq"].get(n.seq)) {
    }
    if (p["resume_after"].get(n.resume_after)) {
    }
    if (p["first_available"].get(n.first_available)) {
    }
    if (p["update"]["_"].get(s) == simdjson::SUCCESS) n.type = std::string(s);
    n.committed_then = store_.committed_journal_seq(n.session);
    notes.push_back(std::move(n));
    return true;
  }
  bool alive() const override { return open; }
  bool can_notify() const override { return open && push; }
  std::size_t queued_bytes() const override { return queued; }

  // The seqs of `session`'s update notifications, in arrival order.
  std::vector<std::int64_t> seqs(std::string_view session = "alice") const {
    std::vector<std::int64_t> out;
    for (const Note& n : notes) {
      if (n.method == "update" && n.session == session) out.push_back(n.seq);
    }
    return out;
  }
  std::size_t count(std::string_view method) const {
    std::size_t c = 0;
    for (const Note& n : notes) c += n.method == method ? 1 : 0;
    return c;
  }

  bool open = true;
  bool push = true;
  bool count_queue = false;  // every notification adds its size to queued (a reader that never reads)
  std::size_t queued = 0;
  std::vector<Note> notes;

 private:
  std::uint64_t id_;
  store::Store& store_;
  simdjson::dom::parser parser_;
};

inline std::vector<std::int64_t> range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (std::int64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

class StreamHarness {
 public:
  explicit StreamHarness(StreamOptions options = {}) : options_(options) { open(); }
  ~StreamHarness() { close(); }

  // Sessions must exist in the store before their journal.
  void add_session(const std::string& name) {
    store::SessionRow row;
    row.name = name;
    row.kind = "user";
    row.state = "ready";
    store->save_session(row);
  }

  std::shared_ptr<FakeCaller> caller() { return std::make_shared<FakeCaller>(next_connection_++, *store); }

  // Publishes updates with ids first..last (one batch).
  void publish(const std::string& session, int first, int last, std::int64_t user = 777,
               std::int64_t channel = 0) {
    std::vector<std::string> updates;
    for (int i = first; i <= last; ++i) updates.push_back(message_update(i, user, channel));
    stream->publish(session, std::move(updates), state(last));
  }

  std::uint64_t subscribe(const std::shared_ptr<FakeCaller>& c, Filter filter = {}, Cursors since = {}) {
    auto r = stream->subscribe(std::move(filter), std::move(since), c);
    REQUIRE_MESSAGE(std::holds_alternative<std::uint64_t>(r),
                    (std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : ""));
    return std::get<std::uint64_t>(r);
  }

  // Runs the loop until `done` holds (false when `limit` passed first).
  bool spin_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io.run_for(1ms);
    }
    return true;
  }
  void spin_for(std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) io.run_for(1ms);
  }
  // Everything published is committed and released.
  void settle() {
    REQUIRE(store->flush());
    spin_for(20ms);
  }

  // Runs a coroutine to completion.
  template <class F>
  void run(F body, std::chrono::milliseconds limit = 10s) {
    bool done = false;
    std::exception_ptr error;
    boost::asio::co_spawn(io, body(), [&](std::exception_ptr e) {
      error = e;
      done = true;
    });
    REQUIRE_MESSAGE(spin_until([&] { return done; }, limit), "the coroutine did not finish");
    if (error) std::rethrow_exception(error);
  }

  // A daemon restart: the stream and the store go, then come back from the same directory.
  void restart() {
    close();
    open();
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  tgd::test::TempDir dir{"tgd-stream"};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<UpdateStream> stream;

 private:
  void open() {
    auto opened = store::Store::open(dir.path());
    REQUIRE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
    store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
    stream = std::make_unique<UpdateStream>(io.get_executor(), *store, options_);
  }
  void close() {
    if (store) store->flush();
    spin_for(5ms);
    stream.reset();
    store.reset();
  }

  StreamOptions options_;
  std::uint64_t next_connection_ = 1;
};

}  // namespace tgd::stream::test
