// Changes to private chats (each account's own box): sending, editing, deleting, with the events
// and pushes of both sides (actions.hpp).
#include <algorithm>
#include <map>

#include "tests/testdc/api/actions.hpp"
#include "tests/testdc/api/call.hpp"
#include "tests/testdc/push_encoding.hpp"

namespace tgd::testdc::api {
namespace {

constexpr auto kUser = PeerRef::Kind::kUser;

bool has_other_sessions(World& w, std::int64_t user, const Caller& caller) {
  for (const SessionRef& s : w.pushes().sessions(user)) {
    if (!caller || s != *caller) return true;
  }
  return false;
}

// Pushes a seq-carrying `updates` with `items` to the account (but `caller`) and returns it.
std::string push_box_updates(World& w, Account& a, const std::string& items,
                             const std::set<std::int64_t>& users, std::int32_t date, std::size_t count,
                             const Caller& caller) {
  const std::string json = updates_json(w, a.id, items, users, {}, date, ++a.seq);
  if (has_other_sessions(w, a.id, caller)) w.pushes().deliver(a.id, w.encode_updates(json), count, caller);
  return json;
}

// updateShortMessage for `m` of the viewer's box with `other`: the JSON twin of
// short_message_bytes, which also carries entities.
std::string short_message_json(const Message& m, std::int64_t other, int pts) {
  std::string out = R"({"_":"updateShortMessage")";
  if (m.out) out += R"(,"out":true)";
  if (m.silent) out += R"(,"silent":true)";
  out += R"(,"id":)" + std::to_string(m.id) + R"(,"user_id":)" + long_str(other) + R"(,"message":)" +
         jstr(m.text) + R"(,"pts":)" + std::to_string(pts) + R"(,"pts_count":1,"date":)" +
         std::to_string(m.date);
  if (!m.entities.empty()) out += R"(,"entities":)" + m.entities;
  return out + "}";
}

std::string new_message_item(World& w, const Message& m, std::int64_t viewer, int pts) {
  return R"({"_":"updateNewMessage","message":)" + message_json(w, m, viewer) + R"(,"pts":)" +
         std::to_string(pts) + R"(,"pts_count":1})";
}

}  // namespace

std::string updates_json(World& w, std::int64_t viewer, const std::string& updates,
                         const std::set<std::int64_t>& users, const std::set<std::int64_t>& channels,
                         std::int32_t date, int seq) {
  return R"({"_":"updates","updates":[)" + updates + R"(],"users":)" + users_json(w, viewer, users) +
         R"(,"chats":)" + chats_json(w, viewer, channels) + R"(,"date":)" + std::to_string(date) +
         R"(,"seq":)" + std::to_string(seq) + "}";
}

SentText send_private(World& w, Account& from, Account& to, std::span<const std::string> texts, bool silent,
                      const Caller& caller, const std::string& entities) {
  // Pushes of plain messages are written as TL directly (push_encoding.hpp): this is the flood
  // path. The direct writer has no entities, so messages with some take the JSON encoder.
  const bool direct = entities.empty();
  const bool saved = from.id == to.id;
  const bool batch = texts.size() > 1;
  const bool push_in = !saved && !w.pushes().sessions(to.id).empty();
  const bool push_out = has_other_sessions(w, from.id, caller);
  const std::int32_t date = World::now();
  Bytes in_push, out_push;          // direct
  std::string in_items, out_items;  // JSON: the updates of the push
  if (batch && direct) {
    begin_updates(in_push);
    begin_updates(out_push);
  }
  // One message into a push: updateShortMessage alone, or an updateNewMessage of a batch.
  const auto add = [&](Bytes& bytes, std::string& items, const Message& m, std::int64_t viewer,
                       std::int64_t other, int pts) {
    if (direct && batch) {
      append_new_message(bytes, m, pts);
    } else if (direct) {
      bytes = short_message_bytes(m, other, pts);
    } else {
      if (!items.empty()) items += ",";
      items += batch ? new_message_item(w, m, viewer, pts) : short_message_json(m, other, pts);
    }
  };
  SentText sent;
  for (const std::string& text : texts) {
    Message m;
    m.author = from.id;
    m.date = date;
    m.text = text;
    m.entities = entities;
    m.silent = silent;
    m.id = ++from.last_message_id;
    m.peer = PeerRef{kUser, to.id};
    m.out = true;
    if (!saved) {
      Message in = m;
      in.id = ++to.last_message_id;
      in.peer = PeerRef{kUser, from.id};
      in.out = false;
      in.pair_id = m.id;
      m.pair_id = in.id;
      const int pts = w.log_event(to, BoxEvent{0, 1, date, EventKind::kNewMessage, in.id, {}});
      if (push_in) add(in_push, in_items, in, to.id, from.id, pts);
      to.messages.push_back(std::move(in));
    }
    sent = SentText{m.id, w.log_event(from, BoxEvent{0, 1, date, EventKind::kNewMessage, m.id, {}}), date};
    if (push_out) add(out_push, out_items, m, from.id, to.id, sent.pts);
    from.messages.push_back(std::move(m));
  }
  // Each box gets its seq for a batch even when nobody is there to see the push.
  const std::set<std::int64_t> users{from.id, to.id};
  if (batch && !saved) ++to.seq;
  if (batch) ++from.seq;
  // The push's final bytes: the direct form finished, or the JSON encoded.
  const auto finish = [&](Bytes& bytes, const std::string& items, const Account& box) {
    if (!direct) {
      bytes = w.encode_updates(batch ? updates_json(w, box.id, items, users, {}, date, box.seq) : items);
    } else if (batch) {
      finish_updates(bytes, w.encode_users(users_json(w, box.id, users)), date, box.seq);
    }
  };
  if (push_in) {
    finish(in_push, in_items, to);
    w.pushes().deliver(to.id, in_push, texts.size());
  }
  if (push_out) {
    finish(out_push, out_items, from);
    w.pushes().deliver(from.id, out_push, texts.size(), caller);
  }
  return sent;
}

SentMedia send_private_media(World& w, Account& from, Account& to, std::string text, const Media& media,
                             bool silent, std::int64_t random_id, const Caller& caller,
                             std::string entities) {
  const std::int32_t date = World::now();
  const std::set<std::int64_t> users{from.id, to.id};
  Message m;
  m.author = from.id;
  m.date = date;
  m.text = std::move(text);
  m.entities = std::move(entities);
  m.silent = silent;
  m.media_id = media.id;
  m.media_kind = media.kind;
  m.id = ++from.last_message_id;
  m.peer = PeerRef{kUser, to.id};
  m.out = true;
  SentMedia sent;
  sent.id = sent.recipient_id = m.id;
  if (from.id != to.id) {
    Message in = m;
    in.id = ++to.last_message_id;
    in.peer = PeerRef{kUser, from.id};
    in.out = false;
    in.pair_id = m.id;
    m.pair_id = in.id;
    sent.recipient_id = in.id;
    const int pts = w.log_event(to, BoxEvent{0, 1, date, EventKind::kNewMessage, in.id, {}});
    to.messages.push_back(std::move(in));
    push_box_updates(w, to, new_message_item(w, to.messages.back(), to.id, pts), users, date, 1,
                     std::nullopt);
  }
  sent.pts = w.log_event(from, BoxEvent{0, 1, date, EventKind::kNewMessage, m.id, {}});
  from.messages.push_back(std::move(m));
  const std::string item = new_message_item(w, from.messages.back(), from.id, sent.pts);
  push_box_updates(w, from, item, users, date, 1, caller);
  sent.answer = updates_json(w, from.id,
                             R"({"_":"updateMessageID","id":)" + std::to_string(sent.id) +
                                 R"(,"random_id":)" + long_str(random_id) + "}," + item,
                             users, {}, date, from.seq);
  return sent;
}

std::variant<std::string, ApiError> edit_private(World& w, Account& self, PeerRef peer, int id,
                                                 std::string_view text, std::string_view entities,
                                                 const Caller& caller) {
  Message* m = find_message(self.messages, id);
  if (!m || m->peer != peer || m->channel_created) return error(400, "MESSAGE_ID_INVALID");
  if (!m->out) return error(403, "MESSAGE_AUTHOR_REQUIRED");
  if (m->text == text && m->entities == entities) return error(400, "MESSAGE_NOT_MODIFIED");
  const std::int32_t date = World::now();
  m->text = std::string(text);
  m->entities = std::string(entities);
  m->edit_date = date;
  const std::set<std::int64_t> users{self.id, peer.id};
  const auto edit_item = [&w](const Message& msg, std::int64_t viewer, int pts) {
    return R"({"_":"updateEditMessage","message":)" + message_json(w, msg, viewer) + R"(,"pts":)" +
           std::to_string(pts) + R"(,"pts_count":1})";
  };
  const int pts = w.log_event(self, BoxEvent{0, 1, date, EventKind::kEditMessage, id, {}});
  std::string answer = push_box_updates(w, self, edit_item(*m, self.id, pts), users, date, 1, caller);
  if (peer.id != self.id) {
    Account* other = w.find_account(peer.id);
    Message* theirs = other ? find_message(other->messages, m->pair_id) : nullptr;
    if (theirs) {
      theirs->text = m->text;
      theirs->entities = m->entities;
      theirs->edit_date = date;
      const int their_pts =
          w.log_event(*other, BoxEvent{0, 1, date, EventKind::kEditMessage, theirs->id, {}});
      push_box_updates(w, *other, edit_item(*theirs, other->id, their_pts), users, date, 1, std::nullopt);
    }
  }
  return answer;
}

namespace {

// Removes the ids from the box; returns those that were there, in the order given.
std::vector<int> erase_messages(std::vector<Message>& box, std::span<const int> ids) {
  std::vector<int> gone;
  for (int id : ids) {
    if (find_message(box, id) && std::find(gone.begin(), gone.end(), id) == gone.end()) gone.push_back(id);
  }
  std::erase_if(box,
                [&](const Message& m) { return std::find(gone.begin(), gone.end(), m.id) != gone.end(); });
  return gone;
}

std::string ints_json(std::span<const int> ids) {
  std::string out = "[";
  for (int id : ids) {
    if (out.size() > 1) out += ",";
    out += std::to_string(id);
  }
  return out + "]";
}

// Logs and pushes the deletion of `gone` from the account's box; returns the new pts.
int note_deleted(World& w, Account& a, std::vector<int> gone, const Caller& caller) {
  const std::int32_t date = World::now();
  const int count = static_cast<int>(gone.size());
  const std::string item = R"({"_":"updateDeleteMessages","messages":)" + ints_json(gone);
  const int pts = w.log_event(a, BoxEvent{0, count, date, EventKind::kDeleteMessages, 0, std::move(gone)});
  push_box_updates(
      w, a, item + R"(,"pts":)" + std::to_string(pts) + R"(,"pts_count":)" + std::to_string(count) + "}", {},
      date, 1, caller);
  return pts;
}

}  // namespace

std::string delete_private(World& w, Account& self, std::span<const int> ids, bool revoke,
                           const Caller& caller) {
  std::map<std::int64_t, std::vector<int>> theirs;
  for (int id : ids) {
    const Message* m = find_message(self.messages, id);
    if (m && revoke && m->peer.id != self.id && m->pair_id) theirs[m->peer.id].push_back(m->pair_id);
  }
  std::vector<int> gone = erase_messages(self.messages, ids);
  if (gone.empty()) {
    return R"({"_":"messages.affectedMessages","pts":)" + std::to_string(self.pts) + R"(,"pts_count":0})";
  }
  const int count = static_cast<int>(gone.size());
  const int pts = note_deleted(w, self, std::move(gone), caller);
  for (auto& [other_id, their_ids] : theirs) {
    Account* other = w.find_account(other_id);
    if (!other) continue;
    std::vector<int> their_gone = erase_messages(other->messages, their_ids);
    if (!their_gone.empty()) note_deleted(w, *other, std::move(their_gone), std::nullopt);
  }
  return R"({"_":"messages.affectedMessages","pts":)" + std::to_string(pts) + R"(,"pts_count":)" +
         std::to_string(count) + "}";
}

}  // namespace tgd::testdc::api
