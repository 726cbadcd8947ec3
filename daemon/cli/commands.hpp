#pragma once
// The client side of the tgd binary: `tgd call`, `tgd login`, `tgd status` talk to a running daemon
// over its UNIX socket. Exit status: 0 success; 2 an error from tgd itself (JSON-RPC and tgd codes:
// bad params, unknown session, not logged in, timeout, ...); 3 an error from Telegram (its rpc_error,
// e.g. FLOOD_WAIT_30 or PEER_ID_INVALID); 4 the daemon cannot be reached. Errors go to stderr.
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace tgd::cli {

inline constexpr int kExitTgdError = 2;
inline constexpr int kExitTelegramError = 3;
inline constexpr int kExitUnreachable = 4;

// Prints the result JSON on stdout; with `raw`, the request and response lines as exchanged.
int run_call(const std::filesystem::path& socket, const std::string& method, const std::string& params,
             const std::optional<std::string>& session, bool raw = false);
// A readable summary of the sessions and the daemon.
int run_status(const std::filesystem::path& socket);
// Walks a person through a login: phone (or bot token), code, 2FA password, sign-up names.
int run_login(const std::filesystem::path& socket, const std::string& session, std::istream& in,
              std::ostream& out);

}  // namespace tgd::cli
