// channels.*: creating channels and supergroups, fetching them by InputChannel.
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

std::string channel_updates_json(World& w, std::int64_t viewer, const Channel& ch,
                                 const std::string& first_update, const Message& m) {
  std::set<std::int64_t> users{viewer};
  if (m.from_id) users.insert(m.from_id);
  return R"({"_":"updates","updates":[)" + first_update + R"({"_":"updateNewChannelMessage","message":)" +
         message_json(m, viewer) + R"(,"pts":)" + std::to_string(ch.pts) + R"(,"pts_count":1}],"users":)" +
         users_json(w, viewer, users) + R"(,"chats":[)" + channel_json(w, viewer, ch) + R"(],"date":)" +
         std::to_string(m.date) + R"(,"seq":0})";
}

namespace {

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xc0) != 0x80;
  return n;
}

Reply create_channel(Call& c) {
  if (auto e = c.require_user()) return *e;
  std::string_view title = param_string(c.params, "title");
  while (!title.empty() && title.front() == ' ') title.remove_prefix(1);
  while (!title.empty() && title.back() == ' ') title.remove_suffix(1);
  if (title.empty()) return error(400, "CHAT_TITLE_EMPTY");
  if (utf8_length(title) > 128) return error(400, "CHAT_TITLE_TOO_LONG");
  const std::string_view about = param_string(c.params, "about");
  if (utf8_length(about) > 255) return error(400, "CHAT_ABOUT_TOO_LONG");
  const bool megagroup = param_flag(c.params, "megagroup");
  if (megagroup && param_flag(c.params, "broadcast")) return error(400, "CHANNEL_INVALID");
  Channel& ch = c.world.new_channel(c.self->id, std::string(title), std::string(about), megagroup);
  // Message 1 of every channel: the service message announcing its creation.
  Message m;
  m.id = ++ch.last_message_id;
  m.peer = PeerRef{PeerRef::Kind::kChannel, ch.id};
  m.author = c.self->id;
  m.from_id = megagroup ? c.self->id : 0;
  m.post = !megagroup;
  m.date = ch.date;
  m.channel_created = ch.title;
  ch.messages.push_back(m);
  ++ch.pts;
  return channel_updates_json(c.world, c.self->id, ch,
                              R"({"_":"updateChannel","channel_id":)" + long_str(ch.id) + "},", m);
}

Reply get_channels(Call& c) {
  if (auto e = c.require_account()) return *e;
  std::string chats;
  const simdjson::dom::array ids = c.params["id"].get_array().value();
  for (simdjson::dom::element input : ids) {
    auto channel = resolve_input_channel(c, input);
    if (auto* e = std::get_if<ApiError>(&channel)) return *e;
    if (!chats.empty()) chats += ",";
    chats += channel_json(c.world, c.self->id, *std::get<Channel*>(channel));
  }
  return R"({"_":"messages.chats","chats":[)" + chats + "]}";
}

}  // namespace

void register_channels(Handlers& h) {
  h["channels.createChannel"] = create_channel;
  h["channels.getChannels"] = get_channels;
}

}  // namespace tgd::testdc::api
