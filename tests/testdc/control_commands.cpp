#include "tests/testdc/control_commands.hpp"

#include <simdjson.h>

#include <charconv>
#include <climits>
#include <cstdint>
#include <stdexcept>

#include "protocol/tl/json_out.hpp"
#include "tests/testdc/api/actions.hpp"
#include "tests/testdc/api/call.hpp"
#include "tests/testdc/test_dc.hpp"

namespace tgd::testdc {
namespace {

using simdjson::dom::element;

struct CommandError {
  std::string message;
};

std::string fail(std::string_view message) {
  return R"({"ok":false,"error":)" + tl::json_quoted(message) + "}";
}

std::int64_t get_int(element e, std::string_view key, std::int64_t fallback) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS) return fallback;
  std::int64_t i = 0;
  if (v.get(i) == simdjson::SUCCESS) return i;
  double d = 0;
  if (v.get(d) == simdjson::SUCCESS) return static_cast<std::int64_t>(d);
  throw CommandError{"\"" + std::string(key) + "\" must be a number"};
}

double get_double(element e, std::string_view key, double fallback) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS) return fallback;
  double d = 0;
  if (v.get(d) == simdjson::SUCCESS) return d;
  std::int64_t i = 0;
  if (v.get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  throw CommandError{"\"" + std::string(key) + "\" must be a number"};
}

std::string get_string(element e, std::string_view key, std::string_view fallback) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS) return std::string(fallback);
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS) throw CommandError{"\"" + std::string(key) + "\" must be a string"};
  return std::string(s);
}

bool get_bool(element e, std::string_view key, bool fallback) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS) return fallback;
  bool b = false;
  if (v.get(b) != simdjson::SUCCESS) throw CommandError{"\"" + std::string(key) + "\" must be true or false"};
  return b;
}

bool has(element e, std::string_view key) {
  element v;
  return e[key].get(v) == simdjson::SUCCESS;
}

// An account by phone number, bot token or user id (see the header); phone numbers and bot tokens
// that are new create the account.
Account& account(World& w, element e, std::string_view key) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS) throw CommandError{"\"" + std::string(key) + "\" is required"};
  std::string text;
  if (std::int64_t id = 0; v.get(id) == simdjson::SUCCESS) {
    text = std::to_string(id);
  } else if (std::string_view s; v.get(s) == simdjson::SUCCESS) {
    text = std::string(s);
  } else {
    throw CommandError{"\"" + std::string(key) + "\" must be a phone number, bot token or user id"};
  }
  if (text.find(':') != std::string::npos) {
    const auto token = parse_bot_token(text);
    if (!token) throw CommandError{"not a bot token: " + text};
    if (Account* a = w.find_account(token->bot_id)) return *a;
    return w.create_bot(text, 1);
  }
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c != '+' && c != ' ' && c != '-') {
      throw CommandError{"not a phone number, bot token or user id: " + text};
    }
  }
  if (test_phone_dc(digits, w.dc_count())) {
    if (Account* a = w.find_by_phone(digits)) return *a;
    return w.create_user(digits, "User " + digits.substr(5));
  }
  std::int64_t id = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (Account* a = w.find_account(id)) return *a;
  throw CommandError{"no account " + text};
}

// The optional "entities" of send_message: MessageEntity objects in tgd's JSON form, within the
// text's UTF-16 length, checked against the schema before anything is stored.
std::string entities_of(World& w, element cmd, std::string_view text) {
  element v;
  if (cmd["entities"].get(v) != simdjson::SUCCESS) return {};
  simdjson::dom::array list;
  if (v.get(list) != simdjson::SUCCESS) throw CommandError{"\"entities\" must be an array"};
  if (list.size() == 0) return {};
  const auto units = static_cast<std::int64_t>(api::utf16_length(text));
  for (element e : list) {
    std::int64_t offset = -1, length = -1;
    if (!e.is_object() || e["offset"].get(offset) != simdjson::SUCCESS ||
        e["length"].get(length) != simdjson::SUCCESS || offset < 0 || length < 0 || offset + length > units) {
      throw CommandError{"each entity needs offset and length within the text (UTF-16 code units)"};
    }
  }
  std::string json = simdjson::minify(v);
  try {
    w.encode_updates(R"({"_":"updateShortMessage","id":1,"user_id":"1","message":"","pts":1,"pts_count":1,)"
                     R"("date":1,"entities":)" +
                     json + "}");
  } catch (const std::logic_error&) {
    throw CommandError{"\"entities\" are not MessageEntity objects in tgd's JSON form"};
  }
  return json;
}

