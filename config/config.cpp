#include "config/config.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "config/values.hpp"
#include "protocol/base/edit_distance.hpp"
#include "protocol/crypto/rsa.hpp"

namespace tgd::config {

namespace {

using namespace std::string_view_literals;

// ---------------------------------------------------------------------------------------------
// The schema: every table and its keys. known_keys() and the unknown-key checks both come from it.

constexpr std::array kTopKeys{"telegram"sv, "paths"sv, "listen"sv,     "security"sv, "limits"sv,
                              "updates"sv,  "files"sv, "monitoring"sv, "log"sv,      "session"sv};
constexpr std::array kTelegramKeys{"network"sv,          "api_id"sv,          "api_hash"sv,
                                   "device_model"sv,     "system_version"sv,  "app_version"sv,
                                   "system_lang_code"sv, "lang_code"sv,       "flood_wait_threshold"sv,
                                   "call_timeout"sv,     "public_key_file"sv, "dc"sv};
constexpr std::array kDcKeys{"id"sv, "host"sv, "port"sv};
constexpr std::array kPathsKeys{"state_dir"sv, "runtime_dir"sv};
constexpr std::array kListenKeys{"unix"sv, "tcp"sv};
constexpr std::array kUnixKeys{"enabled"sv, "path"sv, "mode"sv, "group"sv};
constexpr std::array kTcpKeys{"enabled"sv, "host"sv, "port"sv};
constexpr std::array kSecurityKeys{"token_file"sv, "token"sv, "allowed_origins"sv, "allowed_hosts"sv};
constexpr std::array kLimitsKeys{"max_message_bytes"sv, "max_in_flight"sv, "idle_timeout"sv,
                                 "max_outgoing_bytes"sv, "stop_grace"sv};
constexpr std::array kUpdatesKeys{"journal_max_entries"sv, "journal_max_age"sv, "subscriber_buffer"sv,
                                  "lag_timeout"sv};
constexpr std::array kFilesKeys{"download_parts_in_flight"sv, "upload_parts_in_flight"sv};
constexpr std::array kMonitoringKeys{"stall_threshold"sv};
constexpr std::array kLogKeys{"level"sv, "format"sv, "file"sv};
constexpr std::array kSessionKeys{"name"sv, "network"sv};

struct SchemaTable {
  std::string_view path;
  std::span<const std::string_view> keys;
};
constexpr std::array<SchemaTable, 14> kSchema{{
    {"", kTopKeys},
    {"telegram", kTelegramKeys},
    {"telegram.dc", kDcKeys},
    {"paths", kPathsKeys},
    {"listen", kListenKeys},
    {"listen.unix", kUnixKeys},
    {"listen.tcp", kTcpKeys},
    {"security", kSecurityKeys},
    {"limits", kLimitsKeys},
    {"updates", kUpdatesKeys},
    {"files", kFilesKeys},
    {"monitoring", kMonitoringKeys},
    {"log", kLogKeys},
    {"session", kSessionKeys},
}};

std::string join_path(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return std::string(prefix) + "." + std::string(key);
}

bool is_table_path(std::string_view path) {
  return std::any_of(kSchema.begin(), kSchema.end(), [&](const SchemaTable& t) { return t.path == path; });
}

// "did you mean ...": a close key of the same table, else the same key in another table.
std::string suggestion(std::string_view table_path, std::span<const std::string_view> keys,
                       std::string_view key) {
  std::string normalized(key);
  std::replace(normalized.begin(), normalized.end(), '-', '_');
  std::transform(normalized.begin(), normalized.end(), normalized.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string best;
  std::size_t best_distance = key.size() <= 3 ? 2 : 3;
  for (std::string_view k : keys) {
    const std::size_t d = normalized == k ? 0 : edit_distance(normalized, k);
    if (d < best_distance) best_distance = d, best = join_path(table_path, k);
  }
  if (!best.empty()) return "; did you mean " + best + "?";
  // The same key in another table: a table below this one first ("port" in [listen]).
  std::string elsewhere;
  for (const SchemaTable& t : kSchema) {
    if (t.path == table_path) continue;
    for (std::string_view k : t.keys) {
      if (k != normalized) continue;
      const bool below = table_path.empty() || t.path.starts_with(std::string(table_path) + ".");
      if (below) return "; did you mean " + join_path(t.path, k) + "?";
      if (elsewhere.empty()) elsewhere = join_path(t.path, k);
    }
  }
  return elsewhere.empty() ? "" : "; did you mean " + elsewhere + "?";
}

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// ---------------------------------------------------------------------------------------------

struct Problems {
  std::string source;
  std::vector<std::string> list;
  std::vector<std::uint64_t> order;  // (line, column) of each; problems without a position last

  void at(const toml::node* node, std::string_view key, std::string_view message) {
    std::string line = source;
    std::uint64_t position = ~std::uint64_t{0};
    if (node != nullptr && node->source().begin.line != 0) {
      const auto& begin = node->source().begin;
      line += ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column);
      position = (std::uint64_t{begin.line} << 32) | begin.column;
    }
    line += ": ";
    line += key;
    line += ": ";
    line += message;
    add(std::move(line), position);
  }
  // A key's problem without a position (cross-key checks, derived defaults).
  void key(std::string_view key, std::string_view message) { at(nullptr, key, message); }
  // A command-line flag's problem.
  void flag(std::string_view flag, std::string_view message) {
    add(std::string(flag) + ": " + std::string(message), ~std::uint64_t{0});
  }
  void add(std::string problem, std::uint64_t position) {
    list.push_back(std::move(problem));
    order.push_back(position);
  }
  // In file order, then the rest as found.
  std::vector<std::string> sorted() {
    std::vector<std::size_t> index(list.size());
    for (std::size_t i = 0; i < index.size(); ++i) index[i] = i;
    std::stable_sort(index.begin(), index.end(),
                     [&](std::size_t a, std::size_t b) { return order[a] < order[b]; });
    std::vector<std::string> out;
    for (std::size_t i : index) out.push_back(std::move(list[i]));
    return out;
  }
};

// Resolves a configured path: "~/" is $HOME, relative paths are relative to `base`.
std::optional<std::filesystem::path> resolve_path(std::string_view text, const std::filesystem::path& base,
                                                  const Environment& env, std::string& error) {
  if (text.empty()) {
    error = "must not be empty";
    return std::nullopt;
  }
  if (text.find('\0') != std::string_view::npos) {
    error = "must not contain a NUL character";
    return std::nullopt;
  }
  std::filesystem::path path;
  if (text == "~" || text.starts_with("~/")) {
    auto home = env.get("HOME");
    if (!home) {
      error = "starts with ~ but HOME is not set";
      return std::nullopt;
    }
    path = std::filesystem::path(*home) / std::string(text.substr(text.size() > 1 ? 2 : 1));
  } else {
    path = std::string(text);
  }
  if (path.is_relative()) {
    std::error_code ec;
    path = (base.empty() ? std::filesystem::current_path(ec) : base) / path;
  }
  path = path.lexically_normal();
  if (path.has_filename() == false && path != path.root_path()) path = path.parent_path();
  return path;
}

// One TOML table being read: typed getters that report wrong types and ranges, and a final check
// that every key in it was one tgd knows.
class Table {
 public:
  Table(Problems& problems, const toml::table& table, std::string path, const Environment& env,
        const std::filesystem::path& base)
      : problems_(problems), table_(table), path_(std::move(path)), env_(env), base_(base) {
    for (const SchemaTable& t : kSchema)
      if (t.path == schema_path()) keys_ = t.keys;
  }

