// Full info of chats: channels.getFullChannel (members, or anyone for a public channel) and
// messages.getFullChat. users.getFullUser is in users.cpp. The test DC has no basic groups, so
// getFullChat always answers CHAT_ID_INVALID, as Telegram does for a chat id it does not know.
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

Reply get_full_channel(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto channel = resolve_input_channel(c, c.params["channel"].value());
  if (auto* e = std::get_if<ApiError>(&channel)) return *e;
  const Channel& ch = *std::get<Channel*>(channel);
  const bool member = ch.members.count(c.self->id) != 0;
  if (!member && ch.username.empty()) return error(400, "CHANNEL_PRIVATE");
  // Read state is not kept (README): every post by someone else counts as unread, as getDialogs says.
  int unread = 0;
  for (const Message& m : ch.messages) unread += member && m.author != c.self->id;
  std::string full = R"({"_":"channelFull")";
  if (ch.creator == c.self->id || ch.megagroup) full += R"(,"can_view_participants":true)";
  full += R"(,"id":)" + long_str(ch.id) + R"(,"about":)" + jstr(ch.about) + R"(,"participants_count":)" +
          std::to_string(ch.members.size()) +
          R"(,"read_inbox_max_id":0,"read_outbox_max_id":0,"unread_count":)" + std::to_string(unread) +
          R"(,"chat_photo":{"_":"photoEmpty","id":"0"},"notify_settings":{"_":"peerNotifySettings"})"
          R"(,"bot_info":[],"pts":)" +
          std::to_string(ch.pts) + "}";
  return R"({"_":"messages.chatFull","full_chat":)" + full + R"(,"chats":[)" +
         channel_json(c.world, c.self->id, ch) + R"(],"users":[]})";
}

Reply get_full_chat(Call& c) {
  if (auto e = c.require_account()) return *e;
  return error(400, "CHAT_ID_INVALID");
}

}  // namespace

void register_full_info(Handlers& h) {
  h["channels.getFullChannel"] = get_full_channel;
  h["messages.getFullChat"] = get_full_chat;
}

}  // namespace tgd::testdc::api
