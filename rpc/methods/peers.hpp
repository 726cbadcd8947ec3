#pragma once
// Peer references as scripts write them (MadelineProto-style) and what they resolve to.
//
// A reference is any of: "me" / "self"; "@username", "username", "t.me/username"; a Bot-API id as
// a number or a string (positive: user, -1…-999999999999: basic chat, -100XXXXXXXXXXXX: channel);
// a Peer (peerUser / peerChat / peerChannel); a User / Chat / Channel object; an input form
// (inputPeerUser, inputUser, inputChannel, ...); a Message (its peer_id); or anything holding one
// of those as "message", "peer_id" or "peer" (updateNewMessage, updateNewChannelMessage, dialog,
// ...). classify() does what needs no network (the peer cache, objects that carry their access
// hash); a username the cache does not know is left for contacts.resolveUsername.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/store/store.hpp"
#include "protocol/tl/schema.hpp"

namespace tgd::rpc::methods {

// The TL types a reference can stand for, and how to write a resolved peer as each
// (InputDialogPeer and InputNotifyPeer wrap an InputPeer: inputDialogPeer, inputNotifyPeer).
enum class PeerTarget : std::uint8_t { InputPeer, InputUser, InputChannel, InputDialogPeer, InputNotifyPeer };
std::optional<PeerTarget> peer_target(std::string_view type_name);
std::string_view to_string(PeerTarget target);

struct ResolvedPeer {
  enum class Kind : std::uint8_t { Self, User, Chat, Channel };
  Kind kind = Kind::User;
  std::int64_t id = 0;  // Self: the session's own user id when known, else 0
  std::int64_t access_hash = 0;
  std::string username;
  std::optional<std::string> name;  // first and last name, or title, when known
  std::string object;               // the User / Chat / Channel JSON when it came with the reference
};

// Bot-API dialog ids (facts §9).
std::int64_t bot_api_id(store::PeerKind kind, std::int64_t id);
std::optional<std::pair<store::PeerKind, std::int64_t>> from_bot_api_id(std::int64_t id);

// The resolved peer as a constructor of `target` (JSON), or why not (a channel where a user is
// expected).
struct Rendered {
  std::string json;
  std::string error;  // empty when json is set
};
Rendered render(const ResolvedPeer& peer, PeerTarget target);
std::string_view kind_name(const ResolvedPeer& peer);  // "user" | "chat" | "channel"

// From a user / chat / channel object (tgd's JSON form): its peer with the hash when it is a full
// (non-min) object; nullopt for anything else.
std::optional<ResolvedPeer> peer_from_object(const simdjson::dom::element& object);

struct UsernameRef {
  std::string username;  // without '@'
};
struct PeerMiss {
  std::string why;  // -32007
};
struct NotAReference {
  std::string why;  // -32602
};
struct PassThrough {};  // already an object of the target type (or something the codec will judge)
using Classified = std::variant<ResolvedPeer, UsernameRef, PeerMiss, NotAReference, PassThrough>;

class PeerClassifier {
 public:
  // `store` may be null (then only self-contained references resolve without the network).
  PeerClassifier(const tl::Schema& schema, store::Store* store) : schema_(schema), store_(store) {}

  // `target` null: every form resolves (getInfo); else an object of that type passes through.
  Classified classify(const simdjson::dom::element& value, std::string_view session,
                      std::optional<std::int64_t> self_id, const tl::Type* target) const;

  // A cached peer by (kind, id): a full access hash is needed for users and channels.
  Classified from_cache(std::string_view session, store::PeerKind kind, std::int64_t id,
                        std::optional<std::int64_t> self_id) const;
  std::optional<ResolvedPeer> from_cache_by_username(std::string_view session,
                                                     std::string_view username) const;

  // "name" from "@name", "name", "t.me/name", "https://t.me/name"; nullopt if it is not a username.
  static std::optional<std::string> username_of(std::string_view text);

 private:
  Classified classify_object(const simdjson::dom::element& value, std::string_view session,
                             std::optional<std::int64_t> self_id, const tl::Type* target, int depth) const;

  const tl::Schema& schema_;
  store::Store* store_;
};

}  // namespace tgd::rpc::methods
