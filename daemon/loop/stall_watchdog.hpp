#pragma once
// The event-loop stall watchdog: everything in tgd runs on one thread, so a handler that blocks
// (a slow disk, a long computation, a bug) holds up every session and client. A timer on the loop
// wakes every `interval` and measures how late it woke: that lateness is how long the loop was
// busy with something else. Every lateness goes into a histogram (GET /metrics,
// tgd_event_loop_lateness_seconds); one over `threshold` is logged as a warning with its length
// and what was in flight (asio cannot tell which handler ran, so the in-flight requests are the
// best hint), and counted as a stall.
//
//   loop::StallWatchdog watchdog(io.get_executor(), {.threshold = std::chrono::milliseconds(200)});
//   watchdog.start();
//   ...
//   watchdog.stop();  // before the loop is expected to run dry: the timer keeps it busy
//
// Costs one timer wake-up per interval; never blocks. Not thread-safe: use it on the loop's thread.
#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace tgd::loop {

struct StallOptions {
  std::chrono::milliseconds interval{100};
  // A lateness over this is a stall (logged, counted); zero: none is logged.
  std::chrono::milliseconds threshold{200};
};

struct StallStats {
  // Histogram bounds, seconds: 10, 50, 100, 250, 500, 1000 and 5000 ms.
  static constexpr std::array<double, 7> kBounds{0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};
  // Wake-ups per bucket (not cumulative); the last one counts those over 5 s.
  std::array<std::uint64_t, kBounds.size() + 1> buckets{};
  double sum_seconds = 0;    // the latenesses added up
  std::uint64_t stalls = 0;  // latenesses over the threshold
  std::chrono::nanoseconds longest{0};
};

class StallWatchdog {
 public:
  StallWatchdog(boost::asio::any_io_executor executor, StallOptions options = {});
  StallWatchdog(const StallWatchdog&) = delete;
  StallWatchdog& operator=(const StallWatchdog&) = delete;

  void start();
  void stop();
  // A configuration reload: from the next wake-up.
  void set_threshold(std::chrono::milliseconds threshold) { options_.threshold = threshold; }
  std::chrono::milliseconds threshold() const { return options_.threshold; }
  // What a stall's warning adds, e.g. the requests in flight; empty function: nothing.
  void set_context(std::function<std::string()> context) { context_ = std::move(context); }

  // Records one wake-up `lateness` late: the histogram, and a warning over the threshold. The
  // timer calls it; tests may too. Whether it was a stall.
  bool record(std::chrono::nanoseconds lateness);
  const StallStats& stats() const { return stats_; }

 private:
  void arm();

  boost::asio::steady_timer timer_;
  StallOptions options_;
  std::function<std::string()> context_;
  StallStats stats_;
  bool running_ = false;
};

}  // namespace tgd::loop