std::string send_message(World& w, element cmd) {
  Account& from = account(w, cmd, "from");
  Account& to = account(w, cmd, "to");
  const std::string texts[] = {get_string(cmd, "text", "hi")};
  if (texts[0].empty()) throw CommandError{"\"text\" is empty"};
  const std::string entities = entities_of(w, cmd, texts[0]);
  const api::SentText sent = api::send_private(w, from, to, texts, false, std::nullopt, entities);
  return R"({"ok":true,"from":)" + std::to_string(from.id) + R"(,"to":)" + std::to_string(to.id) +
         R"(,"id":)" + std::to_string(sent.id) + R"(,"pts":)" + std::to_string(sent.pts) +
         R"(,"recipient_id":)" + std::to_string(to.last_message_id) + R"(,"recipient_pts":)" +
         std::to_string(to.pts) + "}";
}

std::string faults_json(const PushFaults& f) {
  return R"({"drop":)" + std::to_string(f.drop) + R"(,"duplicate":)" + std::to_string(f.duplicate) +
         R"(,"reorder":)" + std::to_string(f.reorder) + R"(,"delay_count":)" + std::to_string(f.delay_count) +
         R"(,"delay_ms":)" + std::to_string(f.delay.count()) + "}";
}

std::string fault(World& w, element cmd) {
  if (has(cmd, "clear") && !has(cmd, "account")) {
    w.pushes().clear_faults();
    return R"({"ok":true})";
  }
  Account& a = account(w, cmd, "account");
  PushFaults& f = w.pushes().faults(a.id);
  if (has(cmd, "clear")) {
    f = PushFaults{};
    w.pushes().release_held(a.id);
  }
  const auto count = [&](std::string_view key, std::uint32_t current) {
    const std::int64_t v = get_int(cmd, key, current);
    if (v < 0) throw CommandError{"\"" + std::string(key) + "\" must not be negative"};
    return static_cast<std::uint32_t>(v);
  };
  f.drop = count("drop", f.drop);
  f.duplicate = count("duplicate", f.duplicate);
  f.reorder = count("reorder", f.reorder);
  if (has(cmd, "delay_ms")) {
    f.delay = std::chrono::milliseconds(get_int(cmd, "delay_ms", 0));
    f.delay_count = count("delay_count", 1);
  }
  if (has(cmd, "release")) w.pushes().release_held(a.id);
  if (has(cmd, "too_long")) w.pushes().too_long(a.id);
  return R"({"ok":true,"account":)" + std::to_string(a.id) + R"(,"faults":)" + faults_json(f) + "}";
}

// World::inject_error over the socket: the next `count` calls of `method` ("" or absent: any) on DC
// `dc` (0: any) fail with the rpc_error instead of running. With "drop_connection":
// World::inject_drop instead: every `after`-th call, `count` times, runs and loses its connection
// before its answer.
std::string rpc_fault(World& w, element cmd) {
  const bool clear = has(cmd, "clear");
  const bool drop = get_bool(cmd, "drop_connection", false);
  if (clear) w.clear_injected_errors();
  if (!has(cmd, "error") && !drop) {
    if (clear) return R"({"ok":true})";
    throw CommandError{
        "\"error\" (an rpc_error message, e.g. FLOOD_WAIT_1) or \"drop_connection\" is required"};
  }
  const std::string method = get_string(cmd, "method", "");
  const std::int64_t count = get_int(cmd, "count", 1);
  if (count < 1 || count > INT32_MAX) throw CommandError{"\"count\" must be at least 1"};
  const std::int64_t dc = get_int(cmd, "dc", 0);
  if (dc < 0 || dc > w.dc_count()) throw CommandError{"\"dc\" must be 0..number of DCs"};
  std::string out = R"({"ok":true,"method":)" + tl::json_quoted(method);
  if (drop) {
    if (has(cmd, "error")) throw CommandError{"\"error\" and \"drop_connection\" are separate faults"};
    const std::int64_t after = get_int(cmd, "after", 1);
    if (after < 1 || after > INT32_MAX) throw CommandError{"\"after\" must be at least 1"};
    w.inject_drop(method, static_cast<int>(after), static_cast<int>(count), static_cast<int>(dc));
    out += R"(,"drop_connection":true,"after":)" + std::to_string(after);
  } else {
    const std::string message = get_string(cmd, "error", "");
    if (message.empty()) throw CommandError{"\"error\" is empty"};
    const std::int64_t code = get_int(cmd, "code", 400);
    if (code < INT32_MIN || code > INT32_MAX) throw CommandError{"\"code\" must be a 32-bit number"};
    w.inject_error(method, ApiError{static_cast<std::int32_t>(code), message}, static_cast<int>(count),
                   static_cast<int>(dc));
    out += R"(,"code":)" + std::to_string(code) + R"(,"error":)" + tl::json_quoted(message);
  }
  return out + R"(,"count":)" + std::to_string(count) + R"(,"dc":)" + std::to_string(dc) + "}";
}

