#include "daemon/updates/short_forms.hpp"

namespace tgd::updates {
namespace {

void peer_json(std::string& out, std::string_view constructor, std::string_view key, std::int64_t id) {
  out += "{\"_\":\"";
  out += constructor;
  out += "\",";
  append_key(out, key);
  append_int64(out, id);
  out += '}';
}

void copy_flag(std::string& out, const element& src, std::string_view key) {
  if (!true_field(src, key)) return;
  out += ',';
  append_key(out, key);
  out += "true";
}

// Copies `key` from `src` when present; returns whether it was.
bool copy_field(std::string& out, const element& src, std::string_view key) {
  const auto value = field(src, key);
  if (!value) return false;
  out += ',';
  append_key(out, key);
  append_json(out, *value);
  return true;
}

void put_peer(std::string& out, std::string_view key, std::string_view peer) {
  out += ',';
  append_key(out, key);
  out += peer;
}

// InputReplyTo (as sent) -> MessageReplyHeader (as the server would store it); "" when it has no
// equivalent (inputReplyToMonoForum).
std::string reply_header(const element& input, std::int64_t self_user_id) {
  const std::string_view name = name_of(input);
  std::string out;
  if (name == "inputReplyToMessage") {
    const auto msg_id = int32_field(input, "reply_to_msg_id");
    if (!msg_id) return {};
    out = "{\"_\":\"messageReplyHeader\"";
    if (field(input, "quote_text")) out += ",\"quote\":true";
    out += ",\"reply_to_msg_id\":";
    append_int(out, *msg_id);
    if (const auto peer = field(input, "reply_to_peer_id")) {
      const std::string p = peer_from_input_peer(*peer, self_user_id);
      if (!p.empty()) put_peer(out, "reply_to_peer_id", p);
    }
    if (const auto top = int32_field(input, "top_msg_id")) {
      out += ",\"reply_to_top_id\":";
      append_int(out, *top);
    }
    for (std::string_view key : {"quote_text", "quote_entities", "quote_offset", "todo_item_id"}) {
      copy_field(out, input, key);
    }
    out += '}';
  } else if (name == "inputReplyToStory") {
    const auto peer = field(input, "peer");
    const auto story_id = int32_field(input, "story_id");
    if (!peer || !story_id) return {};
    const std::string p = peer_from_input_peer(*peer, self_user_id);
    if (p.empty()) return {};
    out = "{\"_\":\"messageReplyStoryHeader\"";
    put_peer(out, "peer", p);
    out += ",\"story_id\":";
    append_int(out, *story_id);
    out += '}';
  }
  return out;
}

}  // namespace

std::string peer_user_json(std::int64_t user_id) {
  std::string out;
  peer_json(out, "peerUser", "user_id", user_id);
  return out;
}

std::string peer_from_input_peer(const element& input_peer, std::int64_t self_user_id,
                                 std::int64_t* channel_id) {
  const std::string_view name = name_of(input_peer);
  std::string out;
  if (name == "inputPeerSelf") {
    if (self_user_id != 0) peer_json(out, "peerUser", "user_id", self_user_id);
  } else if (name == "inputPeerUser" || name == "inputPeerUserFromMessage") {
    if (const auto id = int64_field(input_peer, "user_id")) peer_json(out, "peerUser", "user_id", *id);
  } else if (name == "inputPeerChat") {
    if (const auto id = int64_field(input_peer, "chat_id")) peer_json(out, "peerChat", "chat_id", *id);
  } else if (name == "inputPeerChannel" || name == "inputPeerChannelFromMessage") {
    if (const auto id = int64_field(input_peer, "channel_id")) {
      peer_json(out, "peerChannel", "channel_id", *id);
      if (channel_id != nullptr) *channel_id = *id;
    }
  }
  return out;
}

std::string expand_short_message(const element& src, std::int64_t self_user_id) {
  const bool chat = name_of(src) == "updateShortChatMessage";
  const auto id = int32_field(src, "id");
  const auto pts = int32_field(src, "pts");
  const auto pts_count = int32_field(src, "pts_count");
  const auto date = int32_field(src, "date");
  const auto user_id = int64_field(src, chat ? "from_id" : "user_id");
  const auto chat_id = chat ? int64_field(src, "chat_id") : std::optional<std::int64_t>(0);
  if (!id || !pts || !pts_count || !date || !user_id || !chat_id || !field(src, "message")) return {};
  const bool out_flag = true_field(src, "out");

  std::string out;
  out.reserve(256);
  out += R"({"_":"updateNewMessage","message":{"_":"message")";
  for (std::string_view key : {"out", "mentioned", "media_unread", "silent"}) copy_flag(out, src, key);
  out += ",\"id\":";
  append_int(out, *id);
  const std::int64_t from = !chat && out_flag ? self_user_id : *user_id;
  if (from != 0) {
    out += ",\"from_id\":";
    peer_json(out, "peerUser", "user_id", from);
  }
  out += ",\"peer_id\":";
  if (chat) {
    peer_json(out, "peerChat", "chat_id", *chat_id);
  } else {
    peer_json(out, "peerUser", "user_id", *user_id);
  }
  for (std::string_view key :
       {"fwd_from", "via_bot_id", "reply_to", "date", "message", "entities", "ttl_period"}) {
    copy_field(out, src, key);
  }
  out += "},\"pts\":";
  append_int(out, *pts);
  out += ",\"pts_count\":";
  append_int(out, *pts_count);
  out += '}';
  return out;
}

std::optional<SentMessage> expand_sent_message(const element& sent, std::string_view method,
                                               const element& params, std::int64_t self_user_id) {
  const bool media_call = method == "messages.sendMedia";
  if (!media_call && method != "messages.sendMessage") return std::nullopt;
  const auto id = int32_field(sent, "id");
  const auto pts = int32_field(sent, "pts");
  const auto pts_count = int32_field(sent, "pts_count");
  const auto date = int32_field(sent, "date");
  const auto input_peer = field(params, "peer");
  const auto text = field(params, "message");
  if (!id || !pts || !pts_count || !date || !input_peer || !text) return std::nullopt;
  // A scheduled message is not a new message of the chat (it arrives later as one).
  if (field(params, "schedule_date")) return std::nullopt;
  if (media_call && !field(sent, "media")) return std::nullopt;
  SentMessage result;
  const std::string peer = peer_from_input_peer(*input_peer, self_user_id, &result.channel_id);
  if (peer.empty()) return std::nullopt;
  std::string from;
  if (const auto send_as = field(params, "send_as")) {
    from = peer_from_input_peer(*send_as, self_user_id);
  } else if (self_user_id != 0) {
    from = peer_user_json(self_user_id);
  }

  std::string& out = result.json;
  out.reserve(256);
  out += result.channel_id != 0 ? R"({"_":"updateNewChannelMessage")" : R"({"_":"updateNewMessage")";
  out += R"(,"message":{"_":"message","out":true)";
  for (std::string_view key : {"silent", "noforwards", "invert_media"}) copy_flag(out, params, key);
  out += ",\"id\":";
  append_int(out, *id);
  if (!from.empty()) put_peer(out, "from_id", from);
  put_peer(out, "peer_id", peer);
  if (const auto reply_to = field(params, "reply_to")) {
    const std::string header = reply_header(*reply_to, self_user_id);
    if (!header.empty()) put_peer(out, "reply_to", header);
  }
  out += ",\"date\":";
  append_int(out, *date);
  out += ",\"message\":";
  append_json(out, *text);
  copy_field(out, sent, "media");
  copy_field(out, params, "reply_markup");
  // The server's entities when it sent some (it parses and may change them), else those sent.
  if (!copy_field(out, sent, "entities")) copy_field(out, params, "entities");
  copy_field(out, sent, "ttl_period");
  copy_field(out, params, "effect");
  out += "},\"pts\":";
  append_int(out, *pts);
  out += ",\"pts_count\":";
  append_int(out, *pts_count);
  out += '}';
  return result;
}

}  // namespace tgd::updates