  const std::string& path() const { return path_; }
  std::string key_path(std::string_view key) const { return join_path(path_, key); }
  const toml::node* node(std::string_view key) const { return table_.get(key); }
  void fail(std::string_view key, std::string_view message) {
    problems_.at(node(key), key_path(key), message);
  }

  // Reports every key of this table that tgd does not know.
  void check_unknown_keys() {
    for (auto&& [key, value] : table_) {
      if (std::find(keys_.begin(), keys_.end(), key.str()) != keys_.end()) continue;
      problems_.at(&value, key_path(key.str()), "unknown key" + suggestion(schema_path(), keys_, key.str()));
    }
  }

  std::optional<Table> table(std::string_view key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_table()) {
      fail(key, "expected a table, got " + std::string(type_name(n->type())));
      return std::nullopt;
    }
    return Table(problems_, *n->as_table(), key_path(key), env_, base_);
  }

  // [[key]]: an array of tables.
  std::vector<Table> tables(std::string_view key) {
    std::vector<Table> out;
    const toml::node* n = node(key);
    if (n == nullptr) return out;
    const toml::array* array = n->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      fail(key, "expected an array of tables ([[" + key_path(key) + "]] sections), got " +
                    std::string(array != nullptr ? "an array of other values" : type_name(n->type())));
      return out;
    }
    for (const toml::node& element : *array)
      out.emplace_back(problems_, *element.as_table(), key_path(key), env_, base_);
    return out;
  }