std::string state(World& w, element cmd) {
  Account& a = account(w, cmd, "account");
  return R"({"ok":true,"id":)" + std::to_string(a.id) + R"(,"pts":)" + std::to_string(a.pts) + R"(,"qts":)" +
         std::to_string(a.qts) + R"(,"seq":)" + std::to_string(a.seq) + R"(,"date":)" +
         std::to_string(a.date) + R"(,"sessions":)" + std::to_string(w.pushes().sessions(a.id).size()) + "}";
}

std::string send_document(TestDc& dc, element cmd) {
  World& w = dc.world();
  Account& from = account(w, cmd, "from");
  Account& to = account(w, cmd, "to");
  const std::string path = get_string(cmd, "path", "");
  if (path.empty()) throw CommandError{"\"path\" is required"};
  const SentDocument sent = dc.send_document(from.id, to.id, path, get_string(cmd, "name", ""),
                                             get_string(cmd, "mime", ""), get_string(cmd, "caption", ""));
  return R"({"ok":true,"from":)" + std::to_string(from.id) + R"(,"to":)" + std::to_string(to.id) +
         R"(,"id":)" + std::to_string(sent.id) + R"(,"recipient_id":)" + std::to_string(sent.recipient_id) +
         R"(,"document_id":)" + std::to_string(sent.document_id) + R"(,"size":)" + std::to_string(sent.size) +
         R"(,"dc":)" + std::to_string(sent.dc) + "}";
}

std::string file_faults_json(const FileFaults& f) {
  return R"({"drop_after_parts":)" + std::to_string(f.drop_after_parts) + R"(,"drop_after_saves":)" +
         std::to_string(f.drop_after_saves) + R"(,"part_delay_ms":)" + std::to_string(f.part_delay.count()) +
         "}";
}

std::string file_fault(World& w, element cmd) {
  FileFaults& f = w.files().faults();
  if (has(cmd, "clear")) f = FileFaults{};
  const std::int64_t drop = get_int(cmd, "drop_after_parts", f.drop_after_parts);
  const std::int64_t drop_saves = get_int(cmd, "drop_after_saves", f.drop_after_saves);
  const std::int64_t delay = get_int(cmd, "part_delay_ms", f.part_delay.count());
  if (drop < 0 || drop_saves < 0 || delay < 0) throw CommandError{"file faults must not be negative"};
  f.drop_after_parts = static_cast<std::uint32_t>(drop);
  f.drop_after_saves = static_cast<std::uint32_t>(drop_saves);
  f.part_delay = std::chrono::milliseconds(delay);
  return R"({"ok":true,"file_faults":)" + file_faults_json(f) + "}";
}

std::string file_options(World& w, element cmd) {
  FileOptions o = w.files().options();
  const std::int64_t dc = get_int(cmd, "files_dc", o.files_dc);
  if (dc < 0 || dc > w.dc_count()) throw CommandError{"\"files_dc\" must be 0..number of DCs"};
  const std::int64_t ttl = get_int(cmd, "reference_ttl_seconds", o.reference_ttl.count());
  if (ttl < 1) throw CommandError{"\"reference_ttl_seconds\" must be at least 1"};
  o.files_dc = static_cast<int>(dc);
  o.reference_ttl = std::chrono::seconds(ttl);
  w.files().set_options(o);
  return R"({"ok":true,"files_dc":)" + std::to_string(w.files().files_dc()) + R"(,"reference_ttl_seconds":)" +
         std::to_string(ttl) + "}";
}

