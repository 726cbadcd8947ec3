// Changes to channel boxes: posting, editing, deleting, each one event of the channel's pts and
// one `updates` (seq 0: channels have no part in the account's seq) pushed to every member
// (actions.hpp).
#include <algorithm>

#include "tests/testdc/api/actions.hpp"
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

// Pushes updates{item(viewer)} to every member's sessions but the caller's; returns the caller's
// (`self`) version.
template <typename Item>
std::string push_to_members(World& w, const Channel& ch, std::int64_t self, Item item,
                            const std::set<std::int64_t>& users, std::int32_t date, const Caller& caller) {
  const std::set<std::int64_t> chats{ch.id};
  for (std::int64_t member : ch.members) {
    bool any = false;
    for (const SessionRef& s : w.pushes().sessions(member)) any = any || !caller || s != *caller;
    if (!any) continue;
    w.pushes().deliver(member, w.encode_updates(updates_json(w, member, item(member), users, chats, date, 0)),
                       1, caller);
  }
  return updates_json(w, self, item(self), users, chats, date, 0);
}

std::string message_item(World& w, const char* type, const Message& m, std::int64_t viewer, int pts) {
  return std::string(R"({"_":")") + type + R"(","message":)" + message_json(w, m, viewer) + R"(,"pts":)" +
         std::to_string(pts) + R"(,"pts_count":1})";
}

std::set<std::int64_t> users_of(const Message& m) {
  std::set<std::int64_t> users;
  if (m.from_id) users.insert(m.from_id);
  return users;
}

}  // namespace

const Message& post_to_channel(World& w, Channel& ch, Account& from, std::string text, bool silent,
                               const Caller& caller, const Media* media, std::string entities) {
  Message m;
  m.id = ++ch.last_message_id;
  m.peer = PeerRef{PeerRef::Kind::kChannel, ch.id};
  m.author = from.id;
  m.from_id = ch.broadcast ? 0 : from.id;
  m.post = ch.broadcast;
  m.date = World::now();
  m.text = std::move(text);
  m.entities = std::move(entities);
  m.silent = silent;
  if (media) {
    m.media_id = media->id;
    m.media_kind = media->kind;
  }
  ch.messages.push_back(std::move(m));
  const Message& posted = ch.messages.back();
  const int pts = w.log_event(ch, BoxEvent{0, 1, posted.date, EventKind::kNewMessage, posted.id, {}});
  push_to_members(
      w, ch, from.id,
      [&](std::int64_t viewer) { return message_item(w, "updateNewChannelMessage", posted, viewer, pts); },
      users_of(posted), posted.date, caller);
  return posted;
}

std::variant<std::string, ApiError> edit_channel(World& w, Account& self, Channel& ch, int id,
                                                 std::string_view text, std::string_view entities,
                                                 const Caller& caller) {
  Message* m = find_message(ch.messages, id);
  if (!m || m->channel_created) return error(400, "MESSAGE_ID_INVALID");
  if (m->author != self.id && !(ch.broadcast && ch.creator == self.id)) {
    return error(403, "MESSAGE_AUTHOR_REQUIRED");
  }
  if (m->text == text && m->entities == entities) return error(400, "MESSAGE_NOT_MODIFIED");
  const std::int32_t date = World::now();
  m->text = std::string(text);
  m->entities = std::string(entities);
  m->edit_date = date;
  const int pts = w.log_event(ch, BoxEvent{0, 1, date, EventKind::kEditMessage, id, {}});
  const Message& edited = *m;
  return push_to_members(
      w, ch, self.id,
      [&](std::int64_t viewer) { return message_item(w, "updateEditChannelMessage", edited, viewer, pts); },
      users_of(edited), date, caller);
}

std::variant<std::string, ApiError> delete_channel(World& w, Account& self, Channel& ch,
                                                   std::span<const int> ids, const Caller& caller) {
  std::vector<int> gone;
  for (int id : ids) {
    const Message* m = find_message(ch.messages, id);
    if (!m || std::find(gone.begin(), gone.end(), id) != gone.end()) continue;
    if (m->author != self.id && ch.creator != self.id) return error(403, "MESSAGE_DELETE_FORBIDDEN");
    gone.push_back(id);
  }
  if (gone.empty()) {
    return R"({"_":"messages.affectedMessages","pts":)" + std::to_string(ch.pts) + R"(,"pts_count":0})";
  }
  std::erase_if(ch.messages,
                [&](const Message& m) { return std::find(gone.begin(), gone.end(), m.id) != gone.end(); });
  std::string list = "[";
  for (int id : gone) list += (list.size() > 1 ? "," : "") + std::to_string(id);
  list += "]";
  const int count = static_cast<int>(gone.size());
  const std::int32_t date = World::now();
  const int pts = w.log_event(ch, BoxEvent{0, count, date, EventKind::kDeleteMessages, 0, std::move(gone)});
  const std::string item = R"({"_":"updateDeleteChannelMessages","channel_id":)" + long_str(ch.id) +
                           R"(,"messages":)" + list + R"(,"pts":)" + std::to_string(pts) +
                           R"(,"pts_count":)" + std::to_string(count) + "}";
  push_to_members(
      w, ch, self.id, [&](std::int64_t) { return item; }, {}, date, caller);
  return R"({"_":"messages.affectedMessages","pts":)" + std::to_string(pts) + R"(,"pts_count":)" +
         std::to_string(count) + "}";
}

}  // namespace tgd::testdc::api
