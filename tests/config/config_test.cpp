#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "config/cli.hpp"
#include "config/config.hpp"
#include "config/values.hpp"
#include "protocol/crypto/rsa.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tgd::config;
using namespace std::chrono_literals;

namespace {

constexpr const char* kHash = "0123456789abcdef0123456789abcdef";

// A non-root user with a HOME and nothing else: the defaults do not depend on who runs the tests.
Environment alice() { return Environment{{{"HOME", "/home/alice"}}, 1000}; }

Overrides credentials() {
  Overrides o;
  o.api_id = "12345";
  o.api_hash = kHash;
  return o;
}

std::variant<Config, ConfigError> parse(std::string_view toml, const Overrides& o = credentials(),
                                        const Environment& env = alice()) {
  return parse_config(toml, "tgd.toml", o, "/etc/tgd", env);
}

Config ok(std::string_view toml, const Overrides& o = credentials(), const Environment& env = alice()) {
  auto result = parse(toml, o, env);
  if (auto* e = std::get_if<ConfigError>(&result)) FAIL("unexpected config error:\n" << e->message);
  return std::get<Config>(std::move(result));
}

std::string error(std::string_view toml, const Overrides& o = credentials(),
                  const Environment& env = alice()) {
  auto result = parse(toml, o, env);
  if (std::holds_alternative<Config>(result)) FAIL("config was accepted:\n" << toml);
  return std::get<ConfigError>(result).message;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TempDir : public tgd::test::TempDir {
 public:
  TempDir() : tgd::test::TempDir("tgd-config-test") {}
  std::filesystem::path write(const std::string& name, std::string_view content, mode_t mode = 0600) const {
    const auto file = path() / name;
    std::ofstream(file) << content;
    ::chmod(file.c_str(), mode);
    return file;
  }
};

// Describes a Config without its source line, to compare two.
std::string body(const Config& c) {
  std::string d = describe(c);
  return d.substr(d.find('\n'));
}

}  // namespace

TEST_CASE("with no config file the documented defaults apply") {
  auto loaded = load_config("/nonexistent/tgd.toml", credentials(), IfMissing::UseDefaults, alice());
  REQUIRE(std::holds_alternative<Config>(loaded));
  const Config& c = std::get<Config>(loaded);
  CHECK(c.source.empty());
  CHECK(c.api_id == 12345);
  CHECK(c.api_hash == kHash);
  CHECK(c.network == Network::Production);
  CHECK(c.device_model == "tgd");
  CHECK_FALSE(c.system_version.empty());
  CHECK(c.app_version.empty());
  CHECK(c.system_lang_code == "en");
  CHECK(c.lang_code == "en");
  CHECK(c.flood_wait_threshold == 10s);
  CHECK(c.call_timeout == 60s);
  CHECK(c.state_dir == "/home/alice/.local/state/tgd");
  CHECK(c.runtime_dir == "/tmp/tgd-1000");
  CHECK(c.unix_enabled);
  CHECK(c.unix_socket == "/tmp/tgd-1000/tgd.sock");
  CHECK(c.unix_mode == 0600);
  CHECK(c.unix_group.empty());
  CHECK_FALSE(c.unix_gid);
  CHECK_FALSE(c.tcp_enabled);
  CHECK(c.tcp_host == "127.0.0.1");
  CHECK(c.tcp_port == 8765);
  CHECK(c.token_file == "/home/alice/.local/state/tgd/token");
  CHECK(c.token.empty());
  CHECK(c.allowed_origins.empty());
  CHECK(c.allowed_hosts == std::vector<std::string>{"localhost"});
  CHECK(c.max_message_bytes == 16u << 20);
  CHECK(c.max_in_flight == 1000);
  CHECK(c.idle_timeout == 300s);
  CHECK(c.max_outgoing_bytes == 64u << 20);
  CHECK(c.journal_max_entries == 100'000);
  CHECK(c.journal_max_age == std::chrono::hours(24 * 7));
  CHECK(c.subscriber_buffer == 8u << 20);
  CHECK(c.lag_timeout == 10s);
  CHECK(c.download_parts_in_flight == 8);
  CHECK(c.upload_parts_in_flight == 8);
  CHECK(c.log_level == "info");
  CHECK(c.log_format == LogFormat::Text);
  CHECK(c.sessions.empty());
  CHECK(c.warnings.empty());
}

TEST_CASE("without api_id and api_hash the production network is refused naming both keys") {
  const std::string e = error("", Overrides{});
  CHECK(e.find("telegram.api_id: required for the production network") != std::string::npos);
  CHECK(e.find("telegram.api_hash: required for the production network") != std::string::npos);
  CHECK(error("[telegram]\nnetwork = \"test\"\n", Overrides{}).find("required for the test network") !=
        std::string::npos);
}

TEST_CASE("a config file named with --config must exist") {
  Overrides o = credentials();
  o.config_file = "/nonexistent/tgd.toml";
  auto loaded = load_config(o, alice());
  REQUIRE(std::holds_alternative<ConfigError>(loaded));
  CHECK(std::get<ConfigError>(loaded).message == "/nonexistent/tgd.toml: no such file");
}

TEST_CASE("the example config file loads and its values are the defaults") {
  auto loaded = load_config(TGD_EXAMPLE_CONFIG, credentials(), IfMissing::Error, alice());
  if (auto* e = std::get_if<ConfigError>(&loaded)) FAIL(e->message);
  const Config& example = std::get<Config>(loaded);
  CHECK(example.source == std::filesystem::path(TGD_EXAMPLE_CONFIG).lexically_normal());
  CHECK(body(example) == body(ok("")));
}

TEST_CASE("every key is documented in the example file and in config/README.md") {
  const std::string example = read(TGD_EXAMPLE_CONFIG);
  const std::string readme = read(TGD_CONFIG_README);
  REQUIRE(known_keys().size() > 30);
  for (std::string_view key : known_keys()) {
    const std::string leaf(key.substr(key.rfind('.') + 1));
    const bool in_example = example.find("\n" + leaf + " =") != std::string::npos ||
                            example.find("# " + leaf + " =") != std::string::npos;
    CHECK_MESSAGE(in_example, key);
    CHECK_MESSAGE(readme.find("`" + std::string(key) + "`") != std::string::npos, key);
  }
}

TEST_CASE("a full file sets every key") {
  const Config c = ok(R"(
[telegram]
network = "test"
api_id = 777
api_hash = "ABCDEF0123456789abcdef0123456789"
device_model = "server-1"
system_version = "Debian 12"
app_version = "1.2.3"
system_lang_code = "de"
lang_code = "de"
flood_wait_threshold = 30
call_timeout = "1500ms"

[paths]
state_dir = "state"
runtime_dir = "/run/user/1000/tgd"

[listen.unix]
enabled = true
path = "~/tgd.sock"
mode = 0o660
group = "0"

[listen.tcp]
enabled = true
host = "::1"
port = 0

[security]
token_file = "/etc/tgd/token"
allowed_origins = ["HTTPS://Example.com:443/", "http://localhost:3000", "http://localhost:3000"]
allowed_hosts = ["tgd.lan", "[::1]"]

[limits]
max_message_bytes = "1MiB"
max_in_flight = 50
idle_timeout = "2m"
max_outgoing_bytes = 1048576

[updates]
journal_max_entries = 0
journal_max_age = "30d"
subscriber_buffer = "512KiB"
lag_timeout = "250ms"

[files]
download_parts_in_flight = 16
upload_parts_in_flight = 2

[log]
level = "debug"
format = "json"

[[session]]
name = "main"

[[session]]
name = "bot.1"
network = "production"
)",
                      Overrides{});
  CHECK(c.network == Network::Test);
  CHECK(c.api_id == 777);
  CHECK(c.api_hash == "ABCDEF0123456789abcdef0123456789");
  CHECK(c.device_model == "server-1");
  CHECK(c.system_version == "Debian 12");
  CHECK(c.app_version == "1.2.3");
  CHECK(c.system_lang_code == "de");
  CHECK(c.lang_code == "de");
  CHECK(c.flood_wait_threshold == 30s);
  CHECK(c.call_timeout == 1500ms);
  CHECK(c.state_dir == "/etc/tgd/state");  // relative to the file's directory
  CHECK(c.runtime_dir == "/run/user/1000/tgd");
  CHECK(c.unix_socket == "/home/alice/tgd.sock");
  CHECK(c.unix_mode == 0660);
  REQUIRE(c.unix_gid);
  CHECK(*c.unix_gid == 0);
  CHECK(c.tcp_enabled);
  CHECK(c.tcp_host == "::1");
  CHECK(c.tcp_port == 0);
  CHECK(c.token_file == "/etc/tgd/token");
  CHECK(c.allowed_origins == std::vector<std::string>{"https://example.com", "http://localhost:3000"});
  CHECK(c.allowed_hosts == std::vector<std::string>{"tgd.lan", "[::1]"});
  CHECK(c.max_message_bytes == 1u << 20);
  CHECK(c.max_in_flight == 50);
  CHECK(c.idle_timeout == 120s);
  CHECK(c.max_outgoing_bytes == 1u << 20);
  CHECK(c.journal_max_entries == 0);
  CHECK(c.journal_max_age == std::chrono::hours(24 * 30));
  CHECK(c.subscriber_buffer == 512u << 10);
  CHECK(c.lag_timeout == 250ms);
  CHECK(c.download_parts_in_flight == 16);
  CHECK(c.upload_parts_in_flight == 2);
  CHECK(c.log_level == "debug");
  CHECK(c.log_format == LogFormat::Json);
  REQUIRE(c.sessions.size() == 2);
  CHECK(c.sessions[0] == SessionConfig{"main", std::nullopt});
  CHECK(c.sessions[1] == SessionConfig{"bot.1", Network::Production});
  CHECK(c.network_of(c.sessions[0]) == Network::Test);
}

TEST_CASE("TOML syntax errors give the line and column") {
  const std::string e = error("[log]\nlevel = \"info\"\nformat = text\n");
  CHECK(e.starts_with("tgd.toml:3:"));
  CHECK(e.find("TOML syntax error") != std::string::npos);
  CHECK(error("[log]\n[log]\n").starts_with("tgd.toml:2:"));
}

TEST_CASE("unknown keys are refused with their path and a suggestion") {
  CHECK(error("[telegram]\napi_hahs = \"x\"\n") ==
        "tgd.toml:2:12: telegram.api_hahs: unknown key; did you mean telegram.api_hash?");
  CHECK(
      error("[listen.tcp]\nprot = 1\n").find("listen.tcp.prot: unknown key; did you mean listen.tcp.port?") !=
      std::string::npos);
  CHECK(error("api_id = 1\n").find("api_id: unknown key; did you mean telegram.api_id?") !=
        std::string::npos);
  CHECK(error("[listen]\nport = 1\n").find("listen.port: unknown key; did you mean listen.tcp.port?") !=
        std::string::npos);
  CHECK(error("[[session]]\nname = \"a\"\nnetwrok = \"test\"\n").find("session.netwrok: unknown key") !=
        std::string::npos);
  CHECK(error("[frobnicate]\n").find("frobnicate: unknown key") != std::string::npos);
  CHECK(error("[limits]\nMax-In-Flight = 5\n").find("did you mean limits.max_in_flight?") !=
        std::string::npos);
}

TEST_CASE("each invalid value is reported with its key and the problem") {
  struct Case {
    const char* toml;
    const char* expected;
  };
  const Case cases[] = {
      {"[listen.tcp]\nport = 70000", "tgd.toml:2:8: listen.tcp.port: must be 0..65535, got 70000"},
      {"[listen.tcp]\nport = \"8765\"", "listen.tcp.port: expected an integer, got a string"},
      {"[listen.tcp]\nenabled = \"yes\"", "listen.tcp.enabled: expected true or false, got a string"},
      {"[listen.tcp]\nhost = \"not a host\"", "listen.tcp.host: must be a host name or an IP address"},
      {"[listen.unix]\nmode = 600", "listen.unix.mode: must be permission bits 0..0o777"},
      {"[listen.unix]\nmode = \"0800\"", "listen.unix.mode: must be octal permission bits"},
      {"[listen.unix]\nmode = \"01777\"", "listen.unix.mode: must be at most 0777"},
      {"[listen.unix]\nmode = true", "listen.unix.mode: expected a string like \"0600\""},
      {"[listen.unix]\ngroup = \"no-such-group-tgd\"",
       "listen.unix.group: no such group \"no-such-group-tgd\""},
      {"[listen.unix]\npath = \"\"", "listen.unix.path: must not be empty"},
      {"[listen.unix]\nenabled = false\n[listen.tcp]\nenabled = false",
       "listen: both the UNIX socket and TCP"},
      {"[telegram]\nnetwork = \"staging\"",
       "telegram.network: must be one of production, test, custom; got \"staging\""},
      {"[telegram]\napi_id = 0", "telegram.api_id: must be 1..2147483647, got 0"},
      {"[telegram]\napi_id = 1.5", "telegram.api_id: expected an integer, got a float"},
      {"[telegram]\napi_hash = 12", "telegram.api_hash: expected a string, got an integer"},
      {"[telegram]\ndevice_model = \"\"", "telegram.device_model: must not be empty"},
      {"[telegram]\nlang_code = \"a\\nb\"", "telegram.lang_code: must not contain control characters"},
      {"[telegram]\nflood_wait_threshold = \"1500ms\"",
       "telegram.flood_wait_threshold: must be whole seconds"},
      {"[telegram]\nflood_wait_threshold = \"2w\"",
       "telegram.flood_wait_threshold: unknown duration unit \"w\""},
      {"[updates]\njournal_max_entries = -1", "updates.journal_max_entries: must be 0..1000000000, got -1"},
      {"[updates]\njournal_max_age = \"1500ms\"", "updates.journal_max_age: must be whole seconds"},
      {"[updates]\njournal_max_age = \"3651d\"", "updates.journal_max_age: must be 0s..87600h"},
      {"[updates]\nsubscriber_buffer = \"1KiB\"", "updates.subscriber_buffer: must be 64KiB..1GiB, got 1KiB"},
      {"[updates]\nlag_timeout = \"2h\"", "updates.lag_timeout: must be 0s..1h, got 2h"},
      {"[files]\ndownload_parts_in_flight = 0", "files.download_parts_in_flight: must be 1..64, got 0"},
      {"[telegram]\nflood_wait_threshold = \"25h\"",
       "telegram.flood_wait_threshold: must be 0s..24h, got 25h"},
      {"[telegram]\ncall_timeout = \"10\"", "telegram.call_timeout: a duration needs a unit"},
      {"[telegram]\ncall_timeout = 1.5", "telegram.call_timeout: expected a duration"},
      {"[telegram]\ncall_timeout = \"50ms\"", "telegram.call_timeout: must be 100ms..24h, got 50ms"},
      {"[telegram]\ndc = 1",
       "telegram.dc: expected an array of tables ([[telegram.dc]] sections), got an integer"},
      {"telegram = 5", "telegram: expected a table, got an integer"},
      {"[limits]\nmax_message_bytes = \"16XB\"", "limits.max_message_bytes: unknown size unit \"XB\""},
      {"[limits]\nmax_message_bytes = \"2GiB\"", "limits.max_message_bytes: must be 1KiB..1GiB, got 2GiB"},
      {"[limits]\nmax_message_bytes = -1", "limits.max_message_bytes: must not be negative"},
      {"[limits]\nmax_in_flight = 0", "limits.max_in_flight: must be 1..1000000, got 0"},
      {"[limits]\nidle_timeout = \"8d\"", "limits.idle_timeout: must be 0s..168h, got 192h"},
      {"[limits]\nmax_outgoing_bytes = 100", "limits.max_outgoing_bytes: must be 64KiB..16GiB, got 100B"},
      {"[log]\nlevel = \"verbose\"",
       "log.level: must be one of trace, debug, info, warn, error, critical, off; got \"verbose\""},
      {"[log]\nformat = \"xml\"", "log.format: must be one of text, json; got \"xml\""},
      {"[security]\nallowed_origins = \"http://a\"",
       "security.allowed_origins: expected an array of strings"},
      {"[security]\nallowed_origins = [\"http://a\", 3]", "security.allowed_origins[1]: expected a string"},
      {"[security]\nallowed_origins = [\"example.com\"]",
       "security.allowed_origins[0]: must be an origin like"},
      {"[security]\nallowed_origins = [\"https://example.com/app\"]",
       "security.allowed_origins[0]: must be an origin"},
      {"[security]\nallowed_hosts = [\"tgd.lan:8765\"]", "security.allowed_hosts[0]: must be a host name"},
      {"[security]\nallowed_hosts = [\"::1\"]",
       "security.allowed_hosts[0]: an IPv6 address must be in brackets"},
      {"[security]\ntoken = \"short\"", "security.token: must be 16..256 printable ASCII characters"},
      {"[security]\ntoken = \"0123456789abcdef0123\"\ntoken_file = \"/x\"",
       "security.token: set either security.token or security.token_file, not both"},
      {"[paths]\nstate_dir = 3", "paths.state_dir: expected a string, got an integer"},
      {"[[session]]\nname = \"has space\"",
       "session.name: must be 1..64 of A-Z a-z 0-9 _ . -, got \"has space\""},
      {"[[session]]\nnetwork = \"test\"", "session.name: required"},
      {"[[session]]\nname = \"a\"\n[[session]]\nname = \"a\"",
       "session.name: session \"a\" is declared twice"},
      {"[[session]]\nname = \"a\"\nnetwork = \"moon\"",
       "session.network: must be one of production, test, custom"},
      {"[session]\nname = \"a\"", "session: expected an array of tables ([[session]] sections), got a table"},
      {"[[telegram.dc]]\nid = 0\nhost = \"h\"\nport = 1", "telegram.dc.id: must be 1..9999, got 0"},
      {"[[telegram.dc]]\nid = 1\nport = 1", "telegram.dc.host: required"},
      {"[[telegram.dc]]\nid = 1\nhost = \"h\"\nport = 0", "telegram.dc.port: must be 1..65535, got 0"},
  };
  for (const Case& c : cases) {
    const std::string e = error(c.toml);
    const std::string context = std::string(c.toml) + "\n  got: " + e;
    CHECK_MESSAGE(e.find(c.expected) != std::string::npos, context);
  }
}

TEST_CASE("a UNIX socket path longer than sun_path allows is refused") {
  const std::string toml = "[listen.unix]\npath = \"/tmp/" + std::string(120, 'x') + "\"\n";
  CHECK(error(toml).find("listen.unix.path: \"/tmp/xxx") != std::string::npos);
  Environment env = alice();
  env.vars["RUNTIME_DIRECTORY"] = "/run/" + std::string(110, 'r');
  CHECK(error("", credentials(), env).find("set listen.unix.path or a shorter runtime_dir") !=
        std::string::npos);
  CHECK_NOTHROW(ok("[listen.unix]\nenabled = false\n[listen.tcp]\nenabled = true\n", credentials(), env));
}

TEST_CASE("every problem is reported at once") {
  auto result = parse("[log]\nlevel = \"loud\"\nformat = \"xml\"\n[limits]\nmax_in_flight = 0\n");
  REQUIRE(std::holds_alternative<ConfigError>(result));
  const ConfigError& e = std::get<ConfigError>(result);
  CHECK(e.problems.size() == 3);
  CHECK(e.message.find("log.level") != std::string::npos);
  CHECK(e.message.find("log.format") != std::string::npos);
  CHECK(e.message.find("limits.max_in_flight") != std::string::npos);
}

TEST_CASE("flags override the file") {
  TempDir dir;
  const auto file = dir.write("tgd.toml", R"(
[telegram]
api_id = 1
api_hash = "ffffffffffffffffffffffffffffffff"
network = "test"
flood_wait_threshold = "5s"
[paths]
state_dir = "/srv/state"
runtime_dir = "/srv/run"
[listen.unix]
path = "/srv/run/custom.sock"
[listen.tcp]
enabled = false
[log]
level = "warn"
format = "json"
)");
  Overrides o;
  o.config_file = file;
  o.api_id = "42";
  o.api_hash = kHash;
  o.network = "production";
  o.state_dir = "/var/tmp/state";
  o.runtime_dir = "/var/tmp/run";
  o.tcp = "0.0.0.0:9000";
  o.no_unix = true;
  o.token_file = "/var/tmp/token";
  o.log_level = "trace";
  o.log_format = "text";
  o.flood_wait_threshold = "60";
  auto loaded = load_config(o, alice());
  if (auto* e = std::get_if<ConfigError>(&loaded)) FAIL(e->message);
  const Config& c = std::get<Config>(loaded);
  CHECK(c.api_id == 42);
  CHECK(c.api_hash == kHash);
  CHECK(c.network == Network::Production);
  CHECK(c.state_dir == "/var/tmp/state");
  CHECK(c.runtime_dir == "/var/tmp/run");
  CHECK(c.unix_socket == "/srv/run/custom.sock");  // set in the file: not derived from the runtime dir
  CHECK_FALSE(c.unix_enabled);
  CHECK(c.tcp_enabled);
  CHECK(c.tcp_host == "0.0.0.0");
  CHECK(c.tcp_port == 9000);
  CHECK(c.token_file == "/var/tmp/token");
  CHECK(c.log_level == "trace");
  CHECK(c.log_format == LogFormat::Text);
  CHECK(c.flood_wait_threshold == 60s);
  CHECK(c.warnings.size() == 1);  // TCP on 0.0.0.0
  CHECK(c.warnings.at(0).find("listen.tcp.host 0.0.0.0 accepts connections from other machines") !=
        std::string::npos);

  Overrides socket = credentials();
  socket.unix_socket = "/var/tmp/x.sock";
  socket.no_tcp = true;
  const Config s = ok("[listen.unix]\nenabled = false\n[listen.tcp]\nenabled = true\n", socket);
  CHECK(s.unix_enabled);
  CHECK(s.unix_socket == "/var/tmp/x.sock");
  CHECK_FALSE(s.tcp_enabled);
}

TEST_CASE("bad flag values are reported with the flag") {
  Overrides o;
  o.api_id = "12x";
  o.api_hash = "nothex";
  o.network = "mars";
  o.tcp = "localhost:99999";
  o.log_level = "loud";
  o.log_format = "yaml";
  o.dcs = {"1=127.0.0.1:4000", "1=127.0.0.1:4001", "x"};
  o.flood_wait_threshold = "1500ms";
  o.state_dir = "";
  const std::string e = error("", o);
  CHECK(e.find("--api-id: must be a positive integer") != std::string::npos);
  CHECK(e.find("--api-hash: must be the 32 hexadecimal digits") != std::string::npos);
  CHECK(e.find("--network: must be one of production, test, custom; got \"mars\"") != std::string::npos);
  CHECK(e.find("--tcp: must be HOST:PORT") != std::string::npos);
  CHECK(e.find("--log-level: must be one of") != std::string::npos);
  CHECK(e.find("--log-format: must be one of text, json") != std::string::npos);
  CHECK(e.find("--dc: DC 1 is given twice") != std::string::npos);
  CHECK(e.find("--dc: must be ID=HOST:PORT") != std::string::npos);
  CHECK(e.find("--flood-wait-threshold: must be whole seconds") != std::string::npos);
  CHECK(e.find("--state-dir: must not be empty") != std::string::npos);
  CHECK(e.find("nothex") == std::string::npos);
}

TEST_CASE("the command-line flags fill the overrides") {
  CLI::App app{"test"};
  Overrides o;
  add_override_flags(app, o);
  std::vector<std::string> args{"test",      "--config", "/etc/x.toml", "--tcp",       "8080",
                                "--network", "custom",   "--dc",        "1=h:1",       "--dc",
                                "2=h:2",     "--dc-key", "k.pem",       "--no-socket", "--log-level",
                                "debug",     "--api-id", "5",           "--state-dir", "/s"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
  CHECK(o.config_file == std::filesystem::path("/etc/x.toml"));
  CHECK(o.tcp == "8080");
  CHECK(o.network == "custom");
  CHECK(o.dcs == std::vector<std::string>{"1=h:1", "2=h:2"});
  CHECK(o.dc_key_file == "k.pem");
  CHECK(o.no_unix);
  CHECK_FALSE(o.no_tcp);
  CHECK(o.log_level == "debug");
  CHECK(o.api_id == "5");
  CHECK(o.state_dir == "/s");

  CLI::App contradicting{"test"};
  Overrides o2;
  add_override_flags(contradicting, o2);
  std::vector<std::string> args2{"test", "--tcp", "8080", "--no-tcp"};
  std::vector<char*> argv2;
  for (std::string& a : args2) argv2.push_back(a.data());
  CHECK_THROWS_AS(contradicting.parse(static_cast<int>(argv2.size()), argv2.data()), CLI::ParseError);
}

TEST_CASE("default directories follow systemd, then root, then XDG, then HOME") {
  Environment user{{{"HOME", "/home/bob"}}, 1001};
  CHECK(default_state_dir(user) == "/home/bob/.local/state/tgd");
  CHECK(default_runtime_dir(user) == "/tmp/tgd-1001");
  CHECK(default_config_path(user) == "/home/bob/.config/tgd/tgd.toml");

  user.vars["XDG_STATE_HOME"] = "/xdg/state";
  user.vars["XDG_RUNTIME_DIR"] = "/run/user/1001";
  user.vars["XDG_CONFIG_HOME"] = "/xdg/config";
  CHECK(default_state_dir(user) == "/xdg/state/tgd");
  CHECK(default_runtime_dir(user) == "/run/user/1001/tgd");
  CHECK(default_config_path(user) == "/xdg/config/tgd/tgd.toml");

  Environment relative{{{"HOME", "/home/bob"}, {"XDG_STATE_HOME", "rel/state"}}, 1001};
  CHECK(default_state_dir(relative) == "/home/bob/.local/state/tgd");  // relative XDG dirs are ignored

  Environment root{{{"HOME", "/root"}, {"XDG_STATE_HOME", "/xdg/state"}}, 0};
  CHECK(default_state_dir(root) == "/var/lib/tgd");
  CHECK(default_runtime_dir(root) == "/run/tgd");
  CHECK(default_config_path(root) == "/etc/tgd/tgd.toml");

  Environment systemd{{{"STATE_DIRECTORY", "/var/lib/tgd-a:/var/lib/other"},
                       {"RUNTIME_DIRECTORY", "/run/tgd-a"},
                       {"CONFIGURATION_DIRECTORY", "/etc/tgd-a"}},
                      0};
  CHECK(default_state_dir(systemd) == "/var/lib/tgd-a");
  CHECK(default_runtime_dir(systemd) == "/run/tgd-a");
  CHECK(default_config_path(systemd) == "/etc/tgd-a/tgd.toml");

  Environment homeless{{}, 1001};
  CHECK(default_state_dir(homeless).empty());
  CHECK(error("", credentials(), homeless).find("paths.state_dir: has no default here (HOME is not set)") !=
        std::string::npos);
}

TEST_CASE("default directories come from the process environment") {
  ::setenv("STATE_DIRECTORY", "/tmp/tgd-env-state", 1);
  ::setenv("RUNTIME_DIRECTORY", "/tmp/tgd-env-run", 1);
  const Environment env = Environment::current();
  ::unsetenv("STATE_DIRECTORY");
  ::unsetenv("RUNTIME_DIRECTORY");
  CHECK(env.uid == ::geteuid());
  auto loaded = parse_config("", "tgd.toml", credentials(), {}, env);
  REQUIRE(std::holds_alternative<Config>(loaded));
  const Config& c = std::get<Config>(loaded);
  CHECK(c.state_dir == "/tmp/tgd-env-state");
  CHECK(c.runtime_dir == "/tmp/tgd-env-run");
  CHECK(c.unix_socket == "/tmp/tgd-env-run/tgd.sock");
  CHECK(c.token_file == "/tmp/tgd-env-state/token");
}

TEST_CASE("the custom network loads and checks its RSA public key file") {
  TempDir dir;
  const auto key = tgd::crypto::RsaPrivateKey::generate();
  const std::string pem = key.public_key().to_pem();
  dir.write("testdc.pem", pem);
  const auto private_pem = key.to_pem();
  dir.write("private.pem", std::string(private_pem.begin(), private_pem.end()));
  dir.write("garbage.pem", "not a key\n");
  const auto file = dir.write("tgd.toml", R"(
[telegram]
network = "custom"
public_key_file = "testdc.pem"
[[telegram.dc]]
id = 2
host = "127.0.0.1"
port = 40002
[[telegram.dc]]
id = 1
host = "LocalHost"
port = 40001
)");
  auto loaded = load_config(file, credentials(), IfMissing::Error, alice());
  if (auto* e = std::get_if<ConfigError>(&loaded)) FAIL(e->message);
  const Config& c = std::get<Config>(loaded);
  CHECK(c.network == Network::Custom);
  CHECK(c.custom_key_file == dir.path() / "testdc.pem");
  CHECK(c.custom_key_pem == pem);
  REQUIRE(c.custom_dcs.size() == 2);
  CHECK(c.custom_dcs[0] == DcEndpointConfig{2, "127.0.0.1", 40002});
  CHECK(c.custom_dcs[1] == DcEndpointConfig{1, "localhost", 40001});

  // The custom network needs credentials too: initConnection refuses api_id 0.
  auto refusal = load_config(file, Overrides{}, IfMissing::Error, alice());
  REQUIRE(std::holds_alternative<ConfigError>(refusal));
  const std::string& refused = std::get<ConfigError>(refusal).message;
  CHECK(refused.find("telegram.api_id: required for the custom network") != std::string::npos);
  CHECK(refused.find("telegram.api_hash: required for the custom network") != std::string::npos);

  const std::string dcs = "[[telegram.dc]]\nid = 1\nhost = \"h\"\nport = 1\n";
  const Overrides none = credentials();
  CHECK(error("[telegram]\nnetwork = \"custom\"\n" + dcs, none)
            .find("telegram.public_key_file: the custom network needs the server's RSA public key") !=
        std::string::npos);
  CHECK(error("[telegram]\nnetwork = \"custom\"\npublic_key_file = \"" +
                  (dir.path() / "testdc.pem").string() + "\"\n",
              none)
            .find("telegram.dc: the custom network needs at least one [[telegram.dc]]") != std::string::npos);
  CHECK(error("[telegram]\nnetwork = \"custom\"\npublic_key_file = \"/nonexistent.pem\"\n" + dcs, none)
            .find("telegram.public_key_file: cannot read \"/nonexistent.pem\"") != std::string::npos);
  CHECK(error("[telegram]\nnetwork = \"custom\"\npublic_key_file = \"" +
                  (dir.path() / "garbage.pem").string() + "\"\n" + dcs,
              none)
            .find("holds no RSA public key in PEM form") != std::string::npos);
  CHECK(error("[telegram]\nnetwork = \"custom\"\npublic_key_file = \"" +
                  (dir.path() / "private.pem").string() + "\"\n" + dcs,
              none)
            .find("holds no RSA public key in PEM form") != std::string::npos);
  CHECK(error(dcs + "[[telegram.dc]]\nid = 1\nhost = \"h2\"\nport = 2\n")
            .find("tgd.toml:6:6: telegram.dc.id: DC 1 is listed twice") != std::string::npos);
  CHECK(error("[telegram]\nnetwork = \"custom\"\napi_id = 5\n" + dcs, Overrides{})
            .find("telegram.api_hash: required for the custom network") != std::string::npos);

  // The flags alone make a custom network (the demo's way).
  Overrides flags = credentials();
  flags.network = "custom";
  flags.dcs = {"1=127.0.0.1:5001", "2=[::1]:5002"};
  flags.dc_key_file = (dir.path() / "testdc.pem").string();
  const Config f = ok("", flags);
  CHECK(f.custom_dcs == std::vector<DcEndpointConfig>{{1, "127.0.0.1", 5001}, {2, "::1", 5002}});
  CHECK(f.custom_key_pem == pem);

  // A session on the custom network next to production ones needs both the credentials and the DCs.
  CHECK(error("[[session]]\nname = \"local\"\nnetwork = \"custom\"\n")
            .find("telegram.dc: the custom network") != std::string::npos);
  const Config mixed = ok("[[session]]\nname = \"local\"\nnetwork = \"custom\"\n" + dcs +
                          "[telegram]\npublic_key_file = \"" + (dir.path() / "testdc.pem").string() + "\"\n");
  CHECK(mixed.network == Network::Production);
  CHECK(mixed.network_of(mixed.sessions.at(0)) == Network::Custom);
  // DCs configured but unused: a warning, not an error.
  const Config unused = ok(dcs);
  REQUIRE(unused.warnings.size() == 1);
  CHECK(unused.warnings[0].find("unused") != std::string::npos);
}

TEST_CASE("secrets never appear in errors, warnings or describe()") {
  const std::string secret_hash = "5ecre75ecre75ecre75ecre75ecre75e";  // 32 characters, not all hex
  const std::string e1 = error("[telegram]\napi_hash = \"" + secret_hash + "\"\n");
  CHECK(e1.find(
            "telegram.api_hash: must be the 32 hexadecimal digits my.telegram.org shows (got 32 characters, "
            "not all hexadecimal)") != std::string::npos);
  CHECK(e1.find("5ecre7") == std::string::npos);

  const std::string e2 = error("[security]\ntoken = \"s3cr3t token with spaces\"\n");
  CHECK(e2.find("security.token: must be 16..256 printable ASCII characters") != std::string::npos);
  CHECK(e2.find("s3cr3t") == std::string::npos);

  // A syntax error on a secret's line says where, not what.
  const std::string e3 = error("[telegram]\napi_hash = 0123456789abcdef0123456789abcdeX\n");
  CHECK(e3.starts_with("tgd.toml:2:"));
  CHECK(e3.find("details hidden") != std::string::npos);
  CHECK(e3.find("0123456789") == std::string::npos);

  Overrides flag = credentials();
  flag.api_hash = "zz" + std::string(30, 'a');
  CHECK(error("", flag).find("zzaaa") == std::string::npos);

  const std::string token = "Tok3n-0123456789-abcdef";
  TempDir dir;
  const auto file = dir.write("tgd.toml",
                              "[telegram]\napi_id = 5\napi_hash = \"" + std::string(kHash) +
                                  "\"\n[security]\ntoken = \"" + token + "\"\n",
                              0644);
  auto loaded = load_config(file, Overrides{}, IfMissing::Error, alice());
  if (auto* e = std::get_if<ConfigError>(&loaded)) FAIL(e->message);
  const Config& c = std::get<Config>(loaded);
  CHECK(c.token == token);
  const std::string d = describe(c);
  CHECK(d.find(kHash) == std::string::npos);
  CHECK(d.find(token) == std::string::npos);
  CHECK(d.find("# api_hash: set (hidden)") != std::string::npos);
  CHECK(d.find("# token: set inline (hidden)") != std::string::npos);
  REQUIRE(c.warnings.size() == 2);  // the inline token, and the file readable by others
  CHECK(c.warnings[0].find("security.token is set inline") != std::string::npos);
  CHECK(c.warnings[1].find("is readable by every user") != std::string::npos);
  for (const std::string& w : c.warnings) {
    CHECK(w.find(token) == std::string::npos);
    CHECK(w.find(kHash) == std::string::npos);
  }
}

TEST_CASE("describe() prints every key as TOML that parses back to the same config") {
  TempDir dir;
  const auto key = tgd::crypto::RsaPrivateKey::generate();
  const auto pem_file = dir.write("k.pem", key.public_key().to_pem());
  const Config c = ok(R"(
[telegram]
network = "custom"
device_model = "quote \" and backslash \\"
call_timeout = "1500ms"
public_key_file = ")" +
                      pem_file.string() +
                      R"("
[[telegram.dc]]
id = 3
host = "10.0.0.3"
port = 443
[listen.unix]
mode = "0660"
group = "0"
[listen.tcp]
enabled = true
port = 0
[security]
allowed_origins = ["http://localhost:3000"]
[limits]
max_outgoing_bytes = 100000
[[session]]
name = "s1"
network = "custom"
)");
  const std::string d = describe(c);
  const Config back = ok(d);
  CHECK(body(back) == body(c));
  CHECK(back.device_model == "quote \" and backslash \\");
  CHECK(back.call_timeout == 1500ms);
  CHECK(back.max_outgoing_bytes == 100000);
  CHECK(back.unix_mode == 0660);
  CHECK(back.custom_dcs == c.custom_dcs);
  CHECK(back.sessions == c.sessions);
  CHECK(back.state_dir == c.state_dir);
  CHECK(back.unix_socket == c.unix_socket);
  CHECK(back.token_file == c.token_file);
  CHECK(d.find("mode = \"0660\"") != std::string::npos);
  CHECK(d.find("max_message_bytes = \"16MiB\"") != std::string::npos);
}

TEST_CASE("a socket mode open to every user is accepted with a warning") {
  const Config c = ok("[listen.unix]\nmode = \"0666\"\n");
  CHECK(c.unix_mode == 0666);
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0].find("listen.unix.mode lets every local user use tgd's sessions") != std::string::npos);
}