std::string stats(TestDc& dc) {
  const PushStats& s = dc.world().pushes().stats();
  const FileStats& f = dc.world().files().stats();
  return R"({"ok":true,"pushes":)" + std::to_string(s.pushes) + R"(,"updates":)" + std::to_string(s.updates) +
         R"(,"dropped":)" + std::to_string(s.dropped) + R"(,"duplicated":)" + std::to_string(s.duplicated) +
         R"(,"reordered":)" + std::to_string(s.reordered) + R"(,"delayed":)" + std::to_string(s.delayed) +
         R"(,"too_long":)" + std::to_string(s.too_long) + R"(,"unsubscribed":)" +
         std::to_string(s.unsubscribed) + R"(,"accounts":)" + std::to_string(dc.world().accounts().size()) +
         R"(,"connections":)" + std::to_string(dc.connection_count()) + R"(,"queued_packets":)" +
         std::to_string(dc.queued_packets()) + R"(,"files":{"parts_saved":)" + std::to_string(f.parts_saved) +
         R"(,"bytes_saved":)" + std::to_string(f.bytes_saved) + R"(,"parts_served":)" +
         std::to_string(f.parts_served) + R"(,"bytes_served":)" + std::to_string(f.bytes_served) +
         R"(,"dropped_connections":)" + std::to_string(f.dropped_connections) + "}}";
}

}  // namespace

ControlCommands::ControlCommands(TestDc& dc) : dc_(dc), parser_(std::make_unique<simdjson::dom::parser>()) {}
ControlCommands::~ControlCommands() = default;

void ControlCommands::execute(std::string_view line, std::function<void(std::string)> reply) {
  element cmd;
  if (parser_->parse(line.data(), line.size()).get(cmd) != simdjson::SUCCESS || !cmd.is_object()) {
    return reply(fail("not a JSON object"));
  }
  World& w = dc_.world();
  try {
    const std::string op = get_string(cmd, "op", "");
    if (op == "send_message") return reply(send_message(w, cmd));
    if (op == "fault") return reply(fault(w, cmd));
    if (op == "rpc_fault") return reply(rpc_fault(w, cmd));
    if (op == "state") return reply(state(w, cmd));
    if (op == "set_password") {
      // World::set_password: real SRP from now on (~50 ms of PBKDF2); "" removes the password.
      Account& a = account(w, cmd, "account");
      w.set_password(a.id, get_string(cmd, "password", ""), get_string(cmd, "hint", ""));
      return reply(R"({"ok":true,"id":)" + std::to_string(a.id) + "}");
    }
    if (op == "stats") return reply(stats(dc_));
    if (op == "send_document") return reply(send_document(dc_, cmd));
    if (op == "expire_file_references") {
      w.expire_file_references();
      return reply(R"({"ok":true,"generation":)" + std::to_string(w.files().references().generation()) + "}");
    }
    if (op == "file_fault") return reply(file_fault(w, cmd));
    if (op == "file_options") return reply(file_options(w, cmd));
    if (op == "flood") {
      Flood f;
      f.from = account(w, cmd, "from").id;
      f.to = account(w, cmd, "to").id;
      const std::int64_t count = get_int(cmd, "count", 0);
      if (count < 0) throw CommandError{"\"count\" must not be negative"};
      f.count = static_cast<std::uint64_t>(count);
      f.rate = get_double(cmd, "rate", 0);
      f.batch = static_cast<int>(get_int(cmd, "batch", 1));
      if (f.batch < 1 || f.batch > 1000) throw CommandError{"\"batch\" must be 1..1000"};
      f.text = get_string(cmd, "text", "flood");
      f.stamp = get_bool(cmd, "stamp", false);
      dc_.flood(std::move(f), [reply](const FloodResult& r) {
        const double seconds = std::chrono::duration<double>(r.elapsed).count();
        reply(R"({"ok":true,"sent":)" + std::to_string(r.sent) + R"(,"seconds":)" + std::to_string(seconds) +
              R"(,"per_second":)" +
              std::to_string(seconds > 0 ? static_cast<double>(r.sent) / seconds : 0.0) + "}");
      });
      return;
    }
    return reply(fail(op.empty() ? "\"op\" is required" : "unknown op: " + op));
  } catch (const CommandError& e) {
    return reply(fail(e.message));
  } catch (const std::exception& e) {
    return reply(fail(e.what()));
  }
}

}  // namespace tgd::testdc
