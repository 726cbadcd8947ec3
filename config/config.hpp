#pragma once
// tgd's configuration: a TOML file (config/tgd.example.toml documents every key) with command-line
// overrides (config/cli.hpp), validated into one plain struct. Everything is checked at load time —
// unknown keys (typos), wrong types, ranges, cross-key requirements, the custom network's key file —
// and every problem names the source, the key and what is wrong, e.g.
//
//   tgd.toml:12:8: listen.tcp.port: must be 0..65535, got 70000
//   --log-level: must be one of trace, debug, info, warn, error, critical, off; got "verbose"
//
// Secrets (telegram.api_hash, security.token) never appear in an error or in describe().
// Plain data, no I/O beyond reading the config file and the custom network's key file.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/environment.hpp"

namespace tgd::config {

enum class Network : std::uint8_t { Production, Test, Custom };
enum class LogFormat : std::uint8_t { Text, Json };

// One DC of a custom network ([[telegram.dc]]).
struct DcEndpointConfig {
  std::int32_t id = 0;
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const DcEndpointConfig&) const = default;
};

// A session declared in the file ([[session]]): created at start if the store lacks it.
struct SessionConfig {
  std::string name;                // [A-Za-z0-9_.-]{1,64}, unique
  std::optional<Network> network;  // nullopt: Config::network
  bool operator==(const SessionConfig&) const = default;
};

struct Config {
  // The file this was loaded from; empty when there was none (defaults and flags only).
  std::filesystem::path source;

