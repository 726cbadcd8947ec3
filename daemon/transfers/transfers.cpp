// The registry of running transfers and what every transfer shares: lanes with their
// cancellation, the first error, progress reports.
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <exception>

#include "daemon/transfers/transfer_impl.hpp"

namespace tgd::transfers {

namespace asio = boost::asio;

Transfers::Transfers(asio::any_io_executor loop, const tl::Schema& api, TransferOptions options)
    : impl_(std::make_shared<Impl>(std::move(loop), api, options)) {}

Transfers::~Transfers() {
  for (auto& [id, job] : impl_->jobs) job->cancel();
}

bool Transfers::cancel(std::uint64_t transfer) {
  auto it = impl_->jobs.find(transfer);
  if (it == impl_->jobs.end()) return false;
  it->second->cancel();
  return true;
}

Stats Transfers::stats() const {
  Stats s = impl_->stats;
  s.active = impl_->jobs.size();
  return s;
}

Job::Job(Transfers::Impl& o, std::shared_ptr<session::Session> s, ProgressFn progress)
    : owner(o),
      session(std::move(s)),
      id(o.next_id++),
      strand(o.disk.strand()),
      progress_(std::move(progress)),
      lanes_done_(o.loop) {
  owner.jobs.emplace(id, this);
}

Job::~Job() {
  owner.jobs.erase(id);
  if (error) {
    if (error->kind == TransferError::Kind::Cancelled) {
      ++owner.stats.cancelled;
    } else {
      ++owner.stats.failed;
    }
  }
}

void Job::fail(TransferError e) {
  if (error) return;
  e.transfer = id;
  error = std::move(e);
  for (auto& signal : signals_) signal->emit(asio::cancellation_type::terminal);
}

void Job::fail(TransferError::Kind kind, std::string message) {
  fail(TransferError{.kind = kind, .message = std::move(message)});
}

void Job::fail(const files::FileError& e) {
  fail(TransferError{.kind = TransferError::Kind::Disk, .message = e.message, .file = e});
}

void Job::fail(const session::CallError& e, std::string_view method) {
  using K = session::CallError::Kind;
  switch (e.kind) {
    case K::Rpc:
    case K::LoggedOut:
      fail(TransferError{.kind = TransferError::Kind::Telegram, .message = e.message, .code = e.code});
      return;
    case K::FloodWait:
      fail(TransferError{.kind = TransferError::Kind::Telegram,
                         .message = "FLOOD_WAIT_" + std::to_string(e.wait_seconds),
                         .code = 420});
      return;
    case K::Failed:
    case K::BadInput:
      fail(TransferError::Kind::Failed, std::string(method) + ": " + e.message);
      return;
  }
}

void Job::cancel() { fail(TransferError::Kind::Cancelled, "the transfer was cancelled"); }

asio::awaitable<void> Job::run_lanes(int count, const std::function<asio::awaitable<void>()>& lane) {
  for (int i = 0; i < count && !error; ++i) {
    auto& signal = signals_.emplace_back(std::make_unique<asio::cancellation_signal>());
    ++running_;
    asio::co_spawn(owner.loop, lane(),
                   asio::bind_cancellation_slot(signal->slot(), [this](std::exception_ptr e) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& x) {
                         fail(TransferError::Kind::Failed, std::string("internal error: ") + x.what());
                       }
                     }
                     if (--running_ == 0) lanes_done_.cancel();
                   }));
  }
  while (running_ > 0) {
    lanes_done_.expires_at(asio::steady_timer::time_point::max());
    co_await lanes_done_.async_wait(asio::as_tuple(asio::use_awaitable));
    if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
      // The caller went away: cancel, and keep waiting for the lanes (they refer to this frame).
      cancel();
      co_await asio::this_coro::reset_cancellation_state();
    }
  }
}

void Job::report(std::int64_t done, std::optional<std::int64_t> total, bool final) {
  if (!progress_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!final && now - last_report_ < owner.options.progress_interval) return;
  last_report_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  progress_(Progress{.transfer = id,
                     .done = done,
                     .total = total,
                     .rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0,
                     .final = final});
}

double Job::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace tgd::transfers
