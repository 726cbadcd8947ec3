#include "rpc/server/metrics_text.hpp"

#include <charconv>
#include <cmath>

namespace tgd::rpc::metrics {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counters are integers: print them as such (exact up to 2^53, far beyond any count here).
  if (value == std::trunc(value) && std::fabs(value) < 9.007199254740992e15)
    return std::to_string(static_cast<long long>(value));
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

Writer::Family& Writer::family(std::string_view name, std::string_view type, std::string_view help) {
  for (Family& f : families_) {
    if (f.name == name) return f;
  }
  families_.push_back(Family{std::string(name), std::string(type), std::string(help), {}});
  return families_.back();
}

void Writer::sample(std::string& out, std::string_view name, const Labels& labels, std::string_view value,
                    std::string_view extra_label, std::string_view extra_value) {
  out += name;
  if (!labels.empty() || !extra_label.empty()) {
    out += '{';
    bool first = true;
    auto add = [&](std::string_view label, std::string_view v) {
      if (!first) out += ',';
      first = false;
      out += label;
      out += "=\"";
      out += escape_label_value(v);
      out += '"';
    };
    for (const auto& [label, v] : labels) add(label, v);
    if (!extra_label.empty()) add(extra_label, extra_value);
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

void Writer::counter(std::string_view name, std::string_view help, const Labels& labels, double value) {
  sample(family(name, "counter", help).samples, name, labels, format_value(value));
}

void Writer::gauge(std::string_view name, std::string_view help, const Labels& labels, double value) {
  sample(family(name, "gauge", help).samples, name, labels, format_value(value));
}

void Writer::summary(std::string_view name, std::string_view help, const Labels& labels, double sum,
                     std::uint64_t count) {
  std::string& out = family(name, "summary", help).samples;
  sample(out, std::string(name) + "_sum", labels, format_value(sum));
  sample(out, std::string(name) + "_count", labels, std::to_string(count));
}

void Writer::histogram(std::string_view name, std::string_view help, const Labels& labels,
                       std::span<const double> bounds, std::span<const std::uint64_t> counts, double sum) {
  std::string& out = family(name, "histogram", help).samples;
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (i < counts.size()) cumulative += counts[i];
    sample(out, bucket, labels, std::to_string(cumulative), "le", format_value(bounds[i]));
  }
  for (std::size_t i = bounds.size(); i < counts.size(); ++i) cumulative += counts[i];
  sample(out, bucket, labels, std::to_string(cumulative), "le", "+Inf");
  sample(out, std::string(name) + "_sum", labels, format_value(sum));
  sample(out, std::string(name) + "_count", labels, std::to_string(cumulative));
}

std::string Writer::done() const {
  std::string out;
  for (const Family& f : families_) {
    out += "# HELP " + f.name + ' ' + escape_help(f.help) + '\n';
    out += "# TYPE " + f.name + ' ' + f.type + '\n';
    out += f.samples;
  }
  return out;
}

void server_metrics(Writer& w, const Stats& stats) {
  const auto n = [](std::uint64_t v) { return static_cast<double>(v); };
  w.gauge("tgd_rpc_connections_open", "JSON-RPC client connections open now (UNIX socket, HTTP, WebSocket)",
          {}, n(stats.connections_open));
  w.counter("tgd_rpc_connections_total", "JSON-RPC client connections accepted", {},
            n(stats.connections_total));
  w.counter("tgd_rpc_requests_total", "JSON-RPC request objects received (a batch entry counts one)", {},
            n(stats.requests));
  w.counter("tgd_rpc_notifications_total", "JSON-RPC notifications received (requests without id)", {},
            n(stats.notifications));
  w.gauge("tgd_rpc_requests_in_flight", "JSON-RPC calls running now", {}, n(stats.in_flight));
  for (const auto& [code, count] : stats.errors) {
    w.counter("tgd_rpc_errors_total", "JSON-RPC error responses (and failed notifications) by error code",
              {{"code", std::to_string(code)}}, n(count));
  }
}

}  // namespace tgd::rpc::metrics
