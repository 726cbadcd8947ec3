#pragma once
// Tiny timing helpers for the benchmarks: run a body enough times to last a while, repeat, and
// report the median, which is what survives the noise of a shared 2-core machine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace tgd::bench {

// Seconds per call of body(), the median of `repeats` samples of about `sample_seconds` each.
template <typename F>
double median_seconds_per_call(F&& body, int repeats = 7, double sample_seconds = 0.2) {
  using clock = std::chrono::steady_clock;
  // Calibrate how many calls make one sample.
  long calls = 1;
  while (true) {
    auto start = clock::now();
    for (long i = 0; i < calls; ++i) body();
    double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    if (elapsed >= sample_seconds / 4 || calls > (1L << 40)) break;
    calls *= 2;
  }
  std::vector<double> samples;
  for (int r = 0; r < repeats; ++r) {
    auto start = clock::now();
    long n = 0;
    double elapsed = 0;
    do {
      for (long i = 0; i < calls; ++i) body();
      n += calls;
      elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < sample_seconds);
    samples.push_back(elapsed / static_cast<double>(n));
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

// Keeps the optimizer from discarding a result.
template <typename T>
inline void keep(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

}  // namespace tgd::bench
