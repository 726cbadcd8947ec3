#pragma once
// The daemon's update stream (issue #6): every session's emitted updates, journaled durably, then
// delivered to subscribers gap-free, exactly once and in order per session; and pulled by
// getUpdates. On the daemon's one event loop; README.md in this directory has the rules.
//
//   stream::UpdateStream updates(io.get_executor(), store);          // after the store
//   SessionManager sessions(...);  sessions.set_update_sink(&updates); // sessions publish()
//   auto id = updates.subscribe({.sessions = {"alice"}}, {{"alice", 41}}, caller);  // replay 42...
//   auto page = co_await updates.get_updates({.session = "alice", .offset = 42});
//
// Sequence numbers: per session, 1, 2, 3... in publish order, never reused (the store's journal
// assigns nothing itself: publish() takes store.last_journal_seq() + 1 onwards). An update reaches
// subscribers and pulls only once the store has committed it (the commit listener), so nothing
// seen can be re-assigned after kill -9.
//
// Notifications (JSON-RPC, through Caller::notify), per subscription:
//   {"jsonrpc":"2.0","method":"update","params":{"subscription":ID,"session":"alice","seq":42,"update":{…}}}
//   {"jsonrpc":"2.0","method":"trimmed","params":{"subscription":ID,"session":"alice","after":5,
//    "first_available":900}}      since was older than the journal: entries 6..899 are gone
//   {"jsonrpc":"2.0","method":"lagged","params":{"subscription":ID,"session":"alice","resume_after":41,
//    "since":{"alice":41,"bob":7}}}   the subscription ended: subscribe again with that since
#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/session/update_sink.hpp"
#include "daemon/store/store.hpp"
#include "protocol/base/histogram.hpp"
#include "rpc/jsonrpc/method_handler.hpp"

namespace tgd::stream {

struct StreamOptions {
  // What a live subscription may have queued on its connection (Caller::queued_bytes()): an
  // update finding more there turns that session's delivery into a paced replay, which waits for
  // the connection to drain below half of it (a reader that keeps up loses nothing to a burst).
  std::size_t subscriber_buffer = 8u << 20;
  // How long a replay waits for its connection to drain below half the buffer before the
  // subscription ends with `lagged` (the reader does not keep up). 0: at once.
  std::chrono::milliseconds lag_timeout{10'000};
  // Entries read from the journal per step of a replay (the loop is yielded between steps).
  std::size_t replay_chunk = 1000;
  // Committed entries kept in memory per session (live replays and pulls near the head read them
  // there instead of SQLite); uncommitted ones are always kept until committed.
  std::size_t tail_entries = 4096;
  // How often a paused replay looks whether its connection drained (Caller has no drain event).
  std::chrono::milliseconds drain_poll{5};
  // Published but not yet committed entries of a session past which it is overloaded()
  // (UpdateSink): its pushes are shed and fetched again by getDifference once the journal caught up.
  std::int64_t max_uncommitted = 20'000;
};

// What a subscription receives. Every list empty: everything.
struct Filter {
  std::vector<std::string> sessions{};  // session names
  std::vector<std::string> types{};     // constructor names ("updateNewMessage"), "tgd.updatesGap"
  // Bot-API ids of chats (stream/update_info.hpp). Updates naming no chat do not pass, except
  // tgd.* markers, which may concern any chat (a gap in the common box).
  std::vector<std::int64_t> peers{};
};

// Per session: the last seq the subscriber has (replay starts after it).
using Cursors = std::map<std::string, std::int64_t, std::less<>>;

struct PullRequest {
  std::string session{};
  // The first seq wanted; nullopt: the next one to be committed; negative: the last -offset ones.
  std::optional<std::int64_t> offset{};
  std::size_t limit = 100;               // 1..1000
  std::chrono::milliseconds timeout{0};  // waiting for the first entry
};

struct Stats {
  std::uint64_t published = 0;  // updates journaled
  std::uint64_t released = 0;   // updates committed and released to subscribers
  std::uint64_t notified = 0;   // update notifications queued (all subscriptions)
  std::uint64_t paced = 0;      // bursts that filled a subscriber's buffer (delivery went on paced)
  std::uint64_t lagged = 0;     // subscriptions ended for lagging
  std::uint64_t dropped = 0;    // subscriptions ended because the connection went
  std::uint64_t refused = 0;    // publish() batches the store refused (bad seqs)
  std::size_t subscriptions = 0;
};

// How old updates are when released to subscribers (committed to the journal): now minus the
// update's own date (UpdateInfo::date; Telegram's clock, whole seconds), seconds: 1 s to a day.
inline constexpr std::array<double, 11> kUpdateLagBounds{1, 2, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400};
using UpdateLagHistogram = Histogram<kUpdateLagBounds>;

// One session's side of the stream, for metrics.
struct SessionStreamStats {
  std::int64_t released = 0;      // the last seq committed and released to subscribers
  std::size_t subscriptions = 0;  // subscriptions that want this session's updates
  std::int64_t max_lag = 0;       // the most released updates one of them has not been sent yet
  std::int64_t total_lag = 0;     // the same added up over them
  UpdateLagHistogram update_lag;  // released updates that carry a date (since the session's log began)
};

class UpdateStream : public session::UpdateSink {
 public:
  UpdateStream(const boost::asio::any_io_executor& loop, store::Store& store, StreamOptions options = {});
  // Removes the store's commit listener; subscriptions end without notice.
  ~UpdateStream() override;
  UpdateStream(const UpdateStream&) = delete;
  UpdateStream& operator=(const UpdateStream&) = delete;

  // session::UpdateSink, on the loop.
  void publish(const std::string& session, std::vector<std::string> updates, std::string state_json) override;
  void forget(const std::string& session) override;
  bool overloaded(const std::string& session) const override;
  // Channels named in the peers filter of a subscription to `session` whose connection is open.
  std::vector<std::int64_t> viewed_channels(const std::string& session) const override;

  // A subscription for `caller` (which must be able to push); its id, or why not. Sessions in
  // `since` replay their journal after the given seq, then continue live; the others start live
  // (with what is committed after this call). Notifications start after the caller's answer
  // to this call is queued (a few loop turns later).
  std::variant<std::uint64_t, std::string> subscribe(Filter filter, Cursors since,
                                                     std::shared_ptr<rpc::Caller> caller);
  // Ends a subscription of this connection: false if there is none with that id.
  bool unsubscribe(std::uint64_t id, std::uint64_t connection_id);

  // getUpdates: committed entries of one session with seq >= offset, waiting up to `timeout` for
  // the first. The result JSON:
  //   {"updates":[{"session":"alice","seq":42,"update":{…}},…],"next_offset":43}
  // plus "first_available":N when offset was older than the journal's first entry (trimmed).
  // nullopt: the coroutine was cancelled (the client went away) while waiting.
  boost::asio::awaitable<std::optional<std::string>> get_updates(PullRequest request);

  Stats stats() const;
  SessionStreamStats session_stats(std::string_view session) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgd::stream
