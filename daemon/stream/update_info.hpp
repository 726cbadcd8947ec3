#pragma once
// What subscription filters look at in an update (tgd's JSON form): its constructor name and the
// chat it concerns, read once per update when it is published, not once per subscriber.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tgd::stream {

struct UpdateInfo {
  std::string type;                  // "updateNewMessage", "tgd.updatesGap", ...; empty if unreadable
  std::optional<std::int64_t> peer;  // the chat as a Bot-API id; nullopt when the update names none
  std::int64_t date = 0;             // unix seconds: message.date, else date; 0 when the update has neither
};

// Bot-API ids (as getInfo's bot_api_id): users as they are, basic chats -id, channels -(10^12 + id).
std::int64_t bot_api_user(std::int64_t id);
std::int64_t bot_api_chat(std::int64_t id);
std::int64_t bot_api_channel(std::int64_t id);
// The channel id of a Bot-API id, when it names a channel.
std::optional<std::int64_t> channel_of_bot_api(std::int64_t bot_api_id);

// The chat of an update: message.peer_id, else peer (a Peer), else peer_id, else channel_id, chat_id,
// user_id (in that order: updateNewChannelMessage names its channel in message.peer_id,
// updateReadHistoryInbox in peer, updateDeleteChannelMessages in channel_id, updateUserTyping in
// user_id). A tgd.updatesGap marker of a channel box has channel_id.
std::optional<std::int64_t> update_peer(const simdjson::dom::element& update);

// Parses `json` with `parser` (reused: no allocation per update once warm).
UpdateInfo read_update_info(simdjson::dom::parser& parser, std::string_view json);

}  // namespace tgd::stream
