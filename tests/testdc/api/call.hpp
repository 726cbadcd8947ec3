#pragma once
// What the method handlers of tests/testdc/api/*.cpp share: the call (context, params, World),
// reading params in tgd's JSON form, resolving input peers with their access hashes, and rendering
// World objects as tgd JSON the way Telegram shapes them.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tests/testdc/api.hpp"
#include "tests/testdc/world.hpp"

namespace tgd::testdc::api {

struct Call {
  World& world;
  const CallContext& ctx;
  simdjson::dom::element params;  // the innermost method object ("_" included)
  const std::vector<DcEndpoint>& dcs;
  Account* self = nullptr;       // set by require_account / require_user
  AnswerHints* hints = nullptr;  // how the I/O layer gives the answer (may be null)

  // The session making the call (it gets changes as its answer, not as a push).
  SessionRef session() const { return SessionRef{ctx.dc, ctx.auth_key_id, ctx.session_id}; }

  // The account this auth key is logged in as: 401 SESSION_REVOKED once after a revocation, else
  // 401 AUTH_KEY_UNREGISTERED when there is none.
  std::optional<ApiError> require_account();
  // Same, and 400 BOT_METHOD_INVALID for bots.
  std::optional<ApiError> require_user();
};

inline ApiError error(std::int32_t code, std::string message) { return ApiError{code, std::move(message)}; }

// Handler registration, one per namespace file.
void register_auth(Handlers& h);
void register_account(Handlers& h);
void register_users(Handlers& h);
void register_contacts(Handlers& h);
void register_messages(Handlers& h);
void register_channels(Handlers& h);
void register_help(Handlers& h);
void register_updates(Handlers& h);
void register_upload(Handlers& h);  // upload.* (files.cpp); messages.sendMedia etc. are in media.cpp
void register_media(Handlers& h);
void register_message_lookup(Handlers& h);  // messages.getMessages, channels.getMessages
void register_full_info(Handlers& h);       // channels.getFullChannel, messages.getFullChat

// --- params (as TlToJson decoded them: every required field is present) ---
std::string_view param_string(simdjson::dom::element e, std::string_view key);
std::int64_t param_int(simdjson::dom::element e, std::string_view key);  // int or long (string)
bool param_flag(simdjson::dom::element e, std::string_view key);         // flags.N?true
bool param_has(simdjson::dom::element e, std::string_view key);
Bytes param_bytes(simdjson::dom::element e, std::string_view key);
std::vector<int> param_int_list(simdjson::dom::element e, std::string_view key);  // Vector<int>
std::string_view constructor(simdjson::dom::element e);                           // "_"

// --- input objects ---
// inputPeerSelf / inputPeerUser / inputPeerChannel (access hash checked for this viewer):
// PEER_ID_INVALID for users and anything else, CHANNEL_INVALID for channels.
std::variant<PeerRef, ApiError> resolve_input_peer(Call& c, simdjson::dom::element peer);
// inputUserSelf / inputUser: USER_ID_INVALID.
std::variant<Account*, ApiError> resolve_input_user(Call& c, simdjson::dom::element user);
// inputChannel: CHANNEL_INVALID.
std::variant<Channel*, ApiError> resolve_input_channel(Call& c, simdjson::dom::element channel);

// The `entities` param of a call sending or editing `text` (api/entities.cpp): each entity's offset
// and length within the text's UTF-16 length, else ENTITY_BOUNDS_INVALID; an
// inputMessageEntityMentionName becomes messageEntityMentionName (its user must resolve, else
// ENTITY_MENTION_USER_INVALID); every other entity, known here or not, is kept as it came.
struct SentEntities {
  std::string json;      // "[...]", or "" when none were given
  bool changed = false;  // the server changed them (Telegram then returns them to the sender)
};
std::variant<SentEntities, ApiError> parse_entities(Call& c, std::string_view text);

// An InputCheckPasswordSRP against the account's password and its current getPassword attempt:
// SRP_ID_INVALID (stale or no attempt), PASSWORD_HASH_INVALID (wrong proof, or the empty check).
std::optional<ApiError> check_srp(Account& a, simdjson::dom::element input_check_password);

// --- rendering (viewer: the account the answer is for) ---
std::string jstr(std::string_view s);
std::string long_str(std::int64_t v);  // "123" (tgd's JSON form of long)
std::string peer_json(PeerRef peer);
std::string user_json(World& w, std::int64_t viewer, const Account& a);
std::string channel_json(World& w, std::int64_t viewer, const Channel& ch);
std::string message_json(World& w, const Message& m, std::int64_t viewer);
// Telegram measures text in UTF-16 code units.
std::size_t utf16_length(std::string_view s);
// "[user,...]" / "[channel,...]" for the ids given (unknown ids skipped).
std::string users_json(World& w, std::int64_t viewer, const std::set<std::int64_t>& ids);
std::string chats_json(World& w, std::int64_t viewer, const std::set<std::int64_t>& channel_ids);
// A photo or document as `viewer` sees it (its access hash, a fresh file reference), and the
// messageMediaPhoto / messageMediaDocument holding it (media_json.cpp).
std::string media_object_json(World& w, const Media& m, std::int64_t viewer);
std::string message_media_json(World& w, const Media& m, std::int64_t viewer);
// The users and channels a list of messages mentions.
void collect_peers(const Message& m, std::set<std::int64_t>& users, std::set<std::int64_t>& channels);
// updates{[first_update] updateNewChannelMessage(m), users, chats:[ch]}: how Telegram answers a
// call that posted `m` to `ch` (first_update: "" or one update followed by a comma).
std::string channel_updates_json(World& w, std::int64_t viewer, const Channel& ch,
                                 const std::string& first_update, const Message& m);
// auth.authorization{user} for a fresh login of `a`.
std::string authorization_json(World& w, const Account& a);

}  // namespace tgd::testdc::api
