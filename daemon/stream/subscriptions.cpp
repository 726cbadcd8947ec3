// Subscriptions: creation and validation, live delivery of released entries, replays (catch_up)
// that hand over to live delivery without a gap or a duplicate and pace a reader that fell behind,
// and the lagging rule.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

#include "daemon/stream/notifications.hpp"
#include "daemon/stream/stream_impl.hpp"

namespace tgd::stream {

namespace asio = boost::asio;

asio::awaitable<void> catch_up(std::weak_ptr<UpdateStream::Impl> weak, SubscriptionPtr sub,
                               std::string session);

bool Subscription::wants_session(std::string_view session) const {
  return filter.sessions.empty() ||
         std::find(filter.sessions.begin(), filter.sessions.end(), session) != filter.sessions.end();
}

bool Subscription::wants(const Entry& entry) const {
  const auto& types = filter.types;
  if (!types.empty() && std::find(types.begin(), types.end(), entry.info.type) == types.end()) return false;
  if (filter.peers.empty()) return true;
  if (entry.info.type.starts_with("tgd.") && !entry.info.peer) return true;  // a gap concerns every chat
  return entry.info.peer &&
         std::find(filter.peers.begin(), filter.peers.end(), *entry.info.peer) != filter.peers.end();
}

std::variant<std::uint64_t, std::string> UpdateStream::subscribe(Filter filter, Cursors since,
                                                                 std::shared_ptr<rpc::Caller> caller) {
  Impl& impl = *impl_;
  if (!caller || !caller->can_notify()) return std::string("this connection cannot receive notifications");
  for (const auto& [session, seq] : since) {
    if (!filter.sessions.empty() &&
        std::find(filter.sessions.begin(), filter.sessions.end(), session) == filter.sessions.end())
      return "since: session '" + session + "' is not among the subscribed sessions";
    const std::int64_t last = impl.store.committed_journal_seq(session);
    if (seq < 0) return "since: " + session + ": a seq is 0 or more, got " + std::to_string(seq);
    if (seq > last) {
      return "since: " + session + ": " + std::to_string(seq) + " is past the session's last seq (" +
             std::to_string(last) + ")";
    }
  }
  auto sub = std::make_shared<Subscription>();
  sub->id = impl.next_subscription++;
  sub->head = update_head(sub->id);
  sub->filter = std::move(filter);
  sub->connection_id = caller->connection_id();
  sub->caller = std::move(caller);
  sub->cursor = std::move(since);
  // Live from here for the other sessions: those named, and those the stream knows.
  for (const std::string& name : sub->filter.sessions)
    sub->cursor.try_emplace(name, impl.log_of(name).released);
  for (const auto& [name, log] : impl.sessions) {
    if (sub->wants_session(name)) sub->cursor.try_emplace(name, log.released);
  }
  impl.subscriptions.emplace(sub->id, sub);
  impl.start(sub);
  return sub->id;
}

std::vector<std::int64_t> UpdateStream::viewed_channels(const std::string& session) const {
  std::vector<std::int64_t> out;
  for (const auto& [id, sub] : impl_->subscriptions) {
    if (sub->ended || !sub->caller->alive() || !sub->wants_session(session)) continue;
    for (const std::int64_t peer : sub->filter.peers) {
      if (auto channel = channel_of_bot_api(peer)) out.push_back(*channel);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool UpdateStream::unsubscribe(std::uint64_t id, std::uint64_t connection_id) {
  auto it = impl_->subscriptions.find(id);
  if (it == impl_->subscriptions.end() || it->second->connection_id != connection_id) return false;
  impl_->end(*it->second);
  return true;
}

void UpdateStream::Impl::end(Subscription& sub) {
  if (sub.ended) return;
  sub.ended = true;
  sub.caller.reset();
  subscriptions.erase(sub.id);
}

bool UpdateStream::Impl::offer(Subscription& sub, std::int64_t& cursor, const SessionLog& log, Entry& entry) {
  if (entry.seq <= cursor) return true;
  if (!sub.wants(entry)) {
    cursor = entry.seq;
    return true;
  }
  if (!sub.caller->alive()) {
    ++stats.dropped;
    end(sub);
    return false;
  }
  if (entry.suffix.empty()) entry.suffix = update_suffix(log.quoted, entry.seq, entry.json);
  if (!sub.caller->notify_parts(sub.head, entry.suffix)) {
    ++stats.dropped;
    end(sub);
    return false;
  }
  ++stats.notified;
  cursor = entry.seq;
  return true;
}

void UpdateStream::Impl::lag(Subscription& sub, const std::string& session, std::int64_t cursor) {
  // The journal still holds the rest: the client resumes with since = resume_after (the
  // connection has room for this small notice: its hard limit is far above the buffer).
  sub.caller->notify(lagged_notification(sub.id, session, cursor, sub.cursor));
  ++stats.lagged;
  end(sub);
}

void UpdateStream::Impl::pace(const SubscriptionPtr& sub, const std::string& session) {
  sub->catching_up.insert(session);
  asio::co_spawn(loop, catch_up(weak_from_this(), sub, session), asio::detached);
}

void UpdateStream::Impl::deliver_live(SessionLog& log, std::int64_t from_seq, std::int64_t to_seq) {
  scratch.clear();
  for (const auto& [id, sub] : subscriptions) {
    if (sub->wants_session(log.name)) scratch.push_back(sub);
  }
  for (const SubscriptionPtr& sub : scratch) {
    if (sub->ended) continue;
    // A missing cursor: the session is new to this subscription, which gets everything from here.
    auto [it, inserted] = sub->cursor.try_emplace(log.name, from_seq - 1);
    if (!sub->started || sub->catching_up.contains(log.name)) continue;  // its replay delivers these
    std::int64_t& cursor = it->second;
    for (std::int64_t seq = std::max(from_seq, cursor + 1); seq <= to_seq; ++seq) {
      const EntryPtr* entry = log.find(seq);
      if (entry == nullptr) {  // not in memory (cannot happen for fresh commits): read it back
        pace(sub, log.name);
        break;
      }
      if (sub->caller->queued_bytes() >= options.subscriber_buffer) {
        // A burst bigger than the buffer, or a reader that stopped: the rest goes paced, at the
        // reader's speed (catch_up), which tells the two apart (lag_timeout).
        ++stats.paced;
        pace(sub, log.name);
        break;
      }
      if (!offer(*sub, cursor, log, **entry)) break;
    }
  }
  scratch.clear();
}

namespace {

asio::awaitable<void> yield(const asio::any_io_executor& loop) {
  co_await asio::post(loop, asio::use_awaitable);
}

}  // namespace

// Delivers `session`'s entries after the subscription's cursor, from the in-memory tail when it
// still holds them, else from the journal in chunks, yielding the loop between chunks and pausing
// while the connection has more than half the buffer queued (for lag_timeout at most: then the
// subscription ends with lagged); hands over to live delivery once it reaches the released seq
// (synchronously: nothing can be released in between).
asio::awaitable<void> catch_up(std::weak_ptr<UpdateStream::Impl> weak, SubscriptionPtr sub,
                               std::string session) {
  const asio::any_io_executor loop = co_await asio::this_coro::executor;
  asio::steady_timer drain(loop);
  // Since when the connection has had more than half the buffer queued (unset: not now).
  std::optional<std::chrono::steady_clock::time_point> full_since;
  bool checked_trim = false;
  for (;;) {
    auto self = weak.lock();
    if (!self || sub->ended || !sub->catching_up.contains(session)) co_return;
    auto found = self->sessions.find(session);
    if (found == self->sessions.end()) co_return;  // forgotten
    SessionLog& log = found->second;
    std::int64_t& cursor = sub->cursor[session];
    if (!checked_trim) {
      checked_trim = true;
      auto range = self->store.journal_range(session);
      if (auto* r = std::get_if<store::JournalRange>(&range); r != nullptr && cursor + 1 < r->first) {
        if (!sub->caller->notify(trimmed_notification(sub->id, session, cursor, r->first))) {
          self->end(*sub);
          co_return;
        }
        cursor = r->first - 1;
      }
    }
    if (cursor >= log.released) {
      sub->catching_up.erase(session);  // live from the next release on
      co_return;
    }
    if (!sub->caller->alive()) {
      ++self->stats.dropped;
      self->end(*sub);
      co_return;
    }
    if (sub->caller->queued_bytes() > self->options.subscriber_buffer / 2) {
      const auto now = std::chrono::steady_clock::now();
      if (!full_since) full_since = now;
      if (now - *full_since >= self->options.lag_timeout) {
        self->lag(*sub, session, cursor);
        co_return;
      }
      const auto poll = self->options.drain_poll;
      self.reset();
      drain.expires_after(poll);
      co_await drain.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    full_since.reset();
    const std::size_t chunk = std::max<std::size_t>(1, self->options.replay_chunk);
    if (log.find(cursor + 1) != nullptr) {
      const std::int64_t end = std::min(log.released, cursor + static_cast<std::int64_t>(chunk));
      for (std::int64_t seq = cursor + 1; seq <= end; ++seq) {
        if (!self->offer(*sub, cursor, log, **log.find(seq))) co_return;
      }
    } else {
      auto read = self->store.read_journal(session, cursor, chunk);
      if (auto* error = std::get_if<store::StoreError>(&read)) {
        spdlog::warn("subscription {}: reading the journal of {}: {}", sub->id, session, error->message);
        self->lag(*sub, session, cursor);
        co_return;
      }
      auto& entries = std::get<std::vector<store::JournalEntry>>(read);
      if (entries.empty()) {
        // Trimmed away under us (everything up to released): say so and go on from there.
        checked_trim = false;
        auto range = self->store.journal_range(session);
        const auto* r = std::get_if<store::JournalRange>(&range);
        if (r == nullptr || r->first <= cursor + 1) {
          spdlog::warn("subscription {}: the journal of {} has nothing after {}", sub->id, session, cursor);
          self->end(*sub);
          co_return;
        }
        continue;
      }
      if (entries.front().seq > cursor + 1) {
        if (!sub->caller->notify(trimmed_notification(sub->id, session, cursor, entries.front().seq))) {
          self->end(*sub);
          co_return;
        }
        cursor = entries.front().seq - 1;
      }
      for (store::JournalEntry& e : entries) {
        Entry entry;
        entry.seq = e.seq;
        entry.info = read_update_info(self->parser, e.update_json);
        entry.json = std::move(e.update_json);
        if (!self->offer(*sub, cursor, log, entry)) co_return;
      }
    }
    self.reset();
    co_await yield(loop);
  }
}

void UpdateStream::Impl::start(const SubscriptionPtr& sub) {
  // Three loop turns: the subscribe call's answer is queued within one (co_spawn's completion),
  // so every notification follows it.
  std::weak_ptr<Impl> weak = weak_from_this();
  asio::co_spawn(
      loop,
      [weak, sub]() -> asio::awaitable<void> {
        const asio::any_io_executor loop = co_await asio::this_coro::executor;
        for (int i = 0; i < 3; ++i) co_await yield(loop);
        auto self = weak.lock();
        if (!self || sub->ended) co_return;
        sub->started = true;
        std::vector<std::string> behind;
        for (const auto& [name, cursor] : sub->cursor) {
          if (cursor < self->log_of(name).released) behind.push_back(name);
        }
        for (std::string& name : behind) {
          sub->catching_up.insert(name);
          asio::co_spawn(loop, catch_up(weak, sub, std::move(name)), asio::detached);
        }
      },
      asio::detached);
}

}  // namespace tgd::stream
