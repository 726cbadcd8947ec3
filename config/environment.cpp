#include "config/environment.hpp"

#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <vector>

namespace tgd::config {

namespace {

constexpr std::array<const char*, 7> kVariables{"STATE_DIRECTORY",
                                                "RUNTIME_DIRECTORY",
                                                "CONFIGURATION_DIRECTORY",
                                                "XDG_STATE_HOME",
                                                "XDG_RUNTIME_DIR",
                                                "XDG_CONFIG_HOME",
                                                "HOME"};

std::optional<std::string> home_from_passwd(uid_t uid) {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr ||
      found->pw_dir == nullptr || found->pw_dir[0] != '/')
    return std::nullopt;
  return std::string(found->pw_dir);
}

// systemd passes a colon-separated list when a unit names several directories: tgd's is the first.
std::optional<std::filesystem::path> systemd_dir(const Environment& env, std::string_view name) {
  auto value = env.get(name);
  if (!value) return std::nullopt;
  std::string first = value->substr(0, value->find(':'));
  if (first.empty() || first.front() != '/') return std::nullopt;
  return std::filesystem::path(first);
}

// XDG base directories must be absolute; relative values are ignored (the spec says so).
std::optional<std::filesystem::path> xdg_dir(const Environment& env, std::string_view name) {
  auto value = env.get(name);
  if (!value || value->front() != '/') return std::nullopt;
  return std::filesystem::path(*value);
}

std::optional<std::filesystem::path> home(const Environment& env) {
  auto value = env.get("HOME");
  if (!value || value->front() != '/') return std::nullopt;
  return std::filesystem::path(*value);
}

}  // namespace

Environment Environment::current() {
  Environment env;
  for (const char* name : kVariables)
    if (const char* value = std::getenv(name)) env.vars.emplace(name, value);
  env.uid = static_cast<unsigned>(geteuid());
  if (!env.get("HOME"))
    if (auto h = home_from_passwd(static_cast<uid_t>(env.uid))) env.vars["HOME"] = *h;
  return env;
}

std::optional<std::string> Environment::get(std::string_view name) const {
  auto it = vars.find(name);
  if (it == vars.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::filesystem::path default_state_dir(const Environment& env) {
  if (auto dir = systemd_dir(env, "STATE_DIRECTORY")) return *dir;
  if (env.is_root()) return "/var/lib/tgd";
  if (auto dir = xdg_dir(env, "XDG_STATE_HOME")) return *dir / "tgd";
  if (auto dir = home(env)) return *dir / ".local/state/tgd";
  return {};  // no default: the config says so
}

std::filesystem::path default_runtime_dir(const Environment& env) {
  if (auto dir = systemd_dir(env, "RUNTIME_DIRECTORY")) return *dir;
  if (env.is_root()) return "/run/tgd";
  if (auto dir = xdg_dir(env, "XDG_RUNTIME_DIR")) return *dir / "tgd";
  return std::filesystem::path("/tmp") / ("tgd-" + std::to_string(env.uid));
}

std::filesystem::path default_config_path(const Environment& env) {
  if (auto dir = systemd_dir(env, "CONFIGURATION_DIRECTORY")) return *dir / "tgd.toml";
  if (env.is_root()) return "/etc/tgd/tgd.toml";
  if (auto dir = xdg_dir(env, "XDG_CONFIG_HOME")) return *dir / "tgd/tgd.toml";
  if (auto dir = home(env)) return *dir / ".config/tgd/tgd.toml";
  return "/etc/tgd/tgd.toml";
}

std::string default_system_version() {
  utsname u{};
  if (uname(&u) != 0 || u.sysname[0] == '\0') return "Linux";
  std::string version = u.sysname;
  if (u.release[0] != '\0') version += std::string(" ") + u.release;
  return version;
}

}  // namespace tgd::config
