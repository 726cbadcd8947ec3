#include "daemon/loop/stall_watchdog.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocol/base/histogram.hpp"

namespace tgd::loop {

StallWatchdog::StallWatchdog(boost::asio::any_io_executor executor, StallOptions options)
    : timer_(std::move(executor)), options_(options) {}

void StallWatchdog::start() {
  if (running_) return;
  running_ = true;
  arm();
}

void StallWatchdog::stop() {
  running_ = false;
  timer_.cancel();
}

void StallWatchdog::arm() {
  const auto expected = std::chrono::steady_clock::now() + options_.interval;
  timer_.expires_at(expected);
  timer_.async_wait([this, expected](const boost::system::error_code& ec) {
    // Cancelled (stop, or the watchdog is going away): `this` may be gone, touch nothing.
    if (ec) return;
    record(
        std::max(std::chrono::steady_clock::now() - expected, std::chrono::steady_clock::duration::zero()));
    // Measured from now, not from `expected`: after a stall the next wake-up is one interval
    // away, instead of a burst of catch-up wake-ups that would each count the same stall.
    if (running_) arm();
  });
}

bool StallWatchdog::record(std::chrono::nanoseconds lateness) {
  const double seconds = std::chrono::duration<double>(lateness).count();
  ++stats_.buckets[bucket_index(StallStats::kBounds, seconds)];
  stats_.sum_seconds += seconds;
  stats_.longest = std::max(stats_.longest, lateness);
  if (options_.threshold.count() <= 0 || lateness <= options_.threshold) return false;
  ++stats_.stalls;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(lateness).count();
  const std::string context = context_ ? context_() : std::string();
  spdlog::warn("event loop stalled for {} ms (threshold {} ms): every session and client waited{}{}", ms,
               options_.threshold.count(), context.empty() ? "" : "; ", context);
  return true;
}

}  // namespace tgd::loop