  // [telegram]
  std::int32_t api_id = 0;  // required (> 0) when a production or test network is in use
  std::string api_hash;     // secret; 32 hex digits; required with api_id
  std::string device_model = "tgd";
  std::string system_version;  // default: uname sysname + release ("Linux 6.1.0-18-amd64")
  std::string app_version;     // empty: tgd's own version
  std::string system_lang_code = "en";
  std::string lang_code = "en";
  Network network = Network::Production;
  std::vector<DcEndpointConfig> custom_dcs;  // network = custom: at least one, ids unique
  std::filesystem::path custom_key_file;     // network = custom: the server's RSA public key (PEM)
  std::string custom_key_pem;                // its content, checked to be an RSA public key
  std::chrono::seconds flood_wait_threshold{10};
  std::chrono::milliseconds call_timeout{60'000};

  // [paths] — absolute after loading
  std::filesystem::path state_dir;    // see default_state_dir()
  std::filesystem::path runtime_dir;  // see default_runtime_dir()

  // [listen.unix]
  bool unix_enabled = true;
  std::filesystem::path unix_socket;  // default: runtime_dir/tgd.sock
  std::uint32_t unix_mode = 0600;
  std::string unix_group;                 // empty: the daemon's own group
  std::optional<std::uint32_t> unix_gid;  // unix_group resolved (names are looked up at load)

  // [listen.tcp] — WebSocket and HTTP share the port
  bool tcp_enabled = false;
  std::string tcp_host = "127.0.0.1";
  std::uint16_t tcp_port = 8765;  // 0: a free port

  // [security]
  std::filesystem::path token_file;          // default: state_dir/token (tgd creates it, mode 0600)
  std::string token;                         // secret; inline token instead of the file (discouraged)
  std::vector<std::string> allowed_origins;  // normalized "scheme://host[:port]"
  std::vector<std::string> allowed_hosts{"localhost"};  // lower-case names or IP literals

  // [limits] — per connection
  std::size_t max_message_bytes = 16u << 20;
  std::size_t max_in_flight = 1000;
  std::chrono::seconds idle_timeout{300};  // 0: never
  std::size_t max_outgoing_bytes = 64u << 20;
  // Daemon-wide: on SIGTERM, how long calls in flight get to finish before they are cancelled.
  std::chrono::milliseconds stop_grace{5000};

  // [updates] — the update journal (per session) and subscriptions
  std::int64_t journal_max_entries = 100'000;           // 0: no bound
  std::chrono::seconds journal_max_age{7 * 24 * 3600};  // 0: no bound
  std::size_t subscriber_buffer = 8u << 20;             // unread by a subscriber: past it, paced
  std::chrono::milliseconds lag_timeout{10'000};        // paced and not draining that long: lagged

  // [files] — transfers (daemon/transfers)
  int download_parts_in_flight = 8;  // upload.getFile requests at once per download (512 KiB each)
  int upload_parts_in_flight = 8;    // save(Big)FilePart requests at once per upload (512 KiB each)

  // [monitoring]
  std::chrono::milliseconds stall_threshold{200};  // an event-loop stall over this is logged; 0: never

  // [log]
  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off
  LogFormat log_format = LogFormat::Text;
  std::filesystem::path log_file;  // empty: stderr (the journal under systemd)

  // [[session]]
  std::vector<SessionConfig> sessions;

  // Valid but worth a log line at start (TCP beyond loopback, an inline token, a file readable by
  // others that holds a secret, ...). Never contain secrets.
  std::vector<std::string> warnings;

  // The network a session uses: its own, else the default.
  Network network_of(const SessionConfig& s) const { return s.network.value_or(network); }
};

// Every problem found, in file order where possible; message is problems joined by newlines.
struct ConfigError {
  std::string message;
  std::vector<std::string> problems;
};

// Command-line overrides (config/cli.hpp fills them from flags). Values are the flags' raw text and
// are validated like the file's keys, with the flag named in errors. Set fields win over the file.
struct Overrides {
  std::optional<std::filesystem::path> config_file;   // --config
  std::optional<std::string> state_dir, runtime_dir;  // --state-dir, --runtime-dir
  std::optional<std::string> unix_socket;             // --socket PATH (enables the socket)
  bool no_unix = false;                               // --no-socket
  std::optional<std::string> tcp;                     // --tcp [HOST:]PORT (enables TCP)
  bool no_tcp = false;                                // --no-tcp
  std::optional<std::string> token_file;              // --token-file
  std::optional<std::string> log_level, log_format;   // --log-level, --log-format
  std::optional<std::string> log_file;                // --log-file ("" for stderr)
  std::optional<std::string> api_id, api_hash;        // --api-id, --api-hash
  std::optional<std::string> network;                 // --network
  std::vector<std::string> dcs;            // --dc ID=HOST:PORT (repeatable; replaces the file's list)
  std::optional<std::string> dc_key_file;  // --dc-key FILE
  std::optional<std::string> flood_wait_threshold;  // --flood-wait-threshold DURATION
};

// Whether a missing file is an error (a file the user named) or means "defaults" (the default path).
enum class IfMissing : std::uint8_t { Error, UseDefaults };

// Reads `file` (TOML) and applies `overrides`. A missing file is an error or yields the defaults
// (plus overrides), as `if_missing` says. Relative paths in the file are relative to its directory;
// relative paths in overrides to the current directory.
std::variant<Config, ConfigError> load_config(const std::filesystem::path& file, const Overrides& overrides,
                                              IfMissing if_missing = IfMissing::UseDefaults,
                                              const Environment& env = Environment::current());

// The file named by --config (which must exist), else default_config_path(env) (which may be
// absent).
std::variant<Config, ConfigError> load_config(const Overrides& overrides,
                                              const Environment& env = Environment::current());

// Parses TOML text. `source_name` prefixes every error ("tgd.toml:12:8: ..."); relative paths are
// resolved against `base_dir` (empty: the current directory).
std::variant<Config, ConfigError> parse_config(std::string_view toml_text, std::string_view source_name,
                                               const Overrides& overrides,
                                               const std::filesystem::path& base_dir = {},
                                               const Environment& env = Environment::current());

// The effective configuration as TOML (every key, in the file's layout), secrets replaced by a
// comment saying whether they are set. Re-parses to the same Config when no secret is set.
std::string describe(const Config& config);

std::string_view to_string(Network network);   // "production", "test", "custom"
std::string_view to_string(LogFormat format);  // "text", "json"

// Every key the file accepts, as dotted paths ("listen.tcp.port", "telegram.dc.host",
// "session.name"); the documentation test checks each is documented.
std::span<const std::string_view> known_keys();

}  // namespace tgd::config
