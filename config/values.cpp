#include "config/values.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <limits>

namespace tgd::config {

namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A leading run of decimal digits as an unsigned 64-bit number; nullopt when empty or too large.
std::optional<std::uint64_t> leading_number(std::string_view text, std::size_t& used) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) return std::nullopt;
  used = static_cast<std::size_t>(end - text.data());
  return value;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  for (char c : text)
    if (!is_digit(c)) return std::nullopt;
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& s) {
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool is_dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (s[i - 1] == '-' || s[i - label] == '-') return false;
      label = 0;
      continue;
    }
    char c = lower(s[i]);
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_')) return false;
    ++label;
  }
  return true;
}

}  // namespace

Parsed<std::chrono::milliseconds> parse_duration(std::string_view text) {
  using R = Parsed<std::chrono::milliseconds>;
  std::size_t used = 0;
  auto number = leading_number(text, used);
  if (!number)
    return R::fail("must be a duration like \"500ms\", \"10s\", \"5m\", \"1h\" or \"7d\", got " +
                   quoted(text));
  const std::string_view unit = text.substr(used);
  std::uint64_t scale = 0;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "m" || unit == "min")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  else if (unit == "d")
    scale = 86'400'000;
  else if (unit.empty())
    return R::fail("a duration needs a unit (ms, s, m, h, d), got " + quoted(text));
  else
    return R::fail("unknown duration unit " + quoted(unit) + " (use ms, s, m, h or d)");
  if (*number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / scale / 1000)
    return R::fail("duration " + quoted(text) + " is too long");
  return R::ok(std::chrono::milliseconds(static_cast<std::int64_t>(*number * scale)));
}

Parsed<std::uint64_t> parse_size(std::string_view text) {
  using R = Parsed<std::uint64_t>;
  std::size_t used = 0;
  auto number = leading_number(text, used);
  if (!number)
    return R::fail("must be a size like 4096, \"512KiB\", \"16MiB\" or \"1GiB\", got " + quoted(text));
  const std::string unit = lowered(text.substr(used));
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib")
    scale = 1ull << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib")
    scale = 1ull << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib")
    scale = 1ull << 30;
  else
    return R::fail("unknown size unit " + quoted(text.substr(used)) + " (use B, KiB, MiB or GiB)");
  if (*number > std::numeric_limits<std::uint64_t>::max() / scale)
    return R::fail("size " + quoted(text) + " is too large");
  return R::ok(*number * scale);
}

Parsed<std::uint32_t> parse_mode(std::string_view text) {
  using R = Parsed<std::uint32_t>;
  std::string_view digits = text;
  if (digits.starts_with("0o") || digits.starts_with("0O")) digits.remove_prefix(2);
  std::uint32_t value = 0;
  bool ok = !digits.empty() && digits.size() <= 6;
  for (char c : digits) {
    if (c < '0' || c > '7')
      ok = false;
    else
      value = value * 8 + static_cast<std::uint32_t>(c - '0');
  }
  if (!ok) return R::fail("must be octal permission bits like \"0600\" or \"0660\", got " + quoted(text));
  if (value > 0777) return R::fail("must be at most 0777 (permission bits only), got " + quoted(text));
  return R::ok(value);
}

Parsed<Network> parse_network(std::string_view text) {
  if (text == "production") return Parsed<Network>::ok(Network::Production);
  if (text == "test") return Parsed<Network>::ok(Network::Test);
  if (text == "custom") return Parsed<Network>::ok(Network::Custom);
  return Parsed<Network>::fail("must be one of production, test, custom; got " + quoted(text));
}

Parsed<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return Parsed<LogFormat>::ok(LogFormat::Text);
  if (text == "json") return Parsed<LogFormat>::ok(LogFormat::Json);
  return Parsed<LogFormat>::fail("must be one of text, json; got " + quoted(text));
}

Parsed<std::string> parse_log_level(std::string_view text) {
  static constexpr std::array<std::string_view, 7> kLevels{"trace", "debug",    "info", "warn",
                                                           "error", "critical", "off"};
  for (std::string_view level : kLevels)
    if (text == level) return Parsed<std::string>::ok(std::string(level));
  return Parsed<std::string>::fail("must be one of trace, debug, info, warn, error, critical, off; got " +
                                   quoted(text));
}

