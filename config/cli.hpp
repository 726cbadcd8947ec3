#pragma once
// The command-line flags that override tgd's config file (CLI11). Add them to the command that runs
// the daemon, parse, then load_config(overrides).
#include <CLI/CLI.hpp>

#include "config/config.hpp"

namespace tgd::config {

// Adds, in an option group "Configuration":
//   -c,--config FILE            the config file (must exist; default: default_config_path())
//   --state-dir DIR, --runtime-dir DIR
//   --socket PATH | --no-socket  the UNIX socket (a path enables it)
//   --tcp [HOST:]PORT | --no-tcp  WebSocket/HTTP listener (an address enables it; port 0: free port)
//   --token-file FILE
//   --log-level LEVEL, --log-format text|json
//   --api-id N, --api-hash HASH  (a hash on the command line is visible in ps; prefer the file)
//   --network production|test|custom, --dc ID=HOST:PORT (repeatable), --dc-key FILE
//   --flood-wait-threshold DURATION
// `overrides` must outlive the parse.
void add_override_flags(CLI::App& app, Overrides& overrides);

}  // namespace tgd::config
