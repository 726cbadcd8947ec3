#include "protocol/base/histogram.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace tgd;

namespace {
constexpr std::array<double, 3> kBounds{0.1, 1, 10};
}  // namespace

TEST_CASE("a value lands in the first bucket whose bound is at or above it") {
  CHECK(bucket_index(kBounds, 0) == 0);
  CHECK(bucket_index(kBounds, 0.1) == 0);  // "le": a value on a bound belongs to it
  CHECK(bucket_index(kBounds, 0.11) == 1);
  CHECK(bucket_index(kBounds, 1) == 1);
  CHECK(bucket_index(kBounds, 9.99) == 2);
  CHECK(bucket_index(kBounds, 10.01) == 3);  // over the last bound: +Inf
  CHECK(bucket_index(kBounds, std::numeric_limits<double>::infinity()) == 3);
  CHECK(bucket_index(kBounds, std::nan("")) == 3);
}

TEST_CASE("a histogram counts per bucket, not cumulatively, and adds up the values") {
  Histogram<kBounds> h;
  for (double v : {0.05, 0.5, 0.7, 5.0, 20.0, 30.0}) h.observe(v);
  CHECK(h.buckets == std::array<std::uint64_t, 4>{1, 2, 1, 2});
  CHECK(h.count() == 6);
  CHECK(h.sum == doctest::Approx(56.25));
  CHECK(Histogram<kBounds>::bounds().size() == 3);
}

TEST_CASE("the latency bounds ascend from a millisecond to a minute") {
  CHECK(kLatencyBounds.front() == 0.001);
  CHECK(kLatencyBounds.back() == 60);
  for (std::size_t i = 1; i < kLatencyBounds.size(); ++i) CHECK(kLatencyBounds[i - 1] < kLatencyBounds[i]);
  LatencyHistogram h;
  h.observe(0.0004);
  h.observe(0.003);
  h.observe(120);
  CHECK(h.buckets[0] == 1);
  CHECK(h.buckets[2] == 1);
  CHECK(h.buckets.back() == 1);
}
