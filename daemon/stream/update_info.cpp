#include "daemon/stream/update_info.hpp"

#include "protocol/tl/json_fields.hpp"

namespace tgd::stream {
namespace {

constexpr std::int64_t kChannelBase = 1'000'000'000'000;

// A Peer object (peerUser / peerChat / peerChannel) as a Bot-API id.
std::optional<std::int64_t> peer_of(const simdjson::dom::element& peer) {
  std::string_view kind;
  if (peer["_"].get(kind) != simdjson::SUCCESS) return std::nullopt;
  if (kind == "peerUser") {
    if (auto id = tl::int64_field(peer, "user_id")) return bot_api_user(*id);
  } else if (kind == "peerChat") {
    if (auto id = tl::int64_field(peer, "chat_id")) return bot_api_chat(*id);
  } else if (kind == "peerChannel") {
    if (auto id = tl::int64_field(peer, "channel_id")) return bot_api_channel(*id);
  }
  return std::nullopt;
}

}  // namespace

std::int64_t bot_api_user(std::int64_t id) { return id; }
std::int64_t bot_api_chat(std::int64_t id) { return -id; }
std::int64_t bot_api_channel(std::int64_t id) { return -(kChannelBase + id); }

std::optional<std::int64_t> channel_of_bot_api(std::int64_t bot_api_id) {
  if (bot_api_id >= -kChannelBase) return std::nullopt;
  return -bot_api_id - kChannelBase;
}

std::optional<std::int64_t> update_peer(const simdjson::dom::element& update) {
  simdjson::dom::element inner;
  if (update["message"].get(inner) == simdjson::SUCCESS && inner.is_object()) {
    simdjson::dom::element peer;
    if (inner["peer_id"].get(peer) == simdjson::SUCCESS) {
      if (auto id = peer_of(peer)) return id;
    }
  }
  for (std::string_view key : {"peer", "peer_id"}) {
    if (update[key].get(inner) == simdjson::SUCCESS && inner.is_object()) {
      if (auto id = peer_of(inner)) return id;
    }
  }
  if (auto id = tl::int64_field(update, "channel_id")) return bot_api_channel(*id);
  if (auto id = tl::int64_field(update, "chat_id")) return bot_api_chat(*id);
  if (auto id = tl::int64_field(update, "user_id")) return bot_api_user(*id);
  return std::nullopt;
}

UpdateInfo read_update_info(simdjson::dom::parser& parser, std::string_view json) {
  UpdateInfo info;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS || !root.is_object()) return info;
  std::string_view type;
  if (root["_"].get(type) == simdjson::SUCCESS) info.type = std::string(type);
  info.peer = update_peer(root);
  // When Telegram made it (a message's date, or the update's own): for the update lag metric.
  std::int64_t date = 0;
  if (root["message"]["date"].get(date) == simdjson::SUCCESS || root["date"].get(date) == simdjson::SUCCESS)
    info.date = date;
  return info;
}

}  // namespace tgd::stream