  std::optional<std::string> string(std::string_view key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) {
      fail(key, "expected a string, got " + std::string(type_name(n->type())));
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  // A printable single-line string of at most `max` bytes (names, versions, language codes).
  std::optional<std::string> text(std::string_view key, std::size_t max, bool allow_empty) {
    auto s = string(key);
    if (!s) return std::nullopt;
    if (!allow_empty && s->empty()) return fail(key, "must not be empty"), std::nullopt;
    if (s->size() > max) return fail(key, "must be at most " + std::to_string(max) + " bytes"), std::nullopt;
    if (std::any_of(s->begin(), s->end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
      return fail(key, "must not contain control characters"), std::nullopt;
    return s;
  }

  std::optional<bool> boolean(std::string_view key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) {
      fail(key, "expected true or false, got " + std::string(type_name(n->type())));
      return std::nullopt;
    }
    return n->as_boolean()->get();
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_integer()) {
      fail(key, "expected an integer, got " + std::string(type_name(n->type())));
      return std::nullopt;
    }
    const std::int64_t v = n->as_integer()->get();
    if (v < lo || v > hi) {
      fail(key, "must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(v));
      return std::nullopt;
    }
    return v;
  }

  // An integer (seconds) or a string with a unit ("500ms", "10s", "5m", "1h").
  std::optional<std::chrono::milliseconds> duration(std::string_view key, std::chrono::milliseconds lo,
                                                    std::chrono::milliseconds hi, bool whole_seconds) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    std::chrono::milliseconds d{};
    if (n->is_integer()) {
      const std::int64_t v = n->as_integer()->get();
      if (v < 0 || v > 10'000'000'000)
        return fail(key, "must not be negative or absurdly long"), std::nullopt;
      d = std::chrono::seconds(v);
    } else if (n->is_string()) {
      auto parsed = parse_duration(n->as_string()->get());
      if (!parsed.value) return fail(key, parsed.error), std::nullopt;
      d = *parsed.value;
    } else {
      fail(key, "expected a duration (seconds as an integer, or a string like \"10s\"), got " +
                    std::string(type_name(n->type())));
      return std::nullopt;
    }
    return check_duration(key, d, lo, hi, whole_seconds);
  }

  std::optional<std::chrono::milliseconds> check_duration(std::string_view key, std::chrono::milliseconds d,
                                                          std::chrono::milliseconds lo,
                                                          std::chrono::milliseconds hi, bool whole_seconds) {
    if (d < lo || d > hi) {
      fail(key,
           "must be " + format_duration(lo) + ".." + format_duration(hi) + ", got " + format_duration(d));
      return std::nullopt;
    }
    if (whole_seconds && d.count() % 1000 != 0) {
      fail(key, "must be whole seconds, got " + format_duration(d));
      return std::nullopt;
    }
    return d;
  }

  // An integer (bytes) or a string with a unit ("16MiB").
  std::optional<std::uint64_t> size(std::string_view key, std::uint64_t lo, std::uint64_t hi) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    std::uint64_t v = 0;
    if (n->is_integer()) {
      const std::int64_t i = n->as_integer()->get();
      if (i < 0) return fail(key, "must not be negative, got " + std::to_string(i)), std::nullopt;
      v = static_cast<std::uint64_t>(i);
    } else if (n->is_string()) {
      auto parsed = parse_size(n->as_string()->get());
      if (!parsed.value) return fail(key, parsed.error), std::nullopt;
      v = *parsed.value;
    } else {
      fail(key, "expected a size (bytes as an integer, or a string like \"16MiB\"), got " +
                    std::string(type_name(n->type())));
      return std::nullopt;
    }
    if (v < lo || v > hi) {
      fail(key, "must be " + format_size(lo) + ".." + format_size(hi) + ", got " + format_size(v));
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::filesystem::path> path(std::string_view key) {
    auto s = string(key);
    if (!s) return std::nullopt;
    std::string error;
    auto p = resolve_path(*s, base_, env_, error);
    if (!p) fail(key, error);
    return p;
  }

  std::optional<std::vector<std::string>> strings(std::string_view key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    const toml::array* array = n->as_array();
    if (array == nullptr) {
      fail(key, "expected an array of strings, got " + std::string(type_name(n->type())));
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      if (!element.is_string()) {
        problems_.at(&element, key_path(key) + "[" + std::to_string(i) + "]",
                     "expected a string, got " + std::string(type_name(element.type())));
        return std::nullopt;
      }
      out.push_back(element.as_string()->get());
    }
    return out;
  }

  Problems& problems() { return problems_; }

 private:
  // "telegram.dc" for every [[telegram.dc]] element.
  std::string schema_path() const { return path_; }

  Problems& problems_;
  const toml::table& table_;
  std::string path_;
  const Environment& env_;
  const std::filesystem::path& base_;
  std::span<const std::string_view> keys_;
};

// What the file or the flags set explicitly (defaults derived from other keys need to know).
struct Explicit {
  bool state_dir = false, runtime_dir = false, unix_socket = false, token_file = false;
  bool secret_in_file = false;  // api_hash or token came from the file
};

// ---------------------------------------------------------------------------------------------
// Reading the file's tables.

void read_telegram(Table& t, Config& c, Explicit& x) {
  if (auto v = t.string("network")) {
    auto n = parse_network(*v);
    if (n.value)
      c.network = *n.value;
    else
      t.fail("network", n.error);
  }
  if (auto v = t.integer("api_id", 1, std::numeric_limits<std::int32_t>::max()))
    c.api_id = static_cast<std::int32_t>(*v);
  if (auto v = t.string("api_hash")) {
    x.secret_in_file = true;
    if (auto e = check_api_hash(*v))
      t.fail("api_hash", *e);
    else
      c.api_hash = *v;
  }
  if (auto v = t.text("device_model", 256, false)) c.device_model = *v;
  if (auto v = t.text("system_version", 256, false)) c.system_version = *v;
  if (auto v = t.text("app_version", 256, true)) c.app_version = *v;
  if (auto v = t.text("system_lang_code", 16, false)) c.system_lang_code = *v;
  if (auto v = t.text("lang_code", 16, false)) c.lang_code = *v;
  using std::chrono::hours, std::chrono::milliseconds, std::chrono::seconds;
  if (auto v = t.duration("flood_wait_threshold", seconds(0), hours(24), true))
    c.flood_wait_threshold = std::chrono::duration_cast<seconds>(*v);
  if (auto v = t.duration("call_timeout", milliseconds(100), hours(24), false)) c.call_timeout = *v;
  if (auto v = t.path("public_key_file")) c.custom_key_file = *v;

  std::set<std::int32_t> ids;
  for (Table& dc : t.tables("dc")) {
    DcEndpointConfig e;
    bool ok = true;
    if (auto v = dc.integer("id", 1, 9999)) {
      e.id = static_cast<std::int32_t>(*v);
    } else {
      ok = false;
      if (dc.node("id") == nullptr) dc.fail("id", "required");
    }
    if (auto v = dc.string("host")) {
      auto h = parse_host(*v, false);
      if (h.value)
        e.host = *h.value;
      else
        dc.fail("host", h.error), ok = false;
    } else {
      ok = false;
      if (dc.node("host") == nullptr) dc.fail("host", "required");
    }
    if (auto v = dc.integer("port", 1, 65535)) {
      e.port = static_cast<std::uint16_t>(*v);
    } else {
      ok = false;
      if (dc.node("port") == nullptr) dc.fail("port", "required");
    }
    dc.check_unknown_keys();
    if (!ok) continue;
    if (!ids.insert(e.id).second) {
      dc.fail("id", "DC " + std::to_string(e.id) + " is listed twice");
      continue;
    }
    c.custom_dcs.push_back(std::move(e));
  }
  t.check_unknown_keys();
}

void read_paths(Table& t, Config& c, Explicit& x) {
  if (auto v = t.path("state_dir")) c.state_dir = *v, x.state_dir = true;
  if (auto v = t.path("runtime_dir")) c.runtime_dir = *v, x.runtime_dir = true;
  t.check_unknown_keys();
}

void read_listen(Table& t, Config& c, Explicit& x) {
  if (auto u = t.table("unix")) {
    if (auto v = u->boolean("enabled")) c.unix_enabled = *v;
    if (auto v = u->path("path")) c.unix_socket = *v, x.unix_socket = true;
    if (const toml::node* n = u->node("mode")) {
      if (n->is_integer()) {
        const std::int64_t m = n->as_integer()->get();
        if (m < 0 || m > 0777)
          u->fail("mode",
                  "must be permission bits 0..0o777; write it as a string (\"0600\") or an octal "
                  "integer (0o600), got " +
                      std::to_string(m));
        else
          c.unix_mode = static_cast<std::uint32_t>(m);
      } else if (n->is_string()) {
        auto m = parse_mode(n->as_string()->get());
        if (m.value)
          c.unix_mode = *m.value;
        else
          u->fail("mode", m.error);
      } else {
        u->fail("mode", "expected a string like \"0600\" or an octal integer like 0o600, got " +
                            std::string(type_name(n->type())));
      }
    }
    if (auto v = u->text("group", 64, true)) c.unix_group = *v;
    u->check_unknown_keys();
  }
  if (auto tcp = t.table("tcp")) {
    if (auto v = tcp->boolean("enabled")) c.tcp_enabled = *v;
    if (auto v = tcp->string("host")) {
      auto h = parse_host(*v, false);
      if (h.value)
        c.tcp_host = *h.value;
      else
        tcp->fail("host", h.error);
    }
    if (auto v = tcp->integer("port", 0, 65535)) c.tcp_port = static_cast<std::uint16_t>(*v);
    tcp->check_unknown_keys();
  }
  t.check_unknown_keys();
}

void read_security(Table& t, Config& c, Explicit& x) {
  if (auto v = t.path("token_file")) c.token_file = *v, x.token_file = true;
  if (auto v = t.string("token")) {
    x.secret_in_file = true;
    if (auto e = check_token(*v))
      t.fail("token", *e);
    else
      c.token = *v;
  }
  if (auto list = t.strings("allowed_origins")) {
    c.allowed_origins.clear();
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto o = normalize_origin((*list)[i]);
      if (!o.value)
        t.problems().at(t.node("allowed_origins"),
                        t.key_path("allowed_origins") + "[" + std::to_string(i) + "]", o.error);
      else if (std::find(c.allowed_origins.begin(), c.allowed_origins.end(), *o.value) ==
               c.allowed_origins.end())
        c.allowed_origins.push_back(*o.value);
    }
  }
  if (auto list = t.strings("allowed_hosts")) {
    c.allowed_hosts.clear();
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto h = parse_host((*list)[i], true);
      if (!h.value)
        t.problems().at(t.node("allowed_hosts"), t.key_path("allowed_hosts") + "[" + std::to_string(i) + "]",
                        h.error + " (no port: any port matches)");
      else if (std::find(c.allowed_hosts.begin(), c.allowed_hosts.end(), *h.value) == c.allowed_hosts.end())
        c.allowed_hosts.push_back(*h.value);
    }
  }
  t.check_unknown_keys();
}

void read_limits(Table& t, Config& c) {
  using std::chrono::hours, std::chrono::milliseconds;
  if (auto v = t.size("max_message_bytes", 1 << 10, 1ull << 30)) c.max_message_bytes = *v;
  if (auto v = t.integer("max_in_flight", 1, 1'000'000)) c.max_in_flight = static_cast<std::size_t>(*v);
  if (auto v = t.duration("idle_timeout", milliseconds(0), hours(24 * 7), true))
    c.idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(*v);
  if (auto v = t.size("max_outgoing_bytes", 64 << 10, 16ull << 30)) c.max_outgoing_bytes = *v;
  if (auto v = t.duration("stop_grace", milliseconds(0), std::chrono::minutes(10), false)) c.stop_grace = *v;
  t.check_unknown_keys();
}

void read_updates(Table& t, Config& c) {
  using std::chrono::hours, std::chrono::milliseconds;
  if (auto v = t.integer("journal_max_entries", 0, 1'000'000'000)) c.journal_max_entries = *v;
  if (auto v = t.duration("journal_max_age", milliseconds(0), hours(24 * 3650), true))
    c.journal_max_age = std::chrono::duration_cast<std::chrono::seconds>(*v);
  if (auto v = t.size("subscriber_buffer", 64 << 10, 1ull << 30)) c.subscriber_buffer = *v;
  if (auto v = t.duration("lag_timeout", milliseconds(0), hours(1), false)) c.lag_timeout = *v;
  t.check_unknown_keys();
}

void read_monitoring(Table& t, Config& c) {
  using std::chrono::milliseconds, std::chrono::minutes;
  if (auto v = t.duration("stall_threshold", milliseconds(0), minutes(1), false)) c.stall_threshold = *v;
  t.check_unknown_keys();
}

void read_files(Table& t, Config& c) {
  if (auto v = t.integer("download_parts_in_flight", 1, 64))
    c.download_parts_in_flight = static_cast<int>(*v);
  if (auto v = t.integer("upload_parts_in_flight", 1, 64)) c.upload_parts_in_flight = static_cast<int>(*v);
  t.check_unknown_keys();
}

void read_log(Table& t, Config& c) {
  if (auto v = t.string("level")) {
    auto l = parse_log_level(*v);
    if (l.value)
      c.log_level = *l.value;
    else
      t.fail("level", l.error);
  }
  if (auto v = t.string("format")) {
    auto f = parse_log_format(*v);
    if (f.value)
      c.log_format = *f.value;
    else
      t.fail("format", f.error);
  }
  if (auto v = t.string("file")) {
    if (v->empty()) {
      c.log_file.clear();
    } else if (auto path = t.path("file")) {
      c.log_file = *path;
    }
  }
  t.check_unknown_keys();
}

void read_sessions(Table& top, Config& c) {
  std::set<std::string> names;
  for (Table& s : top.tables("session")) {
    SessionConfig session;
    bool ok = true;
    if (auto v = s.string("name")) {
      if (!is_valid_session_name(*v))
        s.fail("name", "must be 1..64 of A-Z a-z 0-9 _ . -, got \"" + *v + "\""), ok = false;
      else if (!names.insert(*v).second)
        s.fail("name", "session \"" + *v + "\" is declared twice"), ok = false;
      else
        session.name = *v;
    } else {
      ok = false;
      if (s.node("name") == nullptr) s.fail("name", "required");
    }
    if (auto v = s.string("network")) {
      auto n = parse_network(*v);
      if (n.value)
        session.network = *n.value;
      else
        s.fail("network", n.error), ok = false;
    }
    s.check_unknown_keys();
    if (ok) c.sessions.push_back(std::move(session));
  }
}

// ---------------------------------------------------------------------------------------------
// Command-line overrides, then the defaults derived from other keys, then cross-key checks.

std::optional<std::filesystem::path> flag_path(Problems& p, std::string_view flag, const std::string& value,
                                               const Environment& env) {
  std::string error;
  auto path = resolve_path(value, {}, env, error);
  if (!path) p.flag(flag, error);
  return path;
}

void apply_overrides(const Overrides& o, Config& c, Explicit& x, Problems& p, const Environment& env) {
  if (o.state_dir)
    if (auto v = flag_path(p, "--state-dir", *o.state_dir, env)) c.state_dir = *v, x.state_dir = true;
  if (o.runtime_dir)
    if (auto v = flag_path(p, "--runtime-dir", *o.runtime_dir, env)) c.runtime_dir = *v, x.runtime_dir = true;
  if (o.unix_socket && o.no_unix) p.flag("--socket", "contradicts --no-socket");
  if (o.unix_socket)
    if (auto v = flag_path(p, "--socket", *o.unix_socket, env))
      c.unix_socket = *v, x.unix_socket = true, c.unix_enabled = true;
  if (o.no_unix) c.unix_enabled = false;
  if (o.tcp && o.no_tcp) p.flag("--tcp", "contradicts --no-tcp");
  if (o.tcp) {
    auto a = parse_listen_address(*o.tcp);
    if (a.value)
      c.tcp_enabled = true, c.tcp_host = a.value->first, c.tcp_port = a.value->second;
    else
      p.flag("--tcp", a.error);
  }
  if (o.no_tcp) c.tcp_enabled = false;
  if (o.token_file)
    if (auto v = flag_path(p, "--token-file", *o.token_file, env)) c.token_file = *v, x.token_file = true;
  if (o.log_level) {
    auto l = parse_log_level(*o.log_level);
    if (l.value)
      c.log_level = *l.value;
    else
      p.flag("--log-level", l.error);
  }
  if (o.log_format) {
    auto f = parse_log_format(*o.log_format);
    if (f.value)
      c.log_format = *f.value;
    else
      p.flag("--log-format", f.error);
  }
  if (o.log_file) {
    if (o.log_file->empty())
      c.log_file.clear();
    else if (auto v = flag_path(p, "--log-file", *o.log_file, env))
      c.log_file = *v;
  }
  if (o.api_id) {
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(o.api_id->data(), o.api_id->data() + o.api_id->size(), id);
    if (ec != std::errc{} || end != o.api_id->data() + o.api_id->size() || id < 1 ||
        id > std::numeric_limits<std::int32_t>::max())
      p.flag("--api-id", "must be a positive integer (my.telegram.org's api_id), got \"" + *o.api_id + "\"");
    else
      c.api_id = static_cast<std::int32_t>(id);
  }
  if (o.api_hash) {
    if (auto e = check_api_hash(*o.api_hash))
      p.flag("--api-hash", *e);
    else
      c.api_hash = *o.api_hash;
  }
  if (o.network) {
    auto n = parse_network(*o.network);
    if (n.value)
      c.network = *n.value;
    else
      p.flag("--network", n.error);
  }
  if (!o.dcs.empty()) {
    c.custom_dcs.clear();
    std::set<std::int32_t> ids;
    for (const std::string& text : o.dcs) {
      auto dc = parse_dc_endpoint(text);
      if (!dc.value)
        p.flag("--dc", dc.error);
      else if (!ids.insert(dc.value->id).second)
        p.flag("--dc", "DC " + std::to_string(dc.value->id) + " is given twice");
      else
        c.custom_dcs.push_back(*dc.value);
    }
  }
  if (o.dc_key_file)
    if (auto v = flag_path(p, "--dc-key", *o.dc_key_file, env)) c.custom_key_file = *v;
  if (o.flood_wait_threshold) {
    auto d = parse_duration(*o.flood_wait_threshold);
    if (!d.value) {
      // A bare number is seconds, as in the file.
      std::int64_t s = -1;
      const std::string& t = *o.flood_wait_threshold;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), s);
      if (ec == std::errc{} && end == t.data() + t.size() && s >= 0)
        d = Parsed<std::chrono::milliseconds>::ok(std::chrono::seconds(s));
    }
    if (!d.value || *d.value > std::chrono::hours(24) || d.value->count() % 1000 != 0)
      p.flag("--flood-wait-threshold",
             "must be whole seconds 0s..24h (like 30 or \"2m\"), got \"" + *o.flood_wait_threshold + "\"");
    else
      c.flood_wait_threshold = std::chrono::duration_cast<std::chrono::seconds>(*d.value);
  }
}

std::optional<std::uint32_t> lookup_group(const std::string& name) {
  if (!name.empty() &&
      std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    if (name.size() > 9) return std::nullopt;
    return static_cast<std::uint32_t>(std::stoul(name));
  }
  long size = sysconf(_SC_GETGR_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  group entry{};
  group* found = nullptr;
  while (true) {
    const int rc = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < (1u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr) return std::nullopt;
    return static_cast<std::uint32_t>(found->gr_gid);
  }
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

void derive_and_check(Config& c, const Explicit& x, Problems& p, const Environment& env) {
  if (c.system_version.empty()) c.system_version = default_system_version();
  if (!x.state_dir) c.state_dir = default_state_dir(env);
  if (c.state_dir.empty())
    p.key("paths.state_dir", "has no default here (HOME is not set): set it, or pass --state-dir");
  if (!x.runtime_dir) c.runtime_dir = default_runtime_dir(env);
  if (!x.unix_socket) c.unix_socket = c.runtime_dir / "tgd.sock";
  if (!x.token_file && !c.state_dir.empty()) c.token_file = c.state_dir / "token";

  // Listeners.
  constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un{}.sun_path) - 1;
  if (c.unix_enabled && c.unix_socket.native().size() > kMaxSocketPath)
    p.key("listen.unix.path",
          "\"" + c.unix_socket.native() + "\" is " + std::to_string(c.unix_socket.native().size()) +
              " bytes, longer than a UNIX socket path may be (" + std::to_string(kMaxSocketPath) + ")" +
              (x.unix_socket ? "" : "; set listen.unix.path or a shorter runtime_dir"));
  if (!c.unix_enabled && !c.tcp_enabled)
    p.key("listen", "both the UNIX socket and TCP are disabled: nothing could reach tgd");
  if (!c.unix_group.empty()) {
    c.unix_gid = lookup_group(c.unix_group);
    if (!c.unix_gid) p.key("listen.unix.group", "no such group \"" + c.unix_group + "\"");
  }
  if (x.token_file && !c.token.empty())
    p.key("security.token", "set either security.token or security.token_file, not both");

  // What the networks in use need.
  std::set<Network> in_use{c.network};
  for (const SessionConfig& s : c.sessions) in_use.insert(c.network_of(s));
  // Every network needs them: initConnection carries api_id (a server refuses 0 with API_ID_INVALID,
  // the local test DC included) and auth.sendCode the hash.
  const std::string why = in_use.contains(Network::Production) ? "the production network (get it at "
                                                                 "https://my.telegram.org)"
                          : in_use.contains(Network::Test)
                              ? "the test network (get it at https://my.telegram.org)"
                              : "the custom network (its server decides what it "
                                "accepts; the local test DC takes any positive id "
                                "and any 32 hex digits)";
  if (c.api_id == 0) p.key("telegram.api_id", "required for " + why + ", or pass --api-id");
  if (c.api_hash.empty()) p.key("telegram.api_hash", "required for " + why + ", or pass --api-hash");
  if (in_use.contains(Network::Custom)) {
    if (c.custom_dcs.empty())
      p.key("telegram.dc", "the custom network needs at least one [[telegram.dc]] (id, host, port), or --dc");
    if (c.custom_key_file.empty()) {
      p.key("telegram.public_key_file",
            "the custom network needs the server's RSA public key (PEM), or --dc-key");
    } else {
      std::ifstream in(c.custom_key_file, std::ios::binary);
      std::stringstream content;
      if (in) content << in.rdbuf();
      if (!in || in.bad()) {
        p.key("telegram.public_key_file",
              "cannot read \"" + c.custom_key_file.string() + "\": " + std::strerror(errno));
      } else if (!crypto::RsaPublicKey::from_pem(content.str())) {
        p.key("telegram.public_key_file",
              "\"" + c.custom_key_file.string() +
                  "\" holds no RSA public key in PEM form (BEGIN RSA PUBLIC KEY)");
      } else {
        c.custom_key_pem = content.str();
      }
    }
  } else if (!c.custom_dcs.empty() || !c.custom_key_file.empty()) {
    c.warnings.push_back(
        "telegram.dc and telegram.public_key_file are unused: no session uses the custom network");
  }

  // Valid but risky.
  if (c.tcp_enabled && !is_loopback(c.tcp_host))
    c.warnings.push_back("listen.tcp.host " + c.tcp_host +
                         " accepts connections from other machines; the token is their only check");
  if (!c.token.empty())
    c.warnings.push_back("security.token is set inline; a token_file (mode 0600) keeps it out of the config");
  if (c.unix_enabled && (c.unix_mode & 0007) != 0)
    c.warnings.push_back("listen.unix.mode lets every local user use tgd's sessions");
}

ConfigError make_error(std::vector<std::string> problems) {
  ConfigError e;
  for (const std::string& line : problems) {
    if (!e.message.empty()) e.message += '\n';
    e.message += line;
  }
  e.problems = std::move(problems);
  return e;
}

// The text of line `line` (1-based).
std::string_view line_of(std::string_view text, std::size_t line) {
  std::size_t start = 0;
  for (std::size_t i = 1; i < line && start != std::string_view::npos; ++i) {
    start = text.find('\n', start);
    if (start != std::string_view::npos) ++start;
  }
  if (start == std::string_view::npos || start > text.size()) return {};
  return text.substr(start, text.find('\n', start) - start);
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\')
      out += '\\', out += ch;
    else if (ch == '\n')
      out += "\\n";
    else if (ch == '\t')
      out += "\\t";
    else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else
      out += ch;
  }
  return out + "\"";
}

std::variant<Config, ConfigError> parse(std::string_view toml_text, std::string_view source_name,
                                        const Overrides& overrides, const std::filesystem::path& base_dir,
                                        const Environment& env, bool& secret_in_file) {
  Problems problems{std::string(source_name), {}, {}};
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    const auto& at = error.source().begin;
    // A syntax error on a secret's line could quote part of it: say only where it is.
    const std::string_view line = line_of(toml_text, at.line);
    const bool secret =
        line.find("api_hash") != std::string_view::npos || line.find("token") != std::string_view::npos;
    std::string message = std::string(source_name) + ":" + std::to_string(at.line) + ":" +
                          std::to_string(at.column) + ": TOML syntax error: ";
    message +=
        secret ? std::string("(details hidden: the line holds a secret)") : std::string(error.description());
    return make_error({message});
  }

