// messages.getMessages and channels.getMessages: messages by id, as they are now. This is how a
// client refreshes an expired file reference (core.telegram.org/api/file_reference): the message
// comes back with its media and a fresh reference.
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

// Telegram's limit on ids per call.
constexpr std::size_t kMaxIds = 200;

// The messages of `box` named by inputMessageID, in the order asked; messageEmpty for ids not
// there and for the other InputMessage kinds (replies, pins, callback queries are not kept).
std::variant<std::string, ApiError> lookup(Call& c, std::vector<Message>& box, std::set<std::int64_t>& users,
                                           std::set<std::int64_t>& channels) {
  simdjson::dom::array ids = c.params["id"].get_array().value();
  if (ids.size() > kMaxIds) return error(400, "LIMIT_INVALID");
  std::string out;
  for (simdjson::dom::element input : ids) {
    if (!out.empty()) out += ",";
    const bool by_id = constructor(input) == "inputMessageID";
    const int id = by_id ? static_cast<int>(param_int(input, "id")) : 0;
    const Message* m = by_id ? find_message(box, id) : nullptr;
    if (!m) {
      out += R"({"_":"messageEmpty","id":)" + std::to_string(id) + "}";
      continue;
    }
    out += message_json(c.world, *m, c.self->id);
    collect_peers(*m, users, channels);
  }
  return out;
}

Reply get_messages(Call& c) {
  if (auto e = c.require_account()) return *e;
  std::set<std::int64_t> users{c.self->id}, channels;
  auto found = lookup(c, c.self->messages, users, channels);
  if (auto* e = std::get_if<ApiError>(&found)) return *e;
  return R"({"_":"messages.messages","messages":[)" + std::get<std::string>(found) +
         R"(],"topics":[],"chats":)" + chats_json(c.world, c.self->id, channels) + R"(,"users":)" +
         users_json(c.world, c.self->id, users) + "}";
}

Reply get_channel_messages(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto resolved = resolve_input_channel(c, c.params["channel"].value());
  if (auto* e = std::get_if<ApiError>(&resolved)) return *e;
  Channel& ch = *std::get<Channel*>(resolved);
  // Members, or anyone for a public channel.
  if (!ch.members.count(c.self->id) && ch.username.empty()) return error(400, "CHANNEL_PRIVATE");
  std::set<std::int64_t> users{c.self->id}, channels{ch.id};
  auto found = lookup(c, ch.messages, users, channels);
  if (auto* e = std::get_if<ApiError>(&found)) return *e;
  return R"({"_":"messages.channelMessages","pts":)" + std::to_string(ch.pts) + R"(,"count":)" +
         std::to_string(c.params["id"].get_array().value().size()) + R"(,"messages":[)" +
         std::get<std::string>(found) + R"(],"topics":[],"chats":)" +
         chats_json(c.world, c.self->id, channels) + R"(,"users":)" + users_json(c.world, c.self->id, users) +
         "}";
}

}  // namespace

void register_message_lookup(Handlers& h) {
  h["messages.getMessages"] = get_messages;
  h["channels.getMessages"] = get_channel_messages;
}

}  // namespace tgd::testdc::api