TEST_CASE(
    "monitoring.stall_threshold: 200ms by default, 0 turns the warning off, round-trips through describe()") {
  CHECK(ok("").stall_threshold == 200ms);
  CHECK(ok("[monitoring]\nstall_threshold = \"50ms\"\n").stall_threshold == 50ms);
  CHECK(ok("[monitoring]\nstall_threshold = \"0s\"\n").stall_threshold == 0ms);
  CHECK(error("[monitoring]\nstall_threshold = \"2m\"\n").find("monitoring.stall_threshold: must be") !=
        std::string::npos);
  CHECK(error("[monitoring]\nstall = \"1s\"\n").find("monitoring.stall") != std::string::npos);
  const Config c = ok("[monitoring]\nstall_threshold = \"1500ms\"\n");
  CHECK(ok(describe(c)).stall_threshold == 1500ms);
}

TEST_CASE("problems are listed in file order") {
  auto result = parse("[telegram]\nnetowrk = \"x\"\napi_id = -1\n[log]\nlevel = \"loud\"\n");
  REQUIRE(std::holds_alternative<ConfigError>(result));
  const auto& problems = std::get<ConfigError>(result).problems;
  REQUIRE(problems.size() == 3);
  CHECK(problems[0].starts_with("tgd.toml:2:"));
  CHECK(problems[1].starts_with("tgd.toml:3:"));
  CHECK(problems[2].starts_with("tgd.toml:5:"));
}

TEST_CASE(
    "log.file: relative to the file, \"\" is stderr, --log-file wins and round-trips through describe()") {
  CHECK(ok("").log_file.empty());
  CHECK(ok("[log]\nfile = \"logs/tgd.log\"\n").log_file == "/etc/tgd/logs/tgd.log");
  CHECK(ok("[log]\nfile = \"~/tgd.log\"\n").log_file == "/home/alice/tgd.log");
  CHECK(ok("[log]\nfile = \"\"\n").log_file.empty());
  CHECK(error("[log]\nfile = 3\n").find("log.file") != std::string::npos);

  Overrides o = credentials();
  o.log_file = "/var/log/tgd/tgd.log";
  const Config c = ok("[log]\nfile = \"elsewhere.log\"\n", o);
  CHECK(c.log_file == "/var/log/tgd/tgd.log");
  o.log_file = "";
  CHECK(ok("[log]\nfile = \"elsewhere.log\"\n", o).log_file.empty());
  CHECK(ok(describe(c)).log_file == c.log_file);
}
