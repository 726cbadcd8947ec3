#include "daemon/updates/update_parse.hpp"

#include "daemon/updates/short_forms.hpp"

namespace tgd::updates {
namespace {

std::int64_t channel_of_message(const element& update) {
  const auto message = field(update, "message");
  if (!message) return 0;
  const auto peer = field(*message, "peer_id");
  if (!peer || name_of(*peer) != "peerChannel") return 0;
  return int64_field(*peer, "channel_id").value_or(0);
}

// The channel named by a call's params: an InputChannel "channel", or an InputPeer "peer" that is a
// channel; 0 for none.
std::int64_t channel_of_params(const element* params) {
  if (params == nullptr) return 0;
  if (const auto channel = field(*params, "channel")) return int64_field(*channel, "channel_id").value_or(0);
  if (const auto peer = field(*params, "peer")) {
    std::int64_t id = 0;
    peer_from_input_peer(*peer, 0, &id);
    return id;
  }
  return 0;
}

// An item for a short form that could not be expanded: it still occupies its pts range, which a
// getDifference fetches in full.
Item incomplete(const element& src) {
  Item item;
  item.kind = ItemKind::Incomplete;
  item.box = BoxKind::Common;
  item.pts = int32_field(src, "pts").value_or(0);
  item.count = int32_field(src, "pts_count").value_or(0);
  return item;
}

}  // namespace

Item classify_update(const element& update, std::shared_ptr<const Peers> peers) {
  Item item;
  item.peers = std::move(peers);
  item.json = to_json(update);
  const std::string_view name = name_of(update);
  if (name == "updateChannelTooLong") {
    item.kind = ItemKind::ChannelTooLong;
    item.box = BoxKind::Channel;
    item.channel_id = int64_field(update, "channel_id").value_or(0);
    item.pts = int32_field(update, "pts").value_or(0);
    if (item.channel_id == 0) item.kind = ItemKind::Update, item.box = BoxKind::None;
    return item;
  }
  // qts 0 is sent in some updates interleaved with real ones (grammers): it orders nothing.
  if (const auto qts = int32_field(update, "qts"); qts && *qts != 0) {
    item.box = BoxKind::Qts;
    item.pts = *qts;
    item.count = 1;
    return item;
  }
  const auto pts = int32_field(update, "pts");
  if (!pts || *pts == 0) return item;
  item.pts = *pts;
  // updateReadChannelInbox has a pts but no pts_count: it moves nothing forward.
  item.count = int32_field(update, "pts_count").value_or(0);
  std::int64_t channel = int64_field(update, "channel_id").value_or(0);
  const bool channel_update = channel != 0 || name.find("Channel") != std::string_view::npos;
  if (channel_update && channel == 0) channel = channel_of_message(update);
  if (!channel_update) {
    item.box = BoxKind::Common;
  } else if (channel != 0) {
    item.box = BoxKind::Channel;
    item.channel_id = channel;
  }
  return item;
}

std::shared_ptr<const Peers> peers_of(const element& object) {
  auto peers = std::make_shared<Peers>();
  if (const auto users = field(object, "users")) append_array_items(peers->users, *users);
  if (const auto chats = field(object, "chats")) append_array_items(peers->chats, *chats);
  if (peers->users.empty() && peers->chats.empty()) return nullptr;
  return peers;
}

std::optional<Container> parse_updates(const element& root, std::int64_t self_user_id,
                                       const SentCall& sent_call) {
  const std::string_view name = name_of(root);
  Container c;
  c.date = int32_field(root, "date").value_or(0);
  if (name == "updates" || name == "updatesCombined") {
    const auto peers = peers_of(root);
    simdjson::dom::array updates;
    if (root["updates"].get(updates) != simdjson::SUCCESS) return std::nullopt;
    c.items.reserve(updates.size());
    for (element update : updates) c.items.push_back(classify_update(update, peers));
    c.seq = int32_field(root, "seq").value_or(0);
    c.seq_start = name == "updates" ? c.seq : int32_field(root, "seq_start").value_or(0);
    if (c.seq == 0) c.seq_start = 0;
  } else if (name == "updateShort") {
    const auto update = field(root, "update");
    if (!update) return std::nullopt;
    c.items.push_back(classify_update(*update, nullptr));
  } else if (name == "updateShortMessage" || name == "updateShortChatMessage") {
    std::string json = expand_short_message(root, self_user_id);
    if (json.empty()) {
      c.items.push_back(incomplete(root));
    } else {
      Item& item = c.items.emplace_back();
      item.json = std::move(json);
      item.box = BoxKind::Common;
      item.pts = int32_field(root, "pts").value_or(0);
      item.count = int32_field(root, "pts_count").value_or(0);
    }
  } else if (name == "updateShortSentMessage") {
    std::optional<SentMessage> sent;
    if (sent_call.params != nullptr)
      sent = expand_sent_message(root, sent_call.method, *sent_call.params, self_user_id);
    if (!sent) {
      c.items.push_back(incomplete(root));
    } else {
      Item& item = c.items.emplace_back();
      item.json = std::move(sent->json);
      item.box = sent->channel_id != 0 ? BoxKind::Channel : BoxKind::Common;
      item.channel_id = sent->channel_id;
      item.pts = int32_field(root, "pts").value_or(0);
      item.count = int32_field(root, "pts_count").value_or(0);
    }
  } else if (name == "updatesTooLong") {
    c.too_long = true;
  } else {
    return std::nullopt;
  }
  return c;
}

std::optional<Container> parse_affected(const element& root, const element* params) {
  const std::string_view name = name_of(root);
  if (name != "messages.affectedMessages" && name != "messages.affectedHistory" &&
      name != "messages.affectedFoundMessages") {
    return std::nullopt;
  }
  const auto pts = int32_field(root, "pts");
  const auto count = int32_field(root, "pts_count");
  if (!pts || !count) return std::nullopt;
  Container c;
  Item& item = c.items.emplace_back();
  item.pts = *pts;
  item.count = *count;
  item.channel_id = channel_of_params(params);
  item.box = item.channel_id != 0 ? BoxKind::Channel : BoxKind::Common;
  return c;
}

}  // namespace tgd::updates
