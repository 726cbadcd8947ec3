// UpdateStream: publishing (journal, in-memory tail), commits released to subscribers and pulls,
// and the session-level bookkeeping. Subscriptions are in subscriptions.cpp, pulls in pull.cpp.
#include "daemon/stream/update_stream.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>

#include "daemon/stream/stream_impl.hpp"
#include "protocol/tl/json_out.hpp"

namespace tgd::stream {

UpdateStream::UpdateStream(const boost::asio::any_io_executor& loop, store::Store& store,
                           StreamOptions options)
    : impl_(std::make_shared<Impl>(loop, store, options)) {
  // The writer thread only posts: everything else happens on the loop. A weak pointer, as a post
  // may still be queued when the stream goes.
  std::weak_ptr<Impl> weak = impl_;
  store.set_commit_listener([weak, loop](std::vector<store::JournalCommit> commits) {
    boost::asio::post(loop, [weak, commits = std::move(commits)] {
      auto self = weak.lock();
      if (!self) return;
      for (const store::JournalCommit& c : commits) self->on_committed(c.session, c.last_seq);
    });
  });
}

UpdateStream::~UpdateStream() {
  impl_->store.set_commit_listener({});  // returns once a running listener is done
  for (auto& [id, sub] : impl_->subscriptions) sub->ended = true;
  for (auto& [name, log] : impl_->sessions) {
    for (Waiter* w : log.waiters) w->timer->cancel();
  }
}

SessionLog& UpdateStream::Impl::log_of(std::string_view session) {
  auto it = sessions.find(session);
  if (it != sessions.end()) return it->second;
  SessionLog& log = sessions[std::string(session)];
  log.name = std::string(session);
  log.quoted = tl::json_quoted(session);
  log.released = store.committed_journal_seq(session);
  return log;
}

void UpdateStream::publish(const std::string& session, std::vector<std::string> updates,
                           std::string state_json) {
  Impl& impl = *impl_;
  SessionLog& log = impl.log_of(session);
  const std::int64_t next = impl.store.last_journal_seq(session) + 1;
  // Entries of ours the store dropped (it refused their unit: its seqs went back to the committed
  // last) will never commit, and their seqs are about to be reused.
  while (!log.tail.empty() && log.tail.back()->seq >= next && log.tail.back()->seq > log.released)
    log.tail.pop_back();
  std::vector<store::JournalEntry> entries;
  entries.reserve(updates.size());
  for (std::size_t i = 0; i < updates.size(); ++i)
    entries.push_back({next + static_cast<std::int64_t>(i), 0, updates[i]});
  if (!impl.store.append_updates(session, std::move(state_json), std::move(entries))) {
    ++impl.stats.refused;
    spdlog::warn("updates of session {}: the journal refused {} update(s) at seq {}", session, updates.size(),
                 next);
    return;
  }
  impl.stats.published += updates.size();
  for (std::size_t i = 0; i < updates.size(); ++i) {
    auto entry = std::make_shared<Entry>();
    entry->seq = next + static_cast<std::int64_t>(i);
    entry->info = read_update_info(impl.parser, updates[i]);
    entry->json = std::move(updates[i]);
    log.tail.push_back(std::move(entry));
  }
}

void UpdateStream::Impl::on_committed(const std::string& session, std::int64_t last_seq) {
  auto it = sessions.find(session);
  if (it == sessions.end()) return;  // forgotten; or never published here (nothing in memory)
  SessionLog& log = it->second;
  if (last_seq <= log.released) return;
  const std::int64_t from = log.released + 1;
  log.released = last_seq;
  stats.released += static_cast<std::uint64_t>(last_seq - from + 1);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::int64_t seq = from; seq <= last_seq; ++seq) {
    const EntryPtr* entry = log.find(seq);
    if (entry != nullptr && (*entry)->info.date > 0)
      log.update_lag.observe(std::max(0.0, now - static_cast<double>((*entry)->info.date)));
  }
  deliver_live(log, from, last_seq);
  trim_tail(log);
  for (Waiter* w : log.waiters) w->timer->cancel();
}

void UpdateStream::Impl::trim_tail(SessionLog& log) {
  // Keep the newest tail_entries committed ones (and everything uncommitted).
  std::size_t committed = 0;
  if (!log.tail.empty() && log.tail.front()->seq <= log.released)
    committed =
        static_cast<std::size_t>(std::min(log.released, log.tail.back()->seq) - log.tail.front()->seq + 1);
  while (committed > options.tail_entries) {
    log.tail.pop_front();
    --committed;
  }
}

bool UpdateStream::overloaded(const std::string& session) const {
  const Impl& impl = *impl_;
  return impl.store.last_journal_seq(session) - impl.store.committed_journal_seq(session) >
         impl.options.max_uncommitted;
}

void UpdateStream::forget(const std::string& session) {
  Impl& impl = *impl_;
  auto it = impl.sessions.find(session);
  if (it != impl.sessions.end()) {
    for (Waiter* w : it->second.waiters) w->timer->cancel();
    impl.sessions.erase(it);
  }
  for (auto& [id, sub] : impl.subscriptions) {
    sub->cursor.erase(session);
    sub->catching_up.erase(session);  // its replay sees that and stops
  }
}

SessionStreamStats UpdateStream::session_stats(std::string_view session) const {
  const Impl& impl = *impl_;
  SessionStreamStats out;
  if (auto it = impl.sessions.find(session); it != impl.sessions.end()) {
    out.released = it->second.released;
    out.update_lag = it->second.update_lag;
  } else {
    out.released = impl.store.committed_journal_seq(session);  // what its log will start from
  }
  for (const auto& [id, sub] : impl.subscriptions) {
    if (sub->ended || !sub->wants_session(session)) continue;
    ++out.subscriptions;
    // No cursor: nothing released since it started wants sending yet.
    const auto cursor = sub->cursor.find(session);
    const std::int64_t lag =
        cursor == sub->cursor.end() ? 0 : std::max<std::int64_t>(0, out.released - cursor->second);
    out.max_lag = std::max(out.max_lag, lag);
    out.total_lag += lag;
  }
  return out;
}

Stats UpdateStream::stats() const {
  Stats s = impl_->stats;
  s.subscriptions = impl_->subscriptions.size();
  return s;
}

}  // namespace tgd::stream
