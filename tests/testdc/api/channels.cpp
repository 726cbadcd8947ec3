// channels.*: creating channels and supergroups, fetching them by InputChannel, public usernames,
// joining, deleting messages.
#include "tests/testdc/api/actions.hpp"
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

std::string channel_updates_json(World& w, std::int64_t viewer, const Channel& ch,
                                 const std::string& first_update, const Message& m) {
  std::set<std::int64_t> users{viewer};
  if (m.from_id) users.insert(m.from_id);
  return R"({"_":"updates","updates":[)" + first_update + R"({"_":"updateNewChannelMessage","message":)" +
         message_json(w, m, viewer) + R"(,"pts":)" + std::to_string(ch.pts) + R"(,"pts_count":1}],"users":)" +
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
  c.world.log_event(ch, BoxEvent{0, 1, m.date, EventKind::kNewMessage, m.id, {}});
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

// Public channels (with a username) only: private ones need an invite link, which the test DC does
// not have. No service message is posted (Telegram posts "joined" in supergroups only).
Reply join_channel(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto channel = resolve_input_channel(c, c.params["channel"].value());
  if (auto* e = std::get_if<ApiError>(&channel)) return *e;
  Channel& ch = *std::get<Channel*>(channel);
  if (ch.members.count(c.self->id)) return error(400, "USER_ALREADY_PARTICIPANT");
  if (ch.username.empty()) return error(400, "CHANNEL_PRIVATE");
  ch.members.insert(c.self->id);
  const std::string json =
      updates_json(c.world, c.self->id, R"({"_":"updateChannel","channel_id":)" + long_str(ch.id) + "}", {},
                   {ch.id}, World::now(), 0);
  c.world.pushes().deliver(c.self->id, c.world.encode_updates(json), 1, c.session());
  return json;
}

Reply delete_messages(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto channel = resolve_input_channel(c, c.params["channel"].value());
  if (auto* e = std::get_if<ApiError>(&channel)) return *e;
  Channel& ch = *std::get<Channel*>(channel);
  if (!ch.members.count(c.self->id)) return error(400, "CHANNEL_PRIVATE");
  const std::vector<int> ids = param_int_list(c.params, "id");
  auto result = delete_channel(c.world, *c.self, ch, ids, c.session());
  if (auto* e = std::get_if<ApiError>(&result)) return *e;
  return std::get<std::string>(std::move(result));
}

// Makes a channel public (joinable) or, with "", private again. Creator only.
Reply update_username(Call& c) {
  if (auto e = c.require_user()) return *e;
  auto channel = resolve_input_channel(c, c.params["channel"].value());
  if (auto* e = std::get_if<ApiError>(&channel)) return *e;
  Channel& ch = *std::get<Channel*>(channel);
  if (ch.creator != c.self->id) return error(403, "CHAT_ADMIN_REQUIRED");
  const std::string_view username = param_string(c.params, "username");
  if (!username.empty() && !valid_username(username)) return error(400, "USERNAME_INVALID");
  if (username == ch.username) return error(400, "USERNAME_NOT_MODIFIED");
  if (!username.empty()) {
    const Channel* other = c.world.find_channel_by_username(username);
    if (c.world.find_by_username(username) || (other && other != &ch)) return error(400, "USERNAME_OCCUPIED");
  }
  ch.username = std::string(username);
  return std::string("true");
}

}  // namespace

void register_channels(Handlers& h) {
  h["channels.createChannel"] = create_channel;
  h["channels.getChannels"] = get_channels;
  h["channels.joinChannel"] = join_channel;
  h["channels.deleteMessages"] = delete_messages;
  h["channels.updateUsername"] = update_username;
}

}  // namespace tgd::testdc::api
