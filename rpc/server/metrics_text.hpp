#pragma once
// Prometheus text exposition format 0.0.4 (what GET /metrics answers), sans I/O: families with
// their # HELP and # TYPE lines, samples with escaped label values, histograms and summaries.
//
//   metrics::Writer w;
//   w.counter("tgd_rpc_requests_total", "JSON-RPC request objects received", {}, 12);
//   w.gauge("tgd_session_state", "1 for the state a session is in", {{"session", "main"}, {"state",
//   "ready"}}, 1); std::string text = w.done();
//
// Samples of one family may be added in any order and interleaved with other families: done()
// writes each family once, at the place of its first sample, with its samples in the order added
// (the format wants a family's lines together).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rpc/server/rpc_server.hpp"

namespace tgd::rpc::metrics {

// Label names are tgd's own identifiers (never escaped); values are escaped.
using Labels = std::vector<std::pair<std::string_view, std::string>>;

// The content type of the format.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value with \ " and newline escaped; HELP text with \ and newline escaped.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
// A sample value: integers without a fraction, NaN, +Inf, -Inf, else the shortest round-trip form.
std::string format_value(double value);

class Writer {
 public:
  void counter(std::string_view name, std::string_view help, const Labels& labels, double value);
  void gauge(std::string_view name, std::string_view help, const Labels& labels, double value);
  // A summary without quantiles: name_sum and name_count.
  void summary(std::string_view name, std::string_view help, const Labels& labels, double sum,
               std::uint64_t count);
  // A histogram: `counts[i]` observations fell at or under bounds[i] and over bounds[i-1]
  // (per bucket, not cumulative); counts has one more entry, for those over the last bound.
  void histogram(std::string_view name, std::string_view help, const Labels& labels,
                 std::span<const double> bounds, std::span<const std::uint64_t> counts, double sum);
  std::string done() const;

 private:
  struct Family {
    std::string name, type, help;
    std::string samples;
  };
  Family& family(std::string_view name, std::string_view type, std::string_view help);
  static void sample(std::string& out, std::string_view name, const Labels& labels, std::string_view value,
                     std::string_view extra_label = {}, std::string_view extra_value = {});
  std::vector<Family> families_;
};

// The JSON-RPC server's own numbers (connections, requests, errors by code, in flight).
void server_metrics(Writer& writer, const Stats& stats);

}  // namespace tgd::rpc::metrics
