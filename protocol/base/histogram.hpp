#pragma once
// Fixed-bucket histograms for metrics (GET /metrics writes them as Prometheus histograms): counts
// per bucket, not cumulative, and the sum. Header-only, no allocation: observe() is a binary search
// over a handful of bounds and two additions, cheap enough for every call and every update.
//
//   inline constexpr std::array<double, 3> kBounds{0.1, 1, 10};
//   Histogram<kBounds> h;
//   h.observe(0.5);   // buckets {0, 1, 0, 0}: over 0.1, at most 1
//   h.observe(20);    // the last bucket: over the last bound (+Inf)
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>

namespace tgd {

// The bucket of `value` among ascending `bounds`: the first bound at or above it (Prometheus' "le"),
// bounds.size() when it is over the last one. NaN goes there too.
inline std::size_t bucket_index(std::span<const double> bounds, double value) {
  if (value != value) return bounds.size();  // NaN
  return static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
}

// Latencies, seconds: 1 ms to 60 s (JSON-RPC methods and Telegram calls).
inline constexpr std::array<double, 15> kLatencyBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                       0.5,   1,      2.5,   5,    10,    30,   60};

template <const auto& Bounds>
struct Histogram {
  static constexpr std::span<const double> bounds() { return Bounds; }
  // Observations per bucket (not cumulative); the last one counts those over the last bound.
  std::array<std::uint64_t, std::size(Bounds) + 1> buckets{};
  double sum = 0;

  void observe(double value) {
    ++buckets[bucket_index(Bounds, value)];
    sum += value;
  }
  std::uint64_t count() const { return std::accumulate(buckets.begin(), buckets.end(), std::uint64_t{0}); }
};

using LatencyHistogram = Histogram<kLatencyBounds>;

}  // namespace tgd