  Config c;
  Explicit x;
  std::filesystem::path base = base_dir;
  if (base.empty()) {
    std::error_code ec;
    base = std::filesystem::current_path(ec);
  }
  Table top(problems, root, "", env, base);
  if (auto t = top.table("telegram")) read_telegram(*t, c, x);
  if (auto t = top.table("paths")) read_paths(*t, c, x);
  if (auto t = top.table("listen")) read_listen(*t, c, x);
  if (auto t = top.table("security")) read_security(*t, c, x);
  if (auto t = top.table("limits")) read_limits(*t, c);
  if (auto t = top.table("updates")) read_updates(*t, c);
  if (auto t = top.table("files")) read_files(*t, c);
  if (auto t = top.table("monitoring")) read_monitoring(*t, c);
  if (auto t = top.table("log")) read_log(*t, c);
  read_sessions(top, c);
  top.check_unknown_keys();

  secret_in_file = x.secret_in_file;
  apply_overrides(overrides, c, x, problems, env);
  if (!problems.list.empty()) return make_error(problems.sorted());
  derive_and_check(c, x, problems, env);
  if (!problems.list.empty()) return make_error(problems.sorted());
  return c;
}

}  // namespace

std::variant<Config, ConfigError> parse_config(std::string_view toml_text, std::string_view source_name,
                                               const Overrides& overrides,
                                               const std::filesystem::path& base_dir,
                                               const Environment& env) {
  bool secret_in_file = false;
  return parse(toml_text, source_name, overrides, base_dir, env, secret_in_file);
}

