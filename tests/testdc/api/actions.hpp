#pragma once
// What changes message boxes, shared by the method handlers and the test controls (C++ tests, the
// control socket, floods): each change is logged as a pts event of every box it touches and pushed
// to the sessions that should see it (pushes.hpp). `caller` is the session whose call made the
// change: it gets the change as its answer, so no push. The returned JSON is that answer.
//
// What is pushed (README "Pushed updates"):
//   one private message      updateShortMessage (recipient; out=true to the sender's sessions)
//   several at once (flood)  updates{updateNewMessage...} with the box's next seq
//   private edit / delete    updates{updateEditMessage} / updates{updateDeleteMessages}, with seq
//   channel post/edit/delete updates{updateNewChannelMessage / updateEditChannelMessage /
//                            updateDeleteChannelMessages} to every member, seq 0 (channel pts only)
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tests/testdc/api.hpp"
#include "tests/testdc/world.hpp"

namespace tgd::testdc::api {

using Caller = std::optional<SessionRef>;

// The sender's copy of the last message sent.
struct SentText {
  int id = 0;
  int pts = 0;
  std::int32_t date = 0;
};

// Private text messages from `from` to `to` (to == from: Saved Messages), one new-message event
// each in both boxes. Texts are not checked (the handler does). `entities`: the MessageEntity
// vector as tgd JSON ("[...]", checked by parse_entities) given to every text, "" for none; pushes
// of messages without entities are written as TL directly (push_encoding.hpp, the flood path),
// those with entities take the JSON encoder.
SentText send_private(World& w, Account& from, Account& to, std::span<const std::string> texts, bool silent,
                      const Caller& caller, const std::string& entities = {});

// A private message with a photo or document (`text` its caption), from `from` to `to`: stored in
// both boxes, one event each. It cannot be an updateShortMessage, so the recipient and the
// sender's other sessions get updates{updateNewMessage} with their box's next seq, and the answer
// is updates{updateMessageID(random_id), updateNewMessage} with the sender's.
struct SentMedia {
  std::string answer;
  int id = 0;  // the sender's copy
  int pts = 0;
  int recipient_id = 0;  // the recipient's copy (== id for Saved Messages)
};
SentMedia send_private_media(World& w, Account& from, Account& to, std::string text, const Media& media,
                             bool silent, std::int64_t random_id, const Caller& caller,
                             std::string entities = {});

// A text (with `media`, its caption) posted to a channel by `from` (not checked): one event; pushed
// to every member's sessions but the caller's. Returns the message.
const Message& post_to_channel(World& w, Channel& ch, Account& from, std::string text, bool silent,
                               const Caller& caller, const Media* media = nullptr, std::string entities = {});

// messages.editMessage in the account's own box: the answer is updates{updateEditMessage} with
// seq; the other side's copy changes too (its own event and push). Text and entities are both
// replaced (no entities given: the message loses its formatting, as on Telegram);
// MESSAGE_NOT_MODIFIED when both are as they were.
std::variant<std::string, ApiError> edit_private(World& w, Account& self, PeerRef peer, int id,
                                                 std::string_view text, std::string_view entities,
                                                 const Caller& caller);
std::variant<std::string, ApiError> edit_channel(World& w, Account& self, Channel& ch, int id,
                                                 std::string_view text, std::string_view entities,
                                                 const Caller& caller);

// messages.deleteMessages: the ids of the account's box that exist go in one event (pts_count =
// their number); with `revoke`, the other side's copies go too. Answers messages.affectedMessages.
std::string delete_private(World& w, Account& self, std::span<const int> ids, bool revoke,
                           const Caller& caller);
// channels.deleteMessages.
std::variant<std::string, ApiError> delete_channel(World& w, Account& self, Channel& ch,
                                                   std::span<const int> ids, const Caller& caller);

// Builds `updates` (seq 0 for channels, else the given seq) for `viewer` from update JSON items.
std::string updates_json(World& w, std::int64_t viewer, const std::string& updates,
                         const std::set<std::int64_t>& users, const std::set<std::int64_t>& channels,
                         std::int32_t date, int seq);

}  // namespace tgd::testdc::api
