// messages.*: sending, editing and deleting text in private chats (each account's own message box,
// per-account pts) and channels (the channel's box and pts), history and the dialog list. The
// changes themselves, with their events and pushes, are in private_messages.cpp and
// channel_messages.cpp.
#include <algorithm>
#include <map>

#include "tests/testdc/api/actions.hpp"
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char ch) { return ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r'; });
}

// The channel's membership rule for reading and posting: CHANNEL_PRIVATE for non-members.
std::optional<ApiError> check_member(const Channel& ch, std::int64_t user) {
  if (!ch.members.count(user)) return error(400, "CHANNEL_PRIVATE");
  return std::nullopt;
}

Reply send_message(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto peer = resolve_input_peer(c, c.params["peer"].value());
  if (auto* e = std::get_if<ApiError>(&peer)) return *e;
  const PeerRef to = std::get<PeerRef>(peer);
  const std::string_view text = param_string(c.params, "message");
  if (blank(text)) return error(400, "MESSAGE_EMPTY");
  if (utf16_length(text) > 4096) return error(400, "MESSAGE_TOO_LONG");
  auto parsed = parse_entities(c, text);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  SentEntities entities = std::get<SentEntities>(std::move(parsed));
  const std::int64_t random_id = param_int(c.params, "random_id");
  Account& self = *c.self;
  const bool silent = param_flag(c.params, "silent");

  if (to.kind == PeerRef::Kind::kChannel) {
    Channel& ch = *c.world.find_channel(to.id);
    if (auto e = check_member(ch, self.id)) return *e;
    if (ch.broadcast && ch.creator != self.id) return error(403, "CHAT_ADMIN_REQUIRED");
    if (self.random_ids.count(random_id)) return error(500, "RANDOM_ID_DUPLICATE");
    self.random_ids.insert(random_id);
    const Message& m = post_to_channel(c.world, ch, self, std::string(text), silent, c.session(), nullptr,
                                       std::move(entities.json));
    return channel_updates_json(c.world, self.id, ch,
                                R"({"_":"updateMessageID","id":)" + std::to_string(m.id) +
                                    R"(,"random_id":)" + long_str(random_id) + "},",
                                m);
  }

  Account& target = *c.world.find_account(to.id);
  if (self.bot && target.bot && target.id != self.id) return error(400, "USER_IS_BOT");
  if (self.random_ids.count(random_id)) return error(500, "RANDOM_ID_DUPLICATE");
  self.random_ids.insert(random_id);
  const std::string texts[] = {std::string(text)};
  const SentText sent = send_private(c.world, self, target, texts, silent, c.session(), entities.json);
  // Telegram returns entities here only when it changed them (the sender has its own otherwise).
  return R"({"_":"updateShortSentMessage","out":true,"id":)" + std::to_string(sent.id) + R"(,"pts":)" +
         std::to_string(sent.pts) + R"(,"pts_count":1,"date":)" + std::to_string(sent.date) +
         (entities.changed ? R"(,"entities":)" + entities.json : std::string()) + "}";
}

// Text only: the message's text and entities are replaced (edit_date set), in both boxes of a
// private chat.
Reply edit_message(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto peer = resolve_input_peer(c, c.params["peer"].value());
  if (auto* e = std::get_if<ApiError>(&peer)) return *e;
  const PeerRef to = std::get<PeerRef>(peer);
  if (!param_has(c.params, "message")) return error(400, "MESSAGE_EMPTY");
  const std::string_view text = param_string(c.params, "message");
  if (blank(text)) return error(400, "MESSAGE_EMPTY");
  if (utf16_length(text) > 4096) return error(400, "MESSAGE_TOO_LONG");
  auto parsed = parse_entities(c, text);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  const std::string entities = std::get<SentEntities>(std::move(parsed)).json;
  const int id = static_cast<int>(param_int(c.params, "id"));
  std::variant<std::string, ApiError> result;
  if (to.kind == PeerRef::Kind::kChannel) {
    Channel& ch = *c.world.find_channel(to.id);
    if (auto e = check_member(ch, c.self->id)) return *e;
    result = edit_channel(c.world, *c.self, ch, id, text, entities, c.session());
  } else {
    result = edit_private(c.world, *c.self, to, id, text, entities, c.session());
  }
  if (auto* e = std::get_if<ApiError>(&result)) return *e;
  return std::get<std::string>(std::move(result));
}

