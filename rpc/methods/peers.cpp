#include "rpc/methods/peers.hpp"

#include <algorithm>
#include <charconv>

#include "protocol/tl/json_fields.hpp"
#include "rpc/methods/json_builder.hpp"

namespace tgd::rpc::methods {

using simdjson::dom::element;
using store::PeerKind;

namespace {

constexpr std::int64_t kChannelBase = 1'000'000'000'000;  // -(kChannelBase + id): a channel's Bot-API id
constexpr std::int64_t kMaxChatId = 999'999'999'999;
constexpr int kMaxDepth = 6;

std::string_view string_field(const element& object, std::string_view key) {
  std::string_view value;
  return object[key].get(value) == simdjson::SUCCESS ? value : std::string_view{};
}

bool flag(const element& object, std::string_view key) {
  bool value = false;
  return object[key].get(value) == simdjson::SUCCESS && value;
}

std::optional<std::int64_t> parse_int64(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool ieq(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

std::string quote_reference(const element& value) {
  std::string text = simdjson::minify(value);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

std::string username_from(const element& object) {
  std::string_view u = string_field(object, "username");
  if (!u.empty()) return std::string(u);
  simdjson::dom::array usernames;
  if (object["usernames"].get(usernames) == simdjson::SUCCESS) {
    for (element entry : usernames) {
      if (flag(entry, "active")) return std::string(string_field(entry, "username"));
    }
  }
  return {};
}

}  // namespace

std::optional<PeerTarget> peer_target(std::string_view type_name) {
  if (type_name == "InputPeer") return PeerTarget::InputPeer;
  if (type_name == "InputUser") return PeerTarget::InputUser;
  if (type_name == "InputChannel") return PeerTarget::InputChannel;
  if (type_name == "InputDialogPeer") return PeerTarget::InputDialogPeer;
  if (type_name == "InputNotifyPeer") return PeerTarget::InputNotifyPeer;
  return std::nullopt;
}

std::string_view to_string(PeerTarget target) {
  switch (target) {
    case PeerTarget::InputPeer:
      return "InputPeer";
    case PeerTarget::InputUser:
      return "InputUser";
    case PeerTarget::InputChannel:
      return "InputChannel";
    case PeerTarget::InputDialogPeer:
      return "InputDialogPeer";
    case PeerTarget::InputNotifyPeer:
      return "InputNotifyPeer";
  }
  return "?";
}

std::int64_t bot_api_id(PeerKind kind, std::int64_t id) {
  switch (kind) {
    case PeerKind::User:
      return id;
    case PeerKind::Chat:
      return -id;
    case PeerKind::Channel:
      return -(kChannelBase + id);
  }
  return id;
}

std::optional<std::pair<PeerKind, std::int64_t>> from_bot_api_id(std::int64_t id) {
  if (id > 0) return std::pair{PeerKind::User, id};
  if (id < 0 && id >= -kMaxChatId) return std::pair{PeerKind::Chat, -id};
  if (id < -kChannelBase && id >= -(kChannelBase + 3'000'000'000'000))
    return std::pair{PeerKind::Channel, -id - kChannelBase};
  return std::nullopt;
}

std::string_view kind_name(const ResolvedPeer& peer) {
  switch (peer.kind) {
    case ResolvedPeer::Kind::Self:
    case ResolvedPeer::Kind::User:
      return "user";
    case ResolvedPeer::Kind::Chat:
      return "chat";
    case ResolvedPeer::Kind::Channel:
      return "channel";
  }
  return "user";
}

Rendered render(const ResolvedPeer& p, PeerTarget target) {
  using K = ResolvedPeer::Kind;
  const std::string id = tl::json_quoted(std::to_string(p.id));
  const std::string hash = tl::json_quoted(std::to_string(p.access_hash));
  switch (target) {
    case PeerTarget::InputPeer:
      switch (p.kind) {
        case K::Self:
          return {R"({"_":"inputPeerSelf"})", {}};
        case K::User:
          return {R"({"_":"inputPeerUser","user_id":)" + id + R"(,"access_hash":)" + hash + "}", {}};
        case K::Chat:
          return {R"({"_":"inputPeerChat","chat_id":)" + id + "}", {}};
        case K::Channel:
          return {R"({"_":"inputPeerChannel","channel_id":)" + id + R"(,"access_hash":)" + hash + "}", {}};
      }
      break;
    case PeerTarget::InputUser:
      if (p.kind == K::Self) return {R"({"_":"inputUserSelf"})", {}};
      if (p.kind == K::User)
        return {R"({"_":"inputUser","user_id":)" + id + R"(,"access_hash":)" + hash + "}", {}};
      break;
    case PeerTarget::InputDialogPeer:
    case PeerTarget::InputNotifyPeer: {
      Rendered inner = render(p, PeerTarget::InputPeer);
      const bool dialog = target == PeerTarget::InputDialogPeer;
      inner.json =
          std::string(dialog ? R"({"_":"inputDialogPeer","peer":)" : R"({"_":"inputNotifyPeer","peer":)") +
          inner.json + "}";
      return inner;
    }
    case PeerTarget::InputChannel:
      if (p.kind == K::Channel)
        return {R"({"_":"inputChannel","channel_id":)" + id + R"(,"access_hash":)" + hash + "}", {}};
      break;
  }
  return {{},
          "it is a " + std::string(kind_name(p)) + ", not what " + std::string(to_string(target)) + " takes"};
}

std::optional<ResolvedPeer> peer_from_object(const element& o) {
  const std::string_view name = string_field(o, "_");
  ResolvedPeer p;
  if (name == "user") {
    p.kind = ResolvedPeer::Kind::User;
  } else if (name == "chat" || name == "chatForbidden" || name == "chatEmpty") {
    p.kind = ResolvedPeer::Kind::Chat;
  } else if (name == "channel" || name == "channelForbidden") {
    p.kind = ResolvedPeer::Kind::Channel;
  } else {
    return std::nullopt;
  }
  const auto id = tl::int64_field(o, "id");
  if (!id) return std::nullopt;
  p.id = *id;
  if (p.kind != ResolvedPeer::Kind::Chat) {
    const auto hash = tl::int64_field(o, "access_hash");
    if (!hash || flag(o, "min")) return std::nullopt;  // a min hash is no good for input peers
    p.access_hash = *hash;
  }
  p.username = username_from(o);
  if (p.kind == ResolvedPeer::Kind::User) {
    std::string full(string_field(o, "first_name"));
    const std::string_view last = string_field(o, "last_name");
    if (!last.empty()) full += (full.empty() ? "" : " ") + std::string(last);
    p.name = std::move(full);
  } else {
    p.name = std::string(string_field(o, "title"));
  }
  p.object = simdjson::minify(o);
  return p;
}

std::optional<std::string> PeerClassifier::username_of(std::string_view text) {
  for (std::string_view prefix : {"https://", "http://"}) {
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  }
  for (std::string_view prefix : {"t.me/", "telegram.me/", "@"}) {
    if (text.starts_with(prefix)) {
      text.remove_prefix(prefix.size());
      break;
    }
  }
  // Telegram's rule: 4..32 of [A-Za-z0-9_], starting with a letter (shorter ones exist for
  // collectible usernames, so allow from 3).
  if (text.size() < 3 || text.size() > 32) return std::nullopt;
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(text[0])) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(),
                   [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '_'; }))
    return std::nullopt;
  return std::string(text);
}

Classified PeerClassifier::from_cache(std::string_view session, PeerKind kind, std::int64_t id,
                                      std::optional<std::int64_t> self_id) const {
  ResolvedPeer p;
  p.id = id;
  if (kind == PeerKind::Chat) {  // basic chats need no access hash
    p.kind = ResolvedPeer::Kind::Chat;
    if (store_ != nullptr) {
      if (auto row = store_->find_peer(session, kind, id)) p.username = row->username;
    }
    return p;
  }
  p.kind = kind == PeerKind::User ? ResolvedPeer::Kind::User : ResolvedPeer::Kind::Channel;
  std::optional<store::PeerRow> row;
  if (store_ != nullptr) row = store_->find_peer(session, kind, id);
  if (row && !row->min) {
    p.access_hash = row->access_hash;
    p.username = row->username;
    return p;
  }
  if (kind == PeerKind::User && self_id && *self_id == id) {
    p.kind = ResolvedPeer::Kind::Self;
    return p;
  }
  const std::string what = kind == PeerKind::User ? "user " : "channel ";
  return PeerMiss{what + std::to_string(id) + " is not in session '" + std::string(session) +
                  "''s peer cache" + (row ? " (only a min access hash is known)" : "") +
                  "; refer to it by @username, or by an object carrying its access_hash"};
}

std::optional<ResolvedPeer> PeerClassifier::from_cache_by_username(std::string_view session,
                                                                   std::string_view username) const {
  if (store_ == nullptr) return std::nullopt;
  auto row = store_->find_peer_by_username(session, username);
  if (!row || row->min) return std::nullopt;
  ResolvedPeer p;
  p.kind = row->kind == PeerKind::User   ? ResolvedPeer::Kind::User
           : row->kind == PeerKind::Chat ? ResolvedPeer::Kind::Chat
                                         : ResolvedPeer::Kind::Channel;
  p.id = row->id;
  p.access_hash = row->access_hash;
  p.username = row->username;
  return p;
}

Classified PeerClassifier::classify(const element& value, std::string_view session,
                                    std::optional<std::int64_t> self_id, const tl::Type* target) const {
  std::int64_t number = 0;
  std::string_view text;
  if (value.get(number) == simdjson::SUCCESS || (value.get(text) == simdjson::SUCCESS && parse_int64(text))) {
    if (value.is_string()) number = *parse_int64(text);
    const auto id = from_bot_api_id(number);
    if (!id) return NotAReference{std::to_string(number) + " is not a Bot-API peer id"};
    return from_cache(session, id->first, id->second, self_id);
  }
  if (value.is_string()) {
    if (ieq(text, "me") || ieq(text, "self")) {
      ResolvedPeer p;
      p.kind = ResolvedPeer::Kind::Self;
      p.id = self_id.value_or(0);
      return p;
    }
    auto username = username_of(text);
    if (!username) {
      return NotAReference{"\"" + std::string(text) +
                           "\" is not a peer reference (\"me\", \"@username\", a Bot-API id, or an object)"};
    }
    if (auto cached = from_cache_by_username(session, *username)) return std::move(*cached);
    return UsernameRef{std::move(*username)};
  }
  if (value.is_object()) return classify_object(value, session, self_id, target, 0);
  if (value.is_null()) return PassThrough{};
  return NotAReference{quote_reference(value) + " is not a peer reference"};
}

Classified PeerClassifier::classify_object(const element& o, std::string_view session,
                                           std::optional<std::int64_t> self_id, const tl::Type* target,
                                           int depth) const {
  const std::string_view name = string_field(o, "_");
  if (name.empty()) return PassThrough{};
  if (target != nullptr) {
    const tl::Combinator* c = schema_.find(name);
    if (c != nullptr && !c->is_function && c->result.kind == tl::Kind::Boxed &&
        &schema_.types()[c->result.index] == target)
      return PassThrough{};  // already what the parameter takes
  }
  const auto id_at = [&](std::string_view key) { return tl::int64_field(o, key); };
  // Peers and input forms.
  if (name == "peerUser" || name == "peerChat" || name == "peerChannel") {
    const PeerKind kind = name == "peerUser"   ? PeerKind::User
                          : name == "peerChat" ? PeerKind::Chat
                                               : PeerKind::Channel;
    const auto id = id_at(kind == PeerKind::User   ? "user_id"
                          : kind == PeerKind::Chat ? "chat_id"
                                                   : "channel_id");
    if (!id) return NotAReference{std::string(name) + " without its id"};
    return from_cache(session, kind, *id, self_id);
  }
  if (name == "inputPeerSelf" || name == "inputUserSelf") {
    ResolvedPeer p;
    p.kind = ResolvedPeer::Kind::Self;
    p.id = self_id.value_or(0);
    return p;
  }
  if (name == "inputPeerUser" || name == "inputUser" || name == "inputPeerChannel" ||
      name == "inputChannel") {
    const bool user = name == "inputPeerUser" || name == "inputUser";
    const auto id = id_at(user ? "user_id" : "channel_id");
    const auto hash = id_at("access_hash");
    if (!id || !hash) return NotAReference{std::string(name) + " without its id or access_hash"};
    ResolvedPeer p;
    p.kind = user ? ResolvedPeer::Kind::User : ResolvedPeer::Kind::Channel;
    p.id = *id;
    p.access_hash = *hash;
    if (store_ != nullptr) {
      if (auto row = store_->find_peer(session, user ? PeerKind::User : PeerKind::Channel, *id))
        p.username = row->username;
    }
    return p;
  }
  if (name == "inputPeerChat") {
    const auto id = id_at("chat_id");
    if (!id) return NotAReference{"inputPeerChat without its chat_id"};
    return from_cache(session, PeerKind::Chat, *id, self_id);
  }
  // Objects: the hash they carry, else the cache.
  if (name == "user" || name == "userEmpty" || name == "chat" || name == "chatForbidden" ||
      name == "chatEmpty" || name == "channel" || name == "channelForbidden") {
    if (auto p = peer_from_object(o)) {
      if (flag(o, "self")) p->kind = ResolvedPeer::Kind::Self;
      return std::move(*p);
    }
    const auto id = id_at("id");
    if (!id) return NotAReference{std::string(name) + " without its id"};
    const PeerKind kind = name.starts_with("user")   ? PeerKind::User
                          : name.starts_with("chat") ? PeerKind::Chat
                                                     : PeerKind::Channel;
    return from_cache(session, kind, *id, self_id);
  }
  // Containers: a message's chat, an update's message, a dialog's peer.
  if (depth < kMaxDepth) {
    for (std::string_view key : {"peer_id", "message", "peer"}) {
      element inner;
      if (o[key].get(inner) == simdjson::SUCCESS && inner.is_object())
        return classify_object(inner, session, self_id, target, depth + 1);
    }
  }
  if (target == nullptr) return NotAReference{"a \"" + std::string(name) + "\" object names no peer"};
  return PassThrough{};  // the codec says what is wrong with it
}

}  // namespace tgd::rpc::methods
