#include "daemon/session/peer_extract.hpp"

#include "protocol/tl/json_fields.hpp"

#include <simdjson.h>

#include <optional>

namespace tgd::session {
namespace {

using simdjson::dom::element;

bool flag(const element& object, std::string_view key) {
  bool value = false;
  return object[key].get(value) == simdjson::SUCCESS && value;
}

std::string_view string_field(const element& object, std::string_view key) {
  std::string_view value;
  return object[key].get(value) == simdjson::SUCCESS ? value : std::string_view{};
}

void visit(const element& e, std::vector<store::PeerRow>& out, int depth) {
  if (depth > 64) return;
  simdjson::dom::array array;
  if (e.get(array) == simdjson::SUCCESS) {
    for (element item : array) visit(item, out, depth + 1);
    return;
  }
  simdjson::dom::object object;
  if (e.get(object) != simdjson::SUCCESS) return;
  const std::string_view name = string_field(e, "_");
  store::PeerRow row;
  bool peer = true;
  if (name == "user") {
    row.kind = store::PeerKind::User;
  } else if (name == "chat" || name == "chatForbidden") {
    row.kind = store::PeerKind::Chat;
  } else if (name == "channel" || name == "channelForbidden") {
    row.kind = store::PeerKind::Channel;
  } else {
    peer = false;
  }
  if (peer) {
    row.id = tl::int64_field(e, "id").value_or(0);
    row.access_hash = tl::int64_field(e, "access_hash").value_or(0);
    row.min = flag(e, "min");
    row.username = std::string(string_field(e, "username"));
    if (row.id != 0) out.push_back(std::move(row));
    return;  // a peer holds no other peers worth caching
  }
  for (auto [key, value] : object) visit(value, out, depth + 1);
}

// Whether `json` may hold a peer object: its "_" is one of the names visit() takes, and a JSON string
// equal to one of them is written either literally or with a \u escape. Most answers hold none
// (help.getNearestDc, updates.state, ...), and parsing is skipped for them.
bool may_hold_peers(std::string_view json) {
  for (std::string_view needle : {"\"user\"", "\"chat", "\"channel", "\\u"}) {
    if (json.find(needle) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

void extract_peers(std::string_view json, std::vector<store::PeerRow>& out) {
  if (!may_hold_peers(json)) return;
  // One parser per thread, reused: a fresh one allocates its buffers on every call. A large answer
  // (a long history) gets its own, so the reused one never keeps megabytes.
  constexpr std::size_t kReusedCapacity = 1 << 20;
  thread_local simdjson::dom::parser reused(kReusedCapacity);
  std::optional<simdjson::dom::parser> own;
  simdjson::dom::parser& parser = json.size() <= kReusedCapacity ? reused : own.emplace();
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return;
  visit(root, out, 0);
}

}  // namespace tgd::session
