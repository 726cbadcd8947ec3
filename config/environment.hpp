#pragma once
// What tgd's defaults depend on: a few environment variables (systemd's *_DIRECTORY, XDG, HOME)
// and the effective uid. A snapshot, so tests can build one without touching the process.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tgd::config {

struct Environment {
  std::map<std::string, std::string, std::less<>> vars;
  unsigned uid = 0;

  // The variables listed below, from the process environment, and geteuid(). HOME falls back to
  // the passwd entry when unset.
  static Environment current();

  // Set and non-empty, else nullopt.
  std::optional<std::string> get(std::string_view name) const;
  bool is_root() const { return uid == 0; }
};

// Variables read: STATE_DIRECTORY, RUNTIME_DIRECTORY, CONFIGURATION_DIRECTORY (systemd: the first
// of a colon-separated list), XDG_STATE_HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME (ignored unless
// absolute, as the XDG spec says), HOME.

// $STATE_DIRECTORY, else /var/lib/tgd for root, else $XDG_STATE_HOME/tgd or $HOME/.local/state/tgd.
std::filesystem::path default_state_dir(const Environment& env);
// $RUNTIME_DIRECTORY, else /run/tgd for root, else $XDG_RUNTIME_DIR/tgd or /tmp/tgd-<uid>.
std::filesystem::path default_runtime_dir(const Environment& env);
// $CONFIGURATION_DIRECTORY/tgd.toml, else /etc/tgd/tgd.toml for root, else
// $XDG_CONFIG_HOME/tgd/tgd.toml or $HOME/.config/tgd/tgd.toml.
std::filesystem::path default_config_path(const Environment& env);
// uname's sysname and release ("Linux 6.1.0-18-amd64"); "Linux" if uname fails.
std::string default_system_version();

}  // namespace tgd::config
