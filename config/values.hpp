#pragma once
// The value syntaxes of tgd's config, shared by the file and the command-line flags. Each returns
// the value or an error message without the key ("must be ..., got ..."): the caller prefixes it.
// Exposed for the listeners, which compare Origin and Host headers in the same normal form.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.hpp"

namespace tgd::config {

template <class T>
struct Parsed {
  std::optional<T> value;
  std::string error;  // set when value is nullopt

  static Parsed ok(T v) { return Parsed{std::move(v), {}}; }
  static Parsed fail(std::string e) { return Parsed{std::nullopt, std::move(e)}; }
};

// "500ms", "10s", "5m", "1h", "7d" (an integer and a unit).
Parsed<std::chrono::milliseconds> parse_duration(std::string_view text);
// "16MiB", "512KiB", "1GiB", "4096", "4096B"; k/K/KB/KiB, M/MB/MiB, G/GB/GiB all mean powers of 1024.
Parsed<std::uint64_t> parse_size(std::string_view text);
// Octal permission bits: "0600", "600", "0o600"; at most 0777.
Parsed<std::uint32_t> parse_mode(std::string_view text);
Parsed<Network> parse_network(std::string_view text);       // production | test | custom
Parsed<LogFormat> parse_log_format(std::string_view text);  // text | json
// trace, debug, info, warn, error, critical, off.
Parsed<std::string> parse_log_level(std::string_view text);

// A DNS name or an IPv4 literal, or an IPv6 literal in brackets ("[::1]") when `bracketed_v6`
// (Host headers, origins), else bare ("::1", listening addresses). Lower-cased.
Parsed<std::string> parse_host(std::string_view text, bool bracketed_v6);
// "scheme://host[:port]" as browsers send it in Origin: lower-case scheme and host, no path (a
// single trailing "/" is dropped), the scheme's default port (http 80, https 443) dropped.
Parsed<std::string> normalize_origin(std::string_view text);
// --tcp: "HOST:PORT", "[V6]:PORT" or "PORT" (host 127.0.0.1). PORT 0..65535.
Parsed<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view text);
// --dc: "ID=HOST:PORT".
Parsed<DcEndpointConfig> parse_dc_endpoint(std::string_view text);

// [A-Za-z0-9_.-]{1,64}
bool is_valid_session_name(std::string_view name);
// my.telegram.org's api_hash: 32 hexadecimal digits. The error never repeats the value.
std::optional<std::string> check_api_hash(std::string_view hash);
// An inline token: 16..256 printable ASCII characters, no spaces. The error never repeats it.
std::optional<std::string> check_token(std::string_view token);

// Formats for describe(): "10s" / "1500ms"; "16MiB" / "1000B".
std::string format_duration(std::chrono::milliseconds d);
std::string format_size(std::uint64_t bytes);

}  // namespace tgd::config
