#pragma once
// Transfers' insides shared by transfers.cpp (the registry, jobs, lanes), download.cpp and
// upload.cpp. Loop thread only, except what runs through on_disk().
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include "daemon/session/session.hpp"
#include "daemon/transfers/disk_worker.hpp"
#include "daemon/transfers/transfers.hpp"
#include "protocol/tl/json_to_tl.hpp"

namespace tgd::transfers {

struct Job;

struct Transfers::Impl {
  Impl(boost::asio::any_io_executor l, const tl::Schema& api, TransferOptions o)
      : loop(std::move(l)), encoder(api), options(o), disk(o.disk_threads) {}

  boost::asio::any_io_executor loop;
  tl::JsonToTl encoder;
  TransferOptions options;
  DiskWorker disk;
  std::map<std::uint64_t, Job*> jobs;
  std::uint64_t next_id = 1;
  Stats stats;
};

// One transfer while it runs: its id in the registry, the lanes that each keep one request in
// flight, the first error, progress reports. Lives in the transfer's coroutine frame; run_lanes()
// returns only once every lane has ended, so lanes may refer to it (and to the frame's locals).
struct Job {
  Job(Transfers::Impl& owner, std::shared_ptr<session::Session> session, ProgressFn progress);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  Transfers::Impl& owner;
  std::shared_ptr<session::Session> session;
  std::uint64_t id = 0;
  DiskWorker::Strand strand;
  std::optional<TransferError> error;  // the first one; the lanes stop at it

  // Records the first error and stops every lane (their requests are cancelled).
  void fail(TransferError e);
  void fail(TransferError::Kind kind, std::string message);
  // A path on disk that failed (Kind::Disk).
  void fail(const files::FileError& e);
  // A Telegram error or a failed call as the transfer's error.
  void fail(const session::CallError& e, std::string_view method);
  void cancel();

  // Runs `count` lanes (each `lane()`) and waits until all have ended. Cancellation of the calling
  // coroutine (the client went away) cancels the transfer; the wait still lasts until the lanes end.
  boost::asio::awaitable<void> run_lanes(int count,
                                         const std::function<boost::asio::awaitable<void>()>& lane);

  // Progress: at most one report per options.progress_interval, and the final one.
  void report(std::int64_t done, std::optional<std::int64_t> total, bool final = false);
  double seconds() const;

 private:
  ProgressFn progress_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_report_{};
  std::vector<std::unique_ptr<boost::asio::cancellation_signal>> signals_;
  int running_ = 0;
  boost::asio::steady_timer lanes_done_;
};

}  // namespace tgd::transfers
