#pragma once
// Telegram's short update forms carry a message without its envelope (facts §7.1); subscribers get
// the full updateNewMessage instead, built here from the short form, the session's own user id
// and, for updateShortSentMessage, the params of the call that sent the message.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/updates/json_read.hpp"

namespace tgd::updates {

// updateShortMessage / updateShortChatMessage -> updateNewMessage. peer_id is peerUser(user_id)
// (the other side of the private chat) or peerChat(chat_id); from_id is peerUser(own id) for an
// outgoing private message, peerUser(user_id) for an incoming one, peerUser(from_id) in a chat.
// "" when a required field is missing.
std::string expand_short_message(const element& short_message, std::int64_t self_user_id);

// The answer to messages.sendMessage / messages.sendMedia when it is updateShortSentMessage,
// expanded with the call's params as sent (peer resolved to an InputPeer). nullopt when the
// message cannot be rebuilt: another method, an InputPeer that names no peer, a scheduled send,
// sendMedia without media in the answer.
struct SentMessage {
  std::string json;             // updateNewMessage, or updateNewChannelMessage for a channel peer
  std::int64_t channel_id = 0;  // the channel, for updateNewChannelMessage
};
std::optional<SentMessage> expand_sent_message(const element& sent, std::string_view method,
                                               const element& params, std::int64_t self_user_id);

// InputPeer -> Peer JSON ("" for inputPeerEmpty, unknown constructors, or inputPeerSelf with no
// own id); `channel_id` is set for a channel.
std::string peer_from_input_peer(const element& input_peer, std::int64_t self_user_id,
                                 std::int64_t* channel_id = nullptr);

std::string peer_user_json(std::int64_t user_id);

}  // namespace tgd::updates
