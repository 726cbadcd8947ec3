// tgd: a Telegram client daemon. This entry point parses the command line and dispatches:
//   tgd run      the daemon (config file + flags)      tgd demo     the daemon against the local test DC
//   tgd call     one JSON-RPC call to a running daemon   tgd login    an interactive login
//   tgd status   the daemon's status                     tgd self-check, tgd --version
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "config/cli.hpp"
#include "config/config.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/app/demo.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/self_check.hpp"
#include "daemon/version.hpp"

namespace {

// The socket a client command talks to: --socket, else $TGD_SOCKET, else the config's socket (the
// default config file when it loads), else the default runtime directory's tgd.sock.
std::filesystem::path client_socket(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("TGD_SOCKET")) return env;
  auto loaded = tgd::config::load_config(tgd::config::Overrides{});
  if (auto* c = std::get_if<tgd::config::Config>(&loaded)) return c->unix_socket;
  return tgd::config::default_runtime_dir(tgd::config::Environment::current()) / "tgd.sock";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tgd - Telegram client daemon serving JSON-RPC 2.0 to local scripts", "tgd"};
  app.set_version_flag("--version", std::string("tgd ") + TGD_VERSION + " (MTProto 2.0, API layer " +
                                        std::to_string(tgd::daemon::api_layer()) + ")");
  app.require_subcommand(1);

  tgd::config::Overrides overrides;
  auto* run = app.add_subcommand("run", "Run the daemon: hold the sessions and serve JSON-RPC");
  tgd::config::add_override_flags(*run, overrides);

  tgd::app::DemoOptions demo_options;
  std::string demo_state, demo_testdc;
  auto* demo = app.add_subcommand("demo", "Run the daemon against the local test DC with two ready sessions");
  demo->add_option("--state", demo_state, "State directory (default: a temporary one, removed at exit)");
  demo->add_option("--testdc", demo_testdc, "The tgd-testdc program (default: beside tgd, or on PATH)");
  demo->add_option("--tcp-port", demo_options.tcp_port,
                   "HTTP/WebSocket port on 127.0.0.1 (default: a free one)");
  demo->add_option("--log-level", demo_options.log_level, "trace, debug, info, warn, error, critical, off");

  std::string socket, method, params = "{}", session;
  bool raw = false;
  auto* call = app.add_subcommand("call", "Call a method of a running tgd and print the result JSON");
  call->add_option("method", method,
                   "A Telegram API method (messages.sendMessage) or a daemon method (getSelf)")
      ->required();
  call->add_option("params", params, "The params as a JSON object (default {})");
  call->add_option("-s,--session", session, "The session to use (adds \"session\" to the params)");
  call->add_option("--socket", socket, "The daemon's UNIX socket");
  call->add_flag("--raw", raw, "Print the JSON-RPC request and response lines as exchanged");
  call->footer("Exit status: 0 success, 2 an error from tgd, 3 an error from Telegram, 4 tgd unreachable.");

  std::string login_session = "main";
  auto* login =
      app.add_subcommand("login", "Log a session in interactively (phone, code, 2FA) or with a bot token");
  login->add_option("-s,--session", login_session,
                    "The session to log in (created if missing; default main)");
  login->add_option("--socket", socket, "The daemon's UNIX socket");

  auto* status = app.add_subcommand("status", "Show a running tgd's sessions and counters");
  status->add_option("--socket", socket, "The daemon's UNIX socket");

  bool json = false;
  auto* self_check =
      app.add_subcommand("self-check", "Exercise the TL codec and the crypto on known vectors");
  self_check->add_flag("--json", json, "Print the report as JSON");

  auto* check_config =
      app.add_subcommand("check-config", "Load the configuration, report problems, print it");
  tgd::config::add_override_flags(*check_config, overrides);

  CLI11_PARSE(app, argc, argv);

  if (*self_check)
    return tgd::daemon::run_self_check(json ? tgd::daemon::ReportFormat::Json
                                            : tgd::daemon::ReportFormat::Text);
  if (*call) {
    return tgd::cli::run_call(client_socket(socket), method, params,
                              session.empty() ? std::nullopt : std::optional(session), raw);
  }
  if (*login) return tgd::cli::run_login(client_socket(socket), login_session, std::cin, std::cout);
  if (*status) return tgd::cli::run_status(client_socket(socket));
  if (*demo) {
    if (!demo_state.empty()) demo_options.state_dir = demo_state;
    if (!demo_testdc.empty()) demo_options.testdc = demo_testdc;
    if (auto error = tgd::app::set_up_logging(demo_options.log_level, tgd::app::LogStyle::Text)) {
      std::cerr << *error << "\n";
      return 1;
    }
    return tgd::app::run_demo(demo_options);
  }
  if (*run || *check_config) {
    auto loaded = tgd::config::load_config(overrides);
    if (auto* error = std::get_if<tgd::config::ConfigError>(&loaded)) {
      std::cerr << error->message << "\n";
      return 1;
    }
    const auto& config = std::get<tgd::config::Config>(loaded);
    if (*check_config) {
      for (const auto& warning : config.warnings) std::cerr << "warning: " << warning << "\n";
      std::cout << tgd::config::describe(config);
      return 0;
    }
    if (auto error = tgd::app::set_up_logging(config.log_level,
                                              config.log_format == tgd::config::LogFormat::Json
                                                  ? tgd::app::LogStyle::Json
                                                  : tgd::app::LogStyle::Text,
                                              config.log_file)) {
      std::cerr << *error << "\n";
      return 1;
    }
    tgd::app::DaemonHooks hooks;
    // SIGHUP reads the same file (--config, else the default path) with the same flags on top.
    hooks.reload = [&overrides] { return tgd::config::load_config(overrides); };
    return tgd::app::run_daemon(config, std::move(hooks));
  }
  return 0;
}