Reply delete_messages(Call& c) {
  if (auto e = c.require_account()) return *e;
  const std::vector<int> ids = param_int_list(c.params, "id");
  return delete_private(c.world, *c.self, ids, param_flag(c.params, "revoke"), c.session());
}

// The messages of a dialog, newest first.
std::vector<const Message*> dialog_messages(Call& c, PeerRef peer) {
  std::vector<const Message*> out;
  const std::vector<Message>& box =
      peer.kind == PeerRef::Kind::kChannel ? c.world.find_channel(peer.id)->messages : c.self->messages;
  for (const Message& m : box) {
    if (m.peer == peer) out.push_back(&m);
  }
  std::sort(out.begin(), out.end(), [](const Message* a, const Message* b) { return a->id > b->id; });
  return out;
}

Reply get_history(Call& c) {
  if (auto e = c.require_user()) return *e;
  auto resolved = resolve_input_peer(c, c.params["peer"].value());
  if (auto* e = std::get_if<ApiError>(&resolved)) return *e;
  const PeerRef peer = std::get<PeerRef>(resolved);
  const Channel* ch = peer.kind == PeerRef::Kind::kChannel ? c.world.find_channel(peer.id) : nullptr;
  if (ch) {
    if (auto e = check_member(*ch, c.self->id)) return *e;
  }
  const std::vector<const Message*> all = dialog_messages(c, peer);
  const std::int64_t offset_id = param_int(c.params, "offset_id");
  const std::int64_t offset_date = param_int(c.params, "offset_date");
  const std::int64_t add_offset = param_int(c.params, "add_offset");
  const std::int64_t limit = std::clamp<std::int64_t>(param_int(c.params, "limit"), 0, 100);
  const std::int64_t max_id = param_int(c.params, "max_id");
  const std::int64_t min_id = param_int(c.params, "min_id");
  // Start at the first message older than offset_id / offset_date, shifted by add_offset.
  std::int64_t start = 0;
  while (start < static_cast<std::int64_t>(all.size()) &&
         ((offset_id > 0 && all[static_cast<std::size_t>(start)]->id >= offset_id) ||
          (offset_date > 0 && all[static_cast<std::size_t>(start)]->date >= offset_date))) {
    ++start;
  }
  start = std::clamp<std::int64_t>(start + add_offset, 0, static_cast<std::int64_t>(all.size()));
  std::string messages;
  std::set<std::int64_t> users{c.self->id};  // Telegram includes the account itself
  if (peer.kind == PeerRef::Kind::kUser) users.insert(peer.id);
  std::set<std::int64_t> channels;
  std::int64_t taken = 0;
  for (auto i = static_cast<std::size_t>(start); i < all.size() && taken < limit; ++i, ++taken) {
    const Message& m = *all[i];
    if ((max_id > 0 && m.id >= max_id) || (min_id > 0 && m.id <= min_id)) continue;
    if (!messages.empty()) messages += ",";
    messages += message_json(c.world, m, c.self->id);
    collect_peers(m, users, channels);
  }
  const std::string tail = R"(,"messages":[)" + messages + R"(],"topics":[],"chats":)" +
                           chats_json(c.world, c.self->id, channels) + R"(,"users":)" +
                           users_json(c.world, c.self->id, users) + "}";
  if (ch) {
    return R"({"_":"messages.channelMessages","pts":)" + std::to_string(ch->pts) + R"(,"count":)" +
           std::to_string(all.size()) + tail;
  }
  if (taken == static_cast<std::int64_t>(all.size())) return R"({"_":"messages.messages")" + tail;
  return R"({"_":"messages.messagesSlice","count":)" + std::to_string(all.size()) + tail;
}