Parsed<std::string> parse_host(std::string_view text, bool bracketed_v6) {
  using R = Parsed<std::string>;
  std::string host = lowered(text);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    std::string inner = host.substr(1, host.size() - 2);
    if (is_ipv6(inner)) return R::ok(bracketed_v6 ? host : inner);
  } else if (is_ipv6(host)) {
    if (bracketed_v6)
      return R::fail("an IPv6 address must be in brackets, like \"[::1]\"; got " + quoted(text));
    return R::ok(host);
  } else if (is_ipv4(host) || is_dns_name(host)) {
    return R::ok(host);
  }
  return R::fail("must be a host name or an IP address, got " + quoted(text));
}

Parsed<std::string> normalize_origin(std::string_view text) {
  using R = Parsed<std::string>;
  const auto bad = [&] {
    return R::fail(
        "must be an origin like \"https://example.com\" or \"http://localhost:3000\" "
        "(scheme://host[:port], no path), got " +
        quoted(text));
  };
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return bad();
  const std::string scheme = lowered(text.substr(0, sep));
  if (!(scheme[0] >= 'a' && scheme[0] <= 'z')) return bad();
  for (char c : scheme)
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '-' || c == '.')) return bad();
  std::string_view rest = text.substr(sep + 3);
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) return bad();
  std::string_view host_part = rest, port_part;
  if (rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad();
    host_part = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad();
      port_part = after.substr(1);
      if (port_part.empty()) return bad();
    }
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host_part = rest.substr(0, colon);
    port_part = rest.substr(colon + 1);
    if (port_part.empty()) return bad();
  }
  auto host = parse_host(host_part, true);
  if (!host.value) return bad();
  std::string origin = scheme + "://" + *host.value;
  if (!port_part.empty()) {
    auto port = parse_port(port_part);
    if (!port || *port == 0) return bad();
    const bool default_port = (scheme == "http" && *port == 80) || (scheme == "https" && *port == 443);
    if (!default_port) origin += ":" + std::to_string(*port);
  }
  return R::ok(origin);
}

Parsed<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view text) {
  using R = Parsed<std::pair<std::string, std::uint16_t>>;
  const auto bad = [&] {
    return R::fail("must be HOST:PORT, [IPV6]:PORT or PORT (port 0..65535, 0 picks a free one), got " +
                   quoted(text));
  };
  if (auto port = parse_port(text)) return R::ok({"127.0.0.1", *port});
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  auto port = parse_port(text.substr(colon + 1));
  if (!port) return bad();
  auto host = parse_host(text.substr(0, colon), false);
  if (!host.value || (text.front() != '[' && host.value->find(':') != std::string::npos)) return bad();
  return R::ok({*host.value, *port});
}

Parsed<DcEndpointConfig> parse_dc_endpoint(std::string_view text) {
  using R = Parsed<DcEndpointConfig>;
  const auto bad = [&] { return R::fail("must be ID=HOST:PORT like 1=127.0.0.1:4430, got " + quoted(text)); };
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) return bad();
  std::int32_t id = 0;
  const std::string_view id_text = text.substr(0, eq);
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc{} || end != id_text.data() + id_text.size()) return bad();
  if (id < 1 || id > 9999) return R::fail("DC id must be 1..9999, got " + std::to_string(id));
  auto address = parse_listen_address(text.substr(eq + 1));
  if (!address.value || text.substr(eq + 1).find(':') == std::string_view::npos) return bad();
  if (address.value->second == 0) return R::fail("DC port must be 1..65535, got 0");
  return R::ok(DcEndpointConfig{id, address.value->first, address.value->second});
}

bool is_valid_session_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '.' ||
          c == '-'))
      return false;
  return true;
}

std::optional<std::string> check_api_hash(std::string_view hash) {
  bool hex = hash.size() == 32;
  for (char c : hash)
    if (!(is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f'))) hex = false;
  if (hex) return std::nullopt;
  return "must be the 32 hexadecimal digits my.telegram.org shows (got " + std::to_string(hash.size()) +
         " characters" + (hash.size() == 32 ? ", not all hexadecimal)" : ")");
}

std::optional<std::string> check_token(std::string_view token) {
  bool printable = true;
  for (char c : token)
    if (c <= 0x20 || c >= 0x7f) printable = false;
  if (token.size() >= 16 && token.size() <= 256 && printable) return std::nullopt;
  return "must be 16..256 printable ASCII characters without spaces (got " + std::to_string(token.size()) +
         " characters" + (printable ? ")" : ", some not printable)");
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_size(std::uint64_t bytes) {
  if (bytes != 0 && bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "GiB";
  if (bytes != 0 && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "MiB";
  if (bytes != 0 && bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + "KiB";
  return std::to_string(bytes) + "B";
}

}  // namespace tgd::config
