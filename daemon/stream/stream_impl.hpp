#pragma once
// UpdateStream's insides, shared by update_stream.cpp (publish, commits, release), subscriptions.cpp
// (subscribe, delivery, lagging, replays) and pull.cpp (getUpdates). Loop thread only, except
// where the commit listener posts from the store's writer thread.
#include <simdjson.h>

#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/stream/update_info.hpp"
#include "daemon/stream/update_stream.hpp"

namespace tgd::stream {

// One journaled update as the stream keeps it in memory. Shared: a replay or a pull may hold it
// across a loop turn while the tail moves on.
struct Entry {
  std::int64_t seq = 0;
  std::string json;
  UpdateInfo info;
  std::string suffix;  // the shared part of its notification, built on first delivery
};
using EntryPtr = std::shared_ptr<Entry>;

// A long poll waiting for a session's next commit.
struct Waiter {
  boost::asio::steady_timer* timer = nullptr;
};

struct SessionLog {
  std::string name;
  std::string quoted;  // name as a JSON string
  // Consecutive seqs: committed entries (at most tail_entries of them, the newest), then the ones
  // published and not yet committed.
  std::deque<EntryPtr> tail;
  std::int64_t released = 0;      // the last seq committed and delivered live
  UpdateLagHistogram update_lag;  // the released entries' ages (SessionStreamStats)
  std::set<Waiter*> waiters;

  // The entry with this seq when the tail holds it.
  const EntryPtr* find(std::int64_t seq) const {
    if (tail.empty() || seq < tail.front()->seq || seq > tail.back()->seq) return nullptr;
    return &tail[static_cast<std::size_t>(seq - tail.front()->seq)];
  }
};

struct Subscription {
  std::uint64_t id = 0;
  std::string head;  // update_head(id)
  Filter filter;
  std::shared_ptr<rpc::Caller> caller;
  std::uint64_t connection_id = 0;
  // Per session: the last seq handled (sent, or skipped by the filter). Missing: nothing yet,
  // every seq released from now on is new.
  Cursors cursor;
  // Sessions whose updates a replay delivers (live delivery skips them until it has caught up).
  // Every session is in it until the subscription starts (after the subscribe answer).
  std::set<std::string, std::less<>> catching_up;
  bool started = false;
  bool ended = false;

  bool wants_session(std::string_view session) const;
  bool wants(const Entry& entry) const;  // types and peers
};
using SubscriptionPtr = std::shared_ptr<Subscription>;

struct UpdateStream::Impl : std::enable_shared_from_this<UpdateStream::Impl> {
  Impl(boost::asio::any_io_executor l, store::Store& s, StreamOptions o)
      : loop(std::move(l)), store(s), options(o) {}

  boost::asio::any_io_executor loop;
  store::Store& store;
  StreamOptions options;
  std::map<std::string, SessionLog, std::less<>> sessions;
  std::map<std::uint64_t, SubscriptionPtr> subscriptions;
  std::uint64_t next_subscription = 1;
  simdjson::dom::parser parser;
  Stats stats;
  std::vector<SubscriptionPtr> scratch;  // deliver_live's snapshot (subscriptions may end meanwhile)

  // The session's log, created with what the store has committed (entries before it are only in
  // the journal).
  SessionLog& log_of(std::string_view session);
  // The commit listener's news, on the loop: entries up to last_seq are durable.
  void on_committed(const std::string& session, std::int64_t last_seq);
  void trim_tail(SessionLog& log);

  // Delivery (subscriptions.cpp). offer(): sends `entry` if the subscription wants it and has not
  // had it; false when the subscription ended (its connection went).
  bool offer(Subscription& sub, std::int64_t& cursor, const SessionLog& log, Entry& entry);
  void deliver_live(SessionLog& log, std::int64_t from_seq, std::int64_t to_seq);
  // Hands the session's delivery to a replay (catch_up) that goes at the reader's pace.
  void pace(const SubscriptionPtr& sub, const std::string& session);
  // Ends the subscription with a `lagged` notice: resume after `cursor` (the session's).
  void lag(Subscription& sub, const std::string& session, std::int64_t cursor);
  void end(Subscription& sub);
  // Starts a subscription's replays (catch_up, subscriptions.cpp) once its answer is out.
  void start(const SubscriptionPtr& sub);
};

}  // namespace tgd::stream
