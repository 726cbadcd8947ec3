#pragma once
// Who may use the TCP listener, sans I/O: the token (Authorization: Bearer, or ?token=), the Origin
// allowlist (no cross-site WebSocket hijacking) and the Host check (no DNS rebinding).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgd::rpc {

// Compares in time that depends on the lengths only, not on where the texts differ.
bool constant_time_equal(std::string_view a, std::string_view b);

// The path of a request target ("/rpc?token=x" -> "/rpc").
std::string_view target_path(std::string_view target);
// The percent-decoded value of a query parameter of a request target, if present.
std::optional<std::string> query_parameter(std::string_view target, std::string_view name);
// The token of an "Authorization: Bearer <token>" header value (scheme case-insensitive).
std::optional<std::string_view> bearer_token(std::string_view authorization);

// A Host header naming the bound address (host:port), localhost:port, or an allowlisted name
// (an entry with a port must match exactly; one without matches that name on any port). Names
// compare case-insensitively. IPv6 literals are written in brackets ("[::1]:8080").
bool host_allowed(std::string_view host, std::string_view bound_host, std::uint16_t port,
                  const std::vector<std::string>& allowed_hosts);
// An Origin header value that is in the allowlist (scheme://host[:port], case-insensitive).
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed_origins);

}  // namespace tgd::rpc
