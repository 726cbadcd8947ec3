// getUpdates: committed entries of one session from an offset, with a bounded long poll woken by
// the session's next commit and ended early by the coroutine's cancellation (client gone).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/stream/stream_impl.hpp"
#include "protocol/tl/json_out.hpp"

namespace tgd::stream {

namespace asio = boost::asio;

namespace {

// Registers a waiter on the session's log for one wait; the log is looked up again at the end (it
// may have been forgotten, or the stream gone, meanwhile).
class WaiterGuard {
 public:
  WaiterGuard(std::weak_ptr<UpdateStream::Impl> impl, std::string session, Waiter& waiter)
      : impl_(std::move(impl)), session_(std::move(session)), waiter_(waiter) {
    if (auto self = impl_.lock()) self->log_of(session_).waiters.insert(&waiter_);
  }
  ~WaiterGuard() {
    auto self = impl_.lock();
    if (!self) return;
    auto it = self->sessions.find(session_);
    if (it != self->sessions.end()) it->second.waiters.erase(&waiter_);
  }
  WaiterGuard(const WaiterGuard&) = delete;
  WaiterGuard& operator=(const WaiterGuard&) = delete;

 private:
  std::weak_ptr<UpdateStream::Impl> impl_;
  std::string session_;
  Waiter& waiter_;
};

// The page: committed entries from `offset`, at most `limit`, from the tail when it has them.
std::string page(UpdateStream::Impl& impl, const std::string& session, std::int64_t offset,
                 std::size_t limit) {
  std::string updates = "[";
  std::int64_t next = offset;
  std::optional<std::int64_t> first_available;
  const std::string quoted = tl::json_quoted(session);
  const auto add = [&](std::int64_t seq, const std::string& json) {
    if (updates.size() > 1) updates += ',';
    updates += R"({"session":)";
    updates += quoted;
    updates += R"(,"seq":)";
    updates += std::to_string(seq);
    updates += R"(,"update":)";
    updates += json;
    updates += '}';
    next = seq + 1;
  };
  // The journal's bounds rule, also where the tail still holds trimmed entries (as replays do).
  auto bounds = impl.store.journal_range(session);
  if (auto* r = std::get_if<store::JournalRange>(&bounds); r != nullptr && offset < r->first) {
    first_available = r->first;
    offset = r->first;
    next = offset;
  }
  SessionLog& log = impl.log_of(session);
  if (log.find(offset) != nullptr && offset <= log.released) {
    const std::int64_t end = std::min(log.released, offset + static_cast<std::int64_t>(limit) - 1);
    for (std::int64_t seq = offset; seq <= end; ++seq) add(seq, (*log.find(seq))->json);
  } else {
    auto read = impl.store.read_journal(session, offset - 1, limit);
    if (auto* entries = std::get_if<std::vector<store::JournalEntry>>(&read)) {
      if (!entries->empty() && entries->front().seq > offset) first_available = entries->front().seq;
      for (const store::JournalEntry& e : *entries) add(e.seq, e.update_json);
    }
  }
  updates += ']';
  std::string out = R"({"updates":)" + updates + R"(,"next_offset":)" + std::to_string(next);
  if (first_available) out += R"(,"first_available":)" + std::to_string(*first_available);
  return out + "}";
}

}  // namespace

asio::awaitable<std::optional<std::string>> UpdateStream::get_updates(PullRequest request) {
  std::weak_ptr<Impl> weak = impl_;
  const std::size_t limit = std::clamp<std::size_t>(request.limit, 1, 1000);
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;
  std::int64_t offset = 0;
  {
    const std::int64_t committed = impl_->store.committed_journal_seq(request.session);
    if (!request.offset) {
      offset = committed + 1;
    } else if (*request.offset < 0) {
      offset = std::max<std::int64_t>(1, committed + 1 + *request.offset);
    } else {
      offset = std::max<std::int64_t>(1, *request.offset);
    }
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  Waiter waiter{&timer};
  for (;;) {
    auto self = weak.lock();
    if (!self) co_return std::nullopt;
    // The store's committed seq, not the loop's released one: a commit not yet posted is readable.
    if (self->store.committed_journal_seq(request.session) >= offset ||
        std::chrono::steady_clock::now() >= deadline) {
      co_return page(*self, request.session, offset, limit);
    }
    self.reset();
    {
      WaiterGuard guard(weak, request.session, waiter);
      timer.expires_at(deadline);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) co_return std::nullopt;
  }
}

}  // namespace tgd::stream
