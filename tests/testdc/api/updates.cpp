// updates.*: the account's update state and the differences of its box and of channels (facts
// §7), answered from the boxes' event logs (update_log.hpp). Choices, where Telegram leaves them
// open (README "Updates"):
// - pts 0 is a valid starting point of the common box (a fresh account's state is 0 here); a
//   negative pts is PERSISTENT_TIMESTAMP_EMPTY, one above the box's PERSISTENT_TIMESTAMP_INVALID.
//   Channels start at 1 (their creation message), so there pts <= 0 is EMPTY.
// - updates.difference holds at most UpdateOptions::difference_slice events (lowered by
//   pts_limit); the rest comes as updates.differenceSlice with intermediate_state = the pts and
//   date of the last event given.
// - A message created and edited within one difference comes once, as it is now; deleted ones are
//   left out (their updateDeleteMessages is still given).
// - The final difference names every channel of the account with events since `date` as
//   updateChannelTooLong (without pts): getChannelDifference catches up.
#include <algorithm>

#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

std::string ints_json(const std::vector<int>& ids) {
  std::string out = "[";
  for (int id : ids) out += (out.size() > 1 ? "," : "") + std::to_string(id);
  return out + "]";
}

std::string state_json(int pts, int qts, std::int32_t date, int seq) {
  return R"({"_":"updates.state","pts":)" + std::to_string(pts) + R"(,"qts":)" + std::to_string(qts) +
         R"(,"date":)" + std::to_string(date) + R"(,"seq":)" + std::to_string(seq) + R"(,"unread_count":0})";
}

// Renders the events [first, last) of a box (messages in `box`, as `viewer` sees them) into the
// new_messages and other_updates lists; `channel` names the box for delete updates (0: common).
struct Rendered {
  std::string new_messages;
  std::string other_updates;
  std::set<std::int64_t> users, channels;
  void add_other(const std::string& item) {
    if (!other_updates.empty()) other_updates += ",";
    other_updates += item;
  }
};

Rendered render_events(World& w, const UpdateLog& log, std::size_t first, std::size_t last,
                       std::vector<Message>& box, std::int64_t viewer, std::int64_t channel) {
  Rendered r;
  std::set<int> fresh;  // messages given whole in this difference: their edits are folded in
  for (std::size_t i = first; i < last; ++i) {
    const BoxEvent& e = log.events()[i];
    const std::string pts =
        R"(,"pts":)" + std::to_string(e.pts) + R"(,"pts_count":)" + std::to_string(e.pts_count);
    if (e.kind == EventKind::kDeleteMessages) {
      r.add_other(channel ? R"({"_":"updateDeleteChannelMessages","channel_id":)" + long_str(channel) +
                                R"(,"messages":)" + ints_json(e.deleted) + pts + "}"
                          : R"({"_":"updateDeleteMessages","messages":)" + ints_json(e.deleted) + pts + "}");
      continue;
    }
    const Message* m = find_message(box, e.message_id);
    if (!m || (e.kind == EventKind::kEditMessage && fresh.count(m->id))) continue;
    collect_peers(*m, r.users, r.channels);
    if (e.kind == EventKind::kNewMessage) {
      fresh.insert(m->id);
      if (!r.new_messages.empty()) r.new_messages += ",";
      r.new_messages += message_json(w, *m, viewer);
    } else {
      r.add_other(std::string(R"({"_":")") + (channel ? "updateEditChannelMessage" : "updateEditMessage") +
                  R"(","message":)" + message_json(w, *m, viewer) + pts + "}");
    }
  }
  return r;
}

Reply get_state(Call& c) {
  if (auto e = c.require_account()) return *e;
  const Account& a = *c.self;
  return state_json(a.pts, a.qts, World::now(), a.seq);
}

Reply get_difference(Call& c) {
  if (auto e = c.require_account()) return *e;
  Account& a = *c.self;
  const std::int64_t pts = param_int(c.params, "pts");
  const std::int64_t date = param_int(c.params, "date");
  if (pts < 0) return error(400, "PERSISTENT_TIMESTAMP_EMPTY");
  if (pts > a.pts) return error(400, "PERSISTENT_TIMESTAMP_INVALID");
  const int from = static_cast<int>(pts);
  if (param_has(c.params, "pts_total_limit") && a.pts - pts > param_int(c.params, "pts_total_limit")) {
    return R"({"_":"updates.differenceTooLong","pts":)" + std::to_string(a.pts) + "}";
  }
  if (!a.log.covers(from)) return R"({"_":"updates.differenceTooLong","pts":)" + std::to_string(a.pts) + "}";

  int slice = c.world.update_options().difference_slice;
  if (param_has(c.params, "pts_limit"))
    slice = std::min<int>(slice, static_cast<int>(param_int(c.params, "pts_limit")));
  slice = std::max(slice, 1);
  const std::size_t first = a.log.first_after(from);
  const std::size_t end = a.log.events().size();
  const std::size_t last = std::min(end, first + static_cast<std::size_t>(slice));
  Rendered r = render_events(c.world, a.log, first, last, a.messages, a.id, 0);
  const bool partial = last < end;
  if (!partial) {
    // Channels with news since `date`: the client fetches them with getChannelDifference.
    for (const auto& [id, ch] : c.world.channels()) {
      if (!ch.members.count(a.id) || ch.last_event_date < date) continue;
      r.add_other(R"({"_":"updateChannelTooLong","channel_id":)" + long_str(id) + "}");
      r.channels.insert(id);
    }
    if (first == last && r.other_updates.empty()) {
      return R"({"_":"updates.differenceEmpty","date":)" + std::to_string(World::now()) + R"(,"seq":)" +
             std::to_string(a.seq) + "}";
    }
  }
  r.users.insert(a.id);
  const std::string body = R"({"new_messages":[)" + r.new_messages + R"(],"new_encrypted_messages":[],)" +
                           R"("other_updates":[)" + r.other_updates + R"(],"chats":)" +
                           chats_json(c.world, a.id, r.channels) + R"(,"users":)" +
                           users_json(c.world, a.id, r.users);
  if (!partial) {
    return R"({"_":"updates.difference",)" + body.substr(1) + R"(,"state":)" +
           state_json(a.pts, a.qts, World::now(), a.seq) + "}";
  }
  const BoxEvent& upto = a.log.events()[last - 1];
  return R"({"_":"updates.differenceSlice",)" + body.substr(1) + R"(,"intermediate_state":)" +
         state_json(upto.pts, a.qts, upto.date, a.seq) + "}";
}

