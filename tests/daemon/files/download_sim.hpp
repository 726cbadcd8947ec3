#pragma once
// Drives a DownloadPlan against a simulated file: answers come back in a shuffled order, some fail,
// every request is checked against Telegram's rules, and every write against the file's bytes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "daemon/files/download_plan.hpp"
#include "tests/daemon/files/getfile_rules.hpp"

namespace tgd::files::test {

struct SimOptions {
  std::uint32_t seed = 1;
  int fail_one_in = 0;      // fail a random answer one time in N (0: never)
  int drop_all_one_in = 0;  // drop every request in flight one time in N (0: never)
};

struct SimResult {
  bool done = false;
  std::optional<std::string> error;
  std::int64_t written = 0;  // bytes, checked contiguous from 0
  std::size_t requests = 0;
  std::size_t precise_requests = 0;
  std::map<std::uint32_t, int> sends;       // part → times sent
  std::vector<PartRequest> first_requests;  // in the order sent, first few
};

// The server: the file is `actual_size` bytes; an answer is min(limit, size - offset) bytes.
inline std::size_t served(std::int64_t actual_size, const PartRequest& request) {
  return static_cast<std::size_t>(std::clamp<std::int64_t>(actual_size - request.offset, 0, request.limit));
}

inline SimResult simulate(DownloadPlan& plan, std::int64_t actual_size, std::int64_t range_begin, int window,
                          SimOptions options = {}) {
  SimResult result;
  std::mt19937 rng(options.seed);
  std::vector<PartRequest> in_flight;
  // Written intervals of the output: (output offset, length), checked to tile [0, written).
  std::vector<std::pair<std::int64_t, std::int64_t>> writes;
  for (int steps = 0; steps < 10'000'000; ++steps) {
    while (auto request = plan.next()) {
      const std::string violation = getfile_rule_violation(request->offset, request->limit, request->precise);
      if (!violation.empty()) {
        FAIL("request offset " << request->offset << " limit " << request->limit << ": " << violation);
        return result;
      }
      ++result.requests;
      if (request->precise) ++result.precise_requests;
      ++result.sends[request->part];
      if (result.first_requests.size() < 16) result.first_requests.push_back(*request);
      in_flight.push_back(*request);
      REQUIRE(plan.in_flight() <= window);
    }
    if (in_flight.empty()) break;
    if (options.drop_all_one_in > 0 && rng() % options.drop_all_one_in == 0) {
      const auto dropped = plan.fail_all_in_flight();
      REQUIRE(dropped.size() == in_flight.size());
      in_flight.clear();
      continue;
    }
    const std::size_t pick = rng() % in_flight.size();
    const PartRequest request = in_flight[pick];
    in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(pick));
    if (options.fail_one_in > 0 && rng() % options.fail_one_in == 0) {
      const FailOutcome outcome = plan.fail(request.part);
      if (outcome == FailOutcome::kGaveUp) break;
      continue;
    }
    const std::size_t received = served(actual_size, request);
    auto answer = plan.complete(request.part, received);
    if (auto* error = std::get_if<PlanError>(&answer)) {
      result.error = error->message;
      return result;
    }
    const PartWrite write = std::get<PartWrite>(answer);
    if (write.length == 0) continue;
    // The bytes written are the file's bytes at range_begin + output_offset.
    REQUIRE(write.skip + write.length <= received);
    REQUIRE(request.offset + static_cast<std::int64_t>(write.skip) == range_begin + write.output_offset);
    writes.emplace_back(write.output_offset, static_cast<std::int64_t>(write.length));
  }
  if (plan.error()) result.error = plan.error()->message;
  result.done = plan.done();
  std::sort(writes.begin(), writes.end());
  std::int64_t end = 0;
  for (const auto& [offset, length] : writes) {
    REQUIRE_MESSAGE(offset == end, "gap or overlap at output offset " << end);
    end = offset + length;
  }
  result.written = end;
  CHECK(plan.bytes_written() == end);
  return result;
}

}  // namespace tgd::files::test