Reply get_dialogs(Call& c) {
  if (auto e = c.require_user()) return *e;
  Account& self = *c.self;
  struct Dialog {
    PeerRef peer;
    const Message* top = nullptr;
    int unread = 0;
    int pts = -1;  // channels
  };
  std::map<PeerRef, Dialog> by_peer;
  for (const Message& m : self.messages) {
    Dialog& d = by_peer[m.peer];
    d.peer = m.peer;
    if (!d.top || m.id > d.top->id) d.top = &m;
    if (!m.out) ++d.unread;  // read state is not kept: incoming messages count as unread
  }
  for (const auto& [id, ch] : c.world.channels()) {
    if (!ch.members.count(self.id) || ch.messages.empty()) continue;
    Dialog& d = by_peer[PeerRef{PeerRef::Kind::kChannel, id}];
    d.peer = PeerRef{PeerRef::Kind::kChannel, id};
    d.top = &ch.messages.back();
    d.pts = ch.pts;
    for (const Message& m : ch.messages) d.unread += m.author != self.id;
  }
  std::vector<Dialog> dialogs;
  // folder_id 1 is the archive, which stays empty here.
  if (!(param_has(c.params, "folder_id") && param_int(c.params, "folder_id") == 1)) {
    for (auto& [peer, d] : by_peer) dialogs.push_back(d);
  }
  std::sort(dialogs.begin(), dialogs.end(), [](const Dialog& a, const Dialog& b) {
    return a.top->date != b.top->date ? a.top->date > b.top->date : a.top->id > b.top->id;
  });
  const std::int64_t offset_date = param_int(c.params, "offset_date");
  const std::int64_t offset_id = param_int(c.params, "offset_id");
  const std::int64_t limit = std::clamp<std::int64_t>(param_int(c.params, "limit"), 0, 100);
  std::string dialog_json, messages;
  std::set<std::int64_t> users, channels;
  std::int64_t taken = 0;
  for (const Dialog& d : dialogs) {
    if (taken >= limit) break;
    if (offset_date > 0 && (d.top->date > offset_date ||
                            (d.top->date == offset_date && offset_id > 0 && d.top->id >= offset_id))) {
      continue;
    }
    ++taken;
    if (!dialog_json.empty()) dialog_json += ",", messages += ",";
    dialog_json +=
        R"({"_":"dialog","peer":)" + peer_json(d.peer) + R"(,"top_message":)" + std::to_string(d.top->id) +
        R"(,"read_inbox_max_id":0,"read_outbox_max_id":0,"unread_count":)" + std::to_string(d.unread) +
        R"(,"unread_mentions_count":0,"unread_reactions_count":0,"notify_settings":{"_":"peerNotifySettings"})";
    if (d.pts >= 0) dialog_json += R"(,"pts":)" + std::to_string(d.pts);
    dialog_json += "}";
    messages += message_json(c.world, *d.top, self.id);
    (d.peer.kind == PeerRef::Kind::kChannel ? channels : users).insert(d.peer.id);
    collect_peers(*d.top, users, channels);
  }
  const std::string body = R"("dialogs":[)" + dialog_json + R"(],"messages":[)" + messages + R"(],"chats":)" +
                           chats_json(c.world, self.id, channels) + R"(,"users":)" +
                           users_json(c.world, self.id, users) + "}";
  if (taken == static_cast<std::int64_t>(dialogs.size())) return R"({"_":"messages.dialogs",)" + body;
  return R"({"_":"messages.dialogsSlice","count":)" + std::to_string(dialogs.size()) + "," + body;
}

}  // namespace

void register_messages(Handlers& h) {
  h["messages.sendMessage"] = send_message;
  h["messages.getHistory"] = get_history;
  h["messages.getDialogs"] = get_dialogs;
  h["messages.editMessage"] = edit_message;
  h["messages.deleteMessages"] = delete_messages;
}

}  // namespace tgd::testdc::api