// The channel's dialog as the account sees it (for channelDifferenceTooLong).
std::string channel_dialog_json(const Channel& ch, std::int64_t viewer) {
  int unread = 0;
  for (const Message& m : ch.messages) unread += m.author != viewer;
  const int top = ch.messages.empty() ? 0 : ch.messages.back().id;
  return R"({"_":"dialog","peer":)" + peer_json(PeerRef{PeerRef::Kind::kChannel, ch.id}) +
         R"(,"top_message":)" + std::to_string(top) +
         R"(,"read_inbox_max_id":0,"read_outbox_max_id":0,"unread_count":)" + std::to_string(unread) +
         R"(,"unread_mentions_count":0,"unread_reactions_count":0,"notify_settings":{"_":"peerNotifySettings"},)" +
         R"("pts":)" + std::to_string(ch.pts) + "}";
}

Reply get_channel_difference(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto channel = resolve_input_channel(c, c.params["channel"].value());
  if (auto* e = std::get_if<ApiError>(&channel)) return *e;
  Channel& ch = *std::get<Channel*>(channel);
  const std::int64_t viewer = c.self->id;
  // Public channels can be followed without joining, as in Telegram.
  if (!ch.members.count(viewer) && ch.username.empty()) return error(406, "CHANNEL_PRIVATE");
  const std::int64_t pts = param_int(c.params, "pts");
  if (pts <= 0) return error(400, "PERSISTENT_TIMESTAMP_EMPTY");
  if (pts > ch.pts) return error(400, "PERSISTENT_TIMESTAMP_INVALID");
  // Users are meant to ask for 10-100, bots up to 100000 (the method's docs).
  const std::int64_t limit =
      std::clamp<std::int64_t>(param_int(c.params, "limit"), 1, c.self->bot ? 100000 : 100);
  const std::string timeout =
      R"(,"timeout":)" + std::to_string(c.world.update_options().channel_difference_timeout);
  const std::string chats = chats_json(c.world, viewer, {ch.id});
  if (pts == ch.pts) {
    return R"({"_":"updates.channelDifferenceEmpty","final":true,"pts":)" + std::to_string(ch.pts) + timeout +
           "}";
  }
  if (!ch.log.covers(static_cast<int>(pts))) {
    // The latest messages, newest first, and the dialog to reset the channel's pts from.
    std::string messages;
    std::set<std::int64_t> users, channels;
    const std::size_t n = std::min(ch.messages.size(), static_cast<std::size_t>(limit));
    for (std::size_t i = 0; i < n; ++i) {
      const Message& m = ch.messages[ch.messages.size() - 1 - i];
      if (!messages.empty()) messages += ",";
      messages += message_json(c.world, m, viewer);
      collect_peers(m, users, channels);
    }
    return R"({"_":"updates.channelDifferenceTooLong","final":true)" + timeout + R"(,"dialog":)" +
           channel_dialog_json(ch, viewer) + R"(,"messages":[)" + messages + R"(],"chats":)" + chats +
           R"(,"users":)" + users_json(c.world, viewer, users) + "}";
  }
  const std::size_t first = ch.log.first_after(static_cast<int>(pts));
  const std::size_t end = ch.log.events().size();
  const std::size_t last = std::min(end, first + static_cast<std::size_t>(limit));
  Rendered r = render_events(c.world, ch.log, first, last, ch.messages, viewer, ch.id);
  const int upto = last > first ? ch.log.events()[last - 1].pts : ch.pts;
  return std::string(R"({"_":"updates.channelDifference")") + (last == end ? R"(,"final":true)" : "") +
         R"(,"pts":)" + std::to_string(upto) + timeout + R"(,"new_messages":[)" + r.new_messages +
         R"(],"other_updates":[)" + r.other_updates + R"(],"chats":)" + chats + R"(,"users":)" +
         users_json(c.world, viewer, r.users) + "}";
}

}  // namespace

void register_updates(Handlers& h) {
  h["updates.getState"] = get_state;
  h["updates.getDifference"] = get_difference;
  h["updates.getChannelDifference"] = get_channel_difference;
}

}  // namespace tgd::testdc::api