std::variant<Config, ConfigError> load_config(const std::filesystem::path& file, const Overrides& overrides,
                                              IfMissing if_missing, const Environment& env) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) {
    if (if_missing == IfMissing::Error) return make_error({file.string() + ": no such file"});
    return parse_config("", file.string(), overrides, {}, env);  // defaults and flags
  }
  if (std::filesystem::is_directory(status))
    return make_error({file.string() + ": is a directory, not a file"});
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error({file.string() + ": cannot read: " + std::strerror(errno)});
  std::stringstream content;
  content << in.rdbuf();
  std::error_code abs_ec;
  const std::filesystem::path absolute = std::filesystem::absolute(file, abs_ec);
  bool secret_in_file = false;
  auto result = parse(content.str(), file.string(), overrides, (abs_ec ? file : absolute).parent_path(), env,
                      secret_in_file);
  if (auto* config = std::get_if<Config>(&result)) {
    config->source = abs_ec ? file : absolute.lexically_normal();
    struct stat st {};
    if (secret_in_file && ::stat(file.c_str(), &st) == 0 && (st.st_mode & 0004) != 0)
      config->warnings.push_back(
          file.string() +
          " may hold a secret (api_hash or token) and is readable by every user; chmod o-r it");
  }
  return result;
}

std::variant<Config, ConfigError> load_config(const Overrides& overrides, const Environment& env) {
  if (overrides.config_file) return load_config(*overrides.config_file, overrides, IfMissing::Error, env);
  return load_config(default_config_path(env), overrides, IfMissing::UseDefaults, env);
}

