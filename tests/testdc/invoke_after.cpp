#include "tests/testdc/invoke_after.hpp"

#include <algorithm>
#include <climits>

#include "protocol/tl/tl_buffer.hpp"

namespace tgd::testdc {
namespace {
constexpr std::uint32_t kInvokeAfterMsg = 0xcb9f372d;
constexpr std::uint32_t kInvokeAfterMsgs = 0x3dc4b4f0;
}  // namespace

std::optional<InvokeAfter::Wrapped> InvokeAfter::unwrap(ByteSpan query) {
  tl::TlReader r(query);
  const std::uint32_t id = r.u32();
  Wrapped out;
  if (id == kInvokeAfterMsg) {
    out.after.push_back(static_cast<std::uint64_t>(r.i64()));
  } else if (id == kInvokeAfterMsgs) {
    // At most what the packet can hold: vector_header checks the count against the bytes left.
    for (std::uint32_t n = r.vector_header(8); n > 0 && r.ok(); --n) {
      out.after.push_back(static_cast<std::uint64_t>(r.i64()));
    }
  } else {
    return std::nullopt;
  }
  if (!r.ok()) return std::nullopt;
  out.query = query.subspan(query.size() - r.remaining());
  return out;
}

InvokeAfter::Outcome InvokeAfter::Session::outcome(std::uint64_t msg_id) const {
  // Newest first: a chained query names the one just before it.
  const std::size_t n = ring.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Entry& e = ring[(next + n - 1 - i) % n];
    if (e.msg_id == msg_id) return e.ok ? Outcome::kOk : Outcome::kFailed;
  }
  return Outcome::kUnknown;
}

InvokeAfter::Gate InvokeAfter::gate(const Session& s, std::span<const std::uint64_t> after) {
  // Any failure fails the query at once, even while others are still awaited (the docs' scenario 2:
  // "if either or both … fail, the query … will also fail with a MSG_WAIT_FAILED").
  Gate g = Gate::kRun;
  for (std::uint64_t id : after) {
    const Outcome o = s.outcome(id);
    if (o == Outcome::kFailed) return Gate::kFail;
    if (o == Outcome::kUnknown) g = Gate::kWait;
  }
  return g;
}

InvokeAfter::Gate InvokeAfter::gate(const CallContext& context, std::span<const std::uint64_t> after) const {
  auto it = sessions_.find(Key{context.auth_key_id, context.session_id});
  if (it == sessions_.end()) return after.empty() ? Gate::kRun : Gate::kWait;
  return gate(it->second, after);
}

void InvokeAfter::wait(Waiter waiter) {
  const Key key{waiter.context.auth_key_id, waiter.context.session_id};
  sessions_[key].waiting.push_back(std::move(waiter));
  with_waiters_.insert(key);
}

void InvokeAfter::record(const CallContext& context, bool ok) {
  if (context.msg_id == 0) return;
  const Key key{context.auth_key_id, context.session_id};
  Session& s = sessions_[key];
  if (s.ring.size() < kRemembered) {
    s.ring.push_back(Entry{context.msg_id, ok});
    s.next = s.ring.size() % kRemembered;
  } else {
    s.ring[s.next] = Entry{context.msg_id, ok};
    s.next = (s.next + 1) % kRemembered;
  }
  if (s.waiting.empty()) return;
  for (auto it = s.waiting.begin(); it != s.waiting.end();) {
    if (gate(s, it->after) == Gate::kWait) {
      ++it;
    } else {
      ready_.push_back(std::move(*it));
      it = s.waiting.erase(it);
    }
  }
  if (s.waiting.empty()) with_waiters_.erase(key);
}

std::optional<InvokeAfter::Waiter> InvokeAfter::take_ready() {
  if (ready_.empty()) return std::nullopt;
  Waiter w = std::move(ready_.front());
  ready_.pop_front();
  return w;
}

std::vector<InvokeAfter::Waiter> InvokeAfter::take_expired(Clock::time_point now) {
  std::vector<Waiter> out;
  for (auto key = with_waiters_.begin(); key != with_waiters_.end();) {
    Session& s = sessions_.at(*key);
    for (auto it = s.waiting.begin(); it != s.waiting.end();) {
      if (it->deadline <= now) {
        out.push_back(std::move(*it));
        it = s.waiting.erase(it);
      } else {
        ++it;
      }
    }
    key = s.waiting.empty() ? with_waiters_.erase(key) : std::next(key);
  }
  return out;
}

std::optional<InvokeAfter::Clock::time_point> InvokeAfter::next_deadline() const {
  std::optional<Clock::time_point> out;
  for (const Key& key : with_waiters_) {
    for (const Waiter& w : sessions_.at(key).waiting) {
      if (!out || w.deadline < *out) out = w.deadline;
    }
  }
  return out;
}

void InvokeAfter::forget_session(std::uint64_t auth_key_id, std::int64_t session_id) {
  const Key key{auth_key_id, session_id};
  sessions_.erase(key);
  with_waiters_.erase(key);
  std::erase_if(ready_, [&](const Waiter& w) {
    return w.context.auth_key_id == auth_key_id && w.context.session_id == session_id;
  });
}

void InvokeAfter::forget_auth_key(std::uint64_t auth_key_id) {
  const auto first = sessions_.lower_bound(Key{auth_key_id, INT64_MIN});
  auto last = first;
  while (last != sessions_.end() && last->first.first == auth_key_id) ++last;
  for (auto it = first; it != last; ++it) with_waiters_.erase(it->first);
  sessions_.erase(first, last);
  std::erase_if(ready_, [&](const Waiter& w) { return w.context.auth_key_id == auth_key_id; });
}

std::size_t InvokeAfter::waiting() const {
  std::size_t n = ready_.size();
  for (const Key& key : with_waiters_) n += sessions_.at(key).waiting.size();
  return n;
}

std::size_t InvokeAfter::remembered(const CallContext& context) const {
  auto it = sessions_.find(Key{context.auth_key_id, context.session_id});
  return it == sessions_.end() ? 0 : it->second.ring.size();
}

}  // namespace tgd::testdc
