#include "config/cli.hpp"

namespace tgd::config {

namespace {

CLI::Option* text(CLI::App& app, const std::string& name, std::optional<std::string>& target,
                  const std::string& type, const std::string& help) {
  return app
      .add_option_function<std::string>(
          name, [&target](const std::string& value) { target = value; }, help)
      ->type_name(type);
}

}  // namespace

void add_override_flags(CLI::App& app, Overrides& o) {
  const std::string group = "Configuration";
  auto* g = app.add_option_group(group, "Override the config file's keys");
  g->add_option_function<std::string>(
       "-c,--config", [&o](const std::string& value) { o.config_file = value; },
       "Config file (TOML); default " + default_config_path(Environment::current()).string() +
           " if it exists")
      ->type_name("FILE");
  text(*g, "--state-dir", o.state_dir, "DIR", "paths.state_dir: sessions, keys, the token");
  text(*g, "--runtime-dir", o.runtime_dir, "DIR", "paths.runtime_dir: the UNIX socket's directory");
  auto* socket = text(*g, "--socket", o.unix_socket, "PATH", "listen.unix.path (and enables the socket)");
  auto* no_socket = g->add_flag_callback(
      "--no-socket", [&o] { o.no_unix = true; }, "listen.unix.enabled = false");
  socket->excludes(no_socket);
  auto* tcp =
      text(*g, "--tcp", o.tcp, "[HOST:]PORT",
           "listen.tcp.host/port (and enables TCP); PORT alone listens on 127.0.0.1, 0 picks a free port");
  auto* no_tcp = g->add_flag_callback(
      "--no-tcp", [&o] { o.no_tcp = true; }, "listen.tcp.enabled = false");
  tcp->excludes(no_tcp);
  text(*g, "--token-file", o.token_file, "FILE", "security.token_file");
  text(*g, "--log-level", o.log_level, "LEVEL", "log.level: trace, debug, info, warn, error, critical, off");
  text(*g, "--log-format", o.log_format, "FORMAT", "log.format: text or json");
  text(*g, "--log-file", o.log_file, "FILE", "log.file: append the logs to FILE (SIGUSR1 reopens it)");
  text(*g, "--api-id", o.api_id, "N", "telegram.api_id");
  text(*g, "--api-hash", o.api_hash, "HASH",
       "telegram.api_hash (visible to other users in ps: prefer the file)");
  text(*g, "--network", o.network, "NETWORK", "telegram.network: production, test or custom");
  g->add_option_function<std::vector<std::string>>(
       "--dc",
       [&o](const std::vector<std::string>& values) {
         o.dcs.insert(o.dcs.end(), values.begin(), values.end());
       },
       "A DC of the custom network (repeat for several; replaces [[telegram.dc]])")
      ->type_name("ID=HOST:PORT");
  text(*g, "--dc-key", o.dc_key_file, "FILE",
       "telegram.public_key_file: the custom network's RSA public key (PEM)");
  text(*g, "--flood-wait-threshold", o.flood_wait_threshold, "DURATION",
       "telegram.flood_wait_threshold: wait out FLOOD_WAIT up to this (seconds, or like \"2m\")");
}

}  // namespace tgd::config