std::string_view to_string(Network network) {
  switch (network) {
    case Network::Production:
      return "production";
    case Network::Test:
      return "test";
    case Network::Custom:
      return "custom";
  }
  return "production";
}

std::string_view to_string(LogFormat format) { return format == LogFormat::Json ? "json" : "text"; }

std::span<const std::string_view> known_keys() {
  static const std::vector<std::string_view> keys = [] {
    static std::vector<std::string> storage;
    for (const SchemaTable& t : kSchema)
      for (std::string_view k : t.keys)
        if (!is_table_path(join_path(t.path, k))) storage.push_back(join_path(t.path, k));
    return std::vector<std::string_view>(storage.begin(), storage.end());
  }();
  return keys;
}

std::string describe(const Config& c) {
  std::string out = "# tgd's effective configuration";
  out += c.source.empty() ? std::string(" (no config file)\n") : " (from " + c.source.string() + ")\n";
  const auto line = [&out](std::string_view key, const std::string& value) {
    out += key;
    out += " = ";
    out += value;
    out += '\n';
  };
  const auto array = [](const std::vector<std::string>& items) {
    std::string s = "[";
    for (std::size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + toml_string(items[i]);
    return s + "]";
  };
  out += "\n[telegram]\n";
  line("network", toml_string(to_string(c.network)));
  if (c.api_id != 0) line("api_id", std::to_string(c.api_id));
  out += c.api_hash.empty() ? "# api_hash: not set\n" : "# api_hash: set (hidden)\n";
  line("device_model", toml_string(c.device_model));
  line("system_version", toml_string(c.system_version));
  line("app_version", toml_string(c.app_version));
  line("system_lang_code", toml_string(c.system_lang_code));
  line("lang_code", toml_string(c.lang_code));
  line("flood_wait_threshold", toml_string(format_duration(c.flood_wait_threshold)));
  line("call_timeout", toml_string(format_duration(c.call_timeout)));
  if (!c.custom_key_file.empty()) line("public_key_file", toml_string(c.custom_key_file.string()));
  for (const DcEndpointConfig& dc : c.custom_dcs) {
    out += "\n[[telegram.dc]]\n";
    line("id", std::to_string(dc.id));
    line("host", toml_string(dc.host));
    line("port", std::to_string(dc.port));
  }
  out += "\n[paths]\n";
  if (!c.state_dir.empty()) line("state_dir", toml_string(c.state_dir.string()));
  line("runtime_dir", toml_string(c.runtime_dir.string()));
  out += "\n[listen.unix]\n";
  line("enabled", c.unix_enabled ? "true" : "false");
  line("path", toml_string(c.unix_socket.string()));
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", c.unix_mode);
  line("mode", toml_string(mode));
  line("group", toml_string(c.unix_group));
  out += "\n[listen.tcp]\n";
  line("enabled", c.tcp_enabled ? "true" : "false");
  line("host", toml_string(c.tcp_host));
  line("port", std::to_string(c.tcp_port));
  out += "\n[security]\n";
  if (c.token.empty()) {
    if (!c.token_file.empty()) line("token_file", toml_string(c.token_file.string()));
  } else {
    out += "# token: set inline (hidden)\n";
  }
  line("allowed_origins", array(c.allowed_origins));
  line("allowed_hosts", array(c.allowed_hosts));
  out += "\n[limits]\n";
  line("max_message_bytes", toml_string(format_size(c.max_message_bytes)));
  line("max_in_flight", std::to_string(c.max_in_flight));
  line("idle_timeout", toml_string(format_duration(c.idle_timeout)));
  line("max_outgoing_bytes", toml_string(format_size(c.max_outgoing_bytes)));
  line("stop_grace", toml_string(format_duration(c.stop_grace)));
  out += "\n[updates]\n";
  line("journal_max_entries", std::to_string(c.journal_max_entries));
  const auto age = c.journal_max_age.count();
  line("journal_max_age", toml_string(age != 0 && age % 86'400 == 0 ? std::to_string(age / 86'400) + "d"
                                                                    : format_duration(c.journal_max_age)));
  line("subscriber_buffer", toml_string(format_size(c.subscriber_buffer)));
  line("lag_timeout", toml_string(format_duration(c.lag_timeout)));
  out += "\n[files]\n";
  line("download_parts_in_flight", std::to_string(c.download_parts_in_flight));
  line("upload_parts_in_flight", std::to_string(c.upload_parts_in_flight));
  out += "\n[monitoring]\n";
  line("stall_threshold", toml_string(format_duration(c.stall_threshold)));
  out += "\n[log]\n";
  line("level", toml_string(c.log_level));
  line("format", toml_string(to_string(c.log_format)));
  line("file", toml_string(c.log_file.string()));
  for (const SessionConfig& s : c.sessions) {
    out += "\n[[session]]\n";
    line("name", toml_string(s.name));
    if (s.network) line("network", toml_string(to_string(*s.network)));
  }
  return out;
}

}  // namespace tgd::config
