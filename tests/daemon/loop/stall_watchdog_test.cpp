// The event-loop stall watchdog: the histogram's buckets, the threshold, and a real stall (a
// handler that blocks the loop) seen by the timer.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <numeric>
#include <thread>

#include "daemon/loop/stall_watchdog.hpp"

using namespace std::chrono_literals;
using tgd::loop::StallStats;
using tgd::loop::StallWatchdog;

TEST_CASE("stall watchdog: latenesses land in their buckets, those over the threshold are stalls") {
  boost::asio::io_context io;
  StallWatchdog watchdog(io.get_executor(), {.interval = 100ms, .threshold = 200ms});
  int asked = 0;
  watchdog.set_context([&] {
    ++asked;
    return std::string("2 requests in flight");
  });
  CHECK_FALSE(watchdog.record(5ms));
  CHECK_FALSE(watchdog.record(10ms));   // a bound belongs to its bucket (le)
  CHECK_FALSE(watchdog.record(200ms));  // the threshold itself is no stall
  CHECK(watchdog.record(300ms));
  CHECK(watchdog.record(6s));
  const StallStats& s = watchdog.stats();
  CHECK(s.buckets == std::array<std::uint64_t, 8>{2, 0, 0, 1, 1, 0, 0, 1});
  CHECK(s.stalls == 2);
  CHECK(asked == 2);
  CHECK(s.longest == 6s);
  CHECK(s.sum_seconds == doctest::Approx(6.515));
  watchdog.set_threshold(0ms);  // none logged
  CHECK_FALSE(watchdog.record(10s));
  CHECK(s.stalls == 2);
}

TEST_CASE("stall watchdog: a handler blocking the loop is measured, and stop() lets the loop end") {
  boost::asio::io_context io;
  StallWatchdog watchdog(io.get_executor(), {.interval = 20ms, .threshold = 100ms});
  watchdog.start();
  boost::asio::steady_timer block(io, 60ms), end(io, 600ms);
  // The very thing the watchdog is there to catch: a handler that blocks the loop's thread.
  block.async_wait([](const boost::system::error_code&) { std::this_thread::sleep_for(300ms); });
  end.async_wait([&](const boost::system::error_code&) { watchdog.stop(); });
  io.run();  // returns only because stop() cancelled the timer
  const StallStats& s = watchdog.stats();
  CHECK(s.stalls == 1);
  CHECK(s.longest >= 250ms);
  CHECK(s.longest < 1s);
  const auto wakeups = std::accumulate(s.buckets.begin(), s.buckets.end(), std::uint64_t{0});
  CHECK(wakeups >= 5);
  CHECK(s.buckets[4] + s.buckets[5] == 1);  // (250 ms, 1 s]
}
