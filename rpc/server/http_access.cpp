#include "rpc/server/http_access.hpp"

#include <algorithm>
#include <cctype>

namespace tgd::rpc {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string bracketed(std::string_view host) {
  if (std::count(host.begin(), host.end(), ':') >= 2 && host.front() != '[')
    return "[" + std::string(host) + "]";
  return std::string(host);
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

std::string_view target_path(std::string_view target) { return target.substr(0, target.find_first_of("?#")); }

std::optional<std::string> query_parameter(std::string_view target, std::string_view name) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size() || !iequals(authorization.substr(0, kScheme.size()), kScheme))
    return std::nullopt;
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

bool host_allowed(std::string_view host, std::string_view bound_host, std::uint16_t port,
                  const std::vector<std::string>& allowed_hosts) {
  if (host.empty()) return false;
  const std::string suffix = ":" + std::to_string(port);
  for (const std::string& name : {bracketed(bound_host), std::string("localhost")}) {
    if (iequals(host, name + suffix)) return true;
  }
  // The name part of the header: "[::1]:80" -> "[::1]", "example.org:80" -> "example.org".
  std::string_view name = host;
  std::size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos)
    name = host.substr(0, colon);
  for (const std::string& allowed : allowed_hosts) {
    std::string entry = bracketed(allowed);
    bool entry_has_port =
        entry.rfind(':') != std::string::npos && entry.find(']', entry.rfind(':')) == std::string::npos;
    if (entry_has_port ? iequals(host, entry) : iequals(name, entry)) return true;
  }
  return false;
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed_origins) {
  while (!origin.empty() && origin.back() == '/') origin.remove_suffix(1);
  for (std::string_view allowed : allowed_origins) {
    while (!allowed.empty() && allowed.back() == '/') allowed.remove_suffix(1);
    if (allowed == "*" || iequals(origin, allowed)) return true;
  }
  return false;
}

}  // namespace tgd::rpc
