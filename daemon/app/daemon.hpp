#pragma once
// tgd's main job: hold the configured Telegram sessions and serve them over JSON-RPC until SIGTERM
// or SIGINT. One io_context, one thread:
//
//   Store (SQLite, state-dir lock) → SessionManager (restored sessions, the config's [[session]]s)
//   → Methods (what JSON-RPC calls do) → RpcServer (UNIX socket, HTTP + WebSocket)
//
// The first SIGTERM/SIGINT stops accepting, cancels the calls in flight, persists the sessions'
// keys and exits 0; a second one exits at once. SIGHUP reloads the configuration (hooks.reload):
// listeners, access rules, limits, logging and new [[session]]s, without dropping a connection;
// an invalid one is refused with a log line. SIGUSR1 reopens the log file.
//
// Under systemd (daemon/app/systemd_notify.hpp): READY=1 once the listeners are open,
// RELOADING=1 / READY=1 around a reload, STOPPING=1, STATUS= lines, WATCHDOG=1 from the event loop;
// the listening sockets a .socket unit passes are served instead of binding new ones.
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"

namespace tgd::session {
class SessionManager;
}

namespace tgd::app {

// What a script needs to talk to a running daemon.
struct ReadyInfo {
  std::string socket;    // UNIX socket path, empty when disabled
  std::string tcp_host;  // with tcp_port: ws://host:port/ and http://host:port/rpc
  std::optional<std::uint16_t> tcp_port;
  std::string token;                  // for the TCP listener
  std::vector<std::string> sessions;  // names, in order
};

// Extra steps for modes built on the daemon (tgd demo).
struct DaemonHooks {
  // Runs on the event loop after the sessions are restored and before the listeners open; returns
  // an error message to abort start-up. It is handed a function to call once it is done.
  std::function<void(session::SessionManager&, std::function<void(std::optional<std::string>)> done)> prepare;
  // The listeners are open and the sessions prepared.
  std::function<void(const ReadyInfo&)> on_ready;
  // Loads the configuration again, for SIGHUP; called on a helper thread (it reads files). Unset:
  // SIGHUP changes nothing (tgd demo has no file to reload).
  std::function<std::variant<config::Config, config::ConfigError>()> reload;
};

// Runs until stopped; the process exit status (0 after a clean stop; 1 when start-up fails, with
// the reason logged).
int run_daemon(const config::Config& config, DaemonHooks hooks = {});

// The ready line scripts read: {"socket":…,"ws":…,"http":…,"token":…,"sessions":[…]}.
std::string ready_json(const ReadyInfo& info);

}  // namespace tgd::app
