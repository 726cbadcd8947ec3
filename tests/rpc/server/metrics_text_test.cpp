// The Prometheus text format of GET /metrics, exactly: families grouped with # HELP and # TYPE,
// escaping, histograms and summaries, values.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>

#include "rpc/server/metrics_text.hpp"

using namespace tgd::rpc;
using namespace tgd::rpc::metrics;

TEST_CASE("metrics text: families are grouped, each with its HELP and TYPE once") {
  Writer w;
  w.counter("tgd_calls_total", "Calls by method", {{"session", "a"}, {"method", "x.y"}}, 3);
  w.gauge("tgd_open", "Open now", {}, 2);
  w.counter("tgd_calls_total", "Calls by method", {{"session", "b"}, {"method", "x.y"}}, 4);
  CHECK(w.done() ==
        "# HELP tgd_calls_total Calls by method\n"
        "# TYPE tgd_calls_total counter\n"
        "tgd_calls_total{session=\"a\",method=\"x.y\"} 3\n"
        "tgd_calls_total{session=\"b\",method=\"x.y\"} 4\n"
        "# HELP tgd_open Open now\n"
        "# TYPE tgd_open gauge\n"
        "tgd_open 2\n");
}

TEST_CASE("metrics text: label values and help text are escaped") {
  CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(escape_help("50\\50 \"quoted\"\nnext") == "50\\\\50 \"quoted\"\\nnext");
  Writer w;
  w.gauge("g", "line\nbreak", {{"name", "we\"ird\\"}}, 1);
  CHECK(w.done() ==
        "# HELP g line\\nbreak\n"
        "# TYPE g gauge\n"
        "g{name=\"we\\\"ird\\\\\"} 1\n");
}

TEST_CASE("metrics text: values") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(12345678901.0) == "12345678901");
  CHECK(format_value(0.25) == "0.25");
  CHECK(format_value(-1.5) == "-1.5");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::nan("")) == "NaN");
}

TEST_CASE("metrics text: a histogram's buckets are cumulative, +Inf counts everything") {
  Writer w;
  const std::array<double, 3> bounds{0.01, 0.05, 0.1};
  const std::array<std::uint64_t, 4> counts{5, 0, 2, 1};
  w.histogram("tgd_stall_seconds", "Stalls", {{"loop", "main"}}, bounds, counts, 0.75);
  CHECK(w.done() ==
        "# HELP tgd_stall_seconds Stalls\n"
        "# TYPE tgd_stall_seconds histogram\n"
        "tgd_stall_seconds_bucket{loop=\"main\",le=\"0.01\"} 5\n"
        "tgd_stall_seconds_bucket{loop=\"main\",le=\"0.05\"} 5\n"
        "tgd_stall_seconds_bucket{loop=\"main\",le=\"0.1\"} 7\n"
        "tgd_stall_seconds_bucket{loop=\"main\",le=\"+Inf\"} 8\n"
        "tgd_stall_seconds_sum{loop=\"main\"} 0.75\n"
        "tgd_stall_seconds_count{loop=\"main\"} 8\n");
}

TEST_CASE("metrics text: a summary without quantiles, and the server's numbers") {
  Writer w;
  w.summary("tgd_call_seconds", "Time", {{"method", "m"}}, 1.5, 3);
  Stats stats;
  stats.connections_open = 2;
  stats.connections_total = 9;
  stats.requests = 7;
  stats.notifications = 1;
  stats.in_flight = 3;
  stats.errors[-32601] = 4;
  server_metrics(w, stats);
  const std::string text = w.done();
  CHECK(
      text.starts_with("# HELP tgd_call_seconds Time\n"
                       "# TYPE tgd_call_seconds summary\n"
                       "tgd_call_seconds_sum{method=\"m\"} 1.5\n"
                       "tgd_call_seconds_count{method=\"m\"} 3\n"));
  CHECK(text.find("# TYPE tgd_rpc_connections_open gauge\ntgd_rpc_connections_open 2\n") !=
        std::string::npos);
  CHECK(text.find("tgd_rpc_connections_total 9\n") != std::string::npos);
  CHECK(text.find("tgd_rpc_requests_total 7\n") != std::string::npos);
  CHECK(text.find("tgd_rpc_notifications_total 1\n") != std::string::npos);
  CHECK(text.find("tgd_rpc_requests_in_flight 3\n") != std::string::npos);
  CHECK(text.find("# TYPE tgd_rpc_errors_total counter\ntgd_rpc_errors_total{code=\"-32601\"} 4\n") !=
        std::string::npos);
}
