#include <charconv>

#include "protocol/base/base64.hpp"

#include "protocol/tl/json_out.hpp"
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

std::optional<ApiError> Call::require_account() {
  if (auto id = world.authorized_user(ctx.dc, ctx.auth_key_id)) {
    self = world.find_account(*id);
    if (self) return std::nullopt;
  }
  if (world.take_revoked(ctx.dc, ctx.auth_key_id)) return error(401, "SESSION_REVOKED");
  return error(401, "AUTH_KEY_UNREGISTERED");
}

std::optional<ApiError> Call::require_user() {
  if (auto e = require_account()) return e;
  if (self->bot) return error(400, "BOT_METHOD_INVALID");
  return std::nullopt;
}

std::string_view param_string(simdjson::dom::element e, std::string_view key) {
  return e[key].get_string().value();
}

std::int64_t param_int(simdjson::dom::element e, std::string_view key) {
  simdjson::dom::element v = e[key].value();
  if (v.is_string()) {
    std::string_view s = v.get_string().value();
    std::int64_t out = 0;
    std::from_chars(s.data(), s.data() + s.size(), out);
    return out;
  }
  return v.get_int64().value();
}

bool param_has(simdjson::dom::element e, std::string_view key) {
  simdjson::dom::element v;
  return e[key].get(v) == simdjson::SUCCESS && !v.is_null();
}

bool param_flag(simdjson::dom::element e, std::string_view key) {
  simdjson::dom::element v;
  if (e[key].get(v) != simdjson::SUCCESS) return false;
  bool b = false;
  return v.get(b) == simdjson::SUCCESS && b;
}

Bytes param_bytes(simdjson::dom::element e, std::string_view key) {
  auto decoded = base64_decode(param_string(e, key));
  return decoded ? std::move(*decoded) : Bytes{};
}

std::vector<int> param_int_list(simdjson::dom::element e, std::string_view key) {
  std::vector<int> out;
  const simdjson::dom::array list = e[key].get_array().value();
  for (simdjson::dom::element v : list) out.push_back(static_cast<int>(v.get_int64().value()));
  return out;
}

std::string_view constructor(simdjson::dom::element e) { return e["_"].get_string().value(); }

std::variant<PeerRef, ApiError> resolve_input_peer(Call& c, simdjson::dom::element peer) {
  const std::string_view kind = constructor(peer);
  if (kind == "inputPeerSelf") return PeerRef{PeerRef::Kind::kUser, c.self->id};
  if (kind == "inputPeerUser") {
    const PeerRef ref{PeerRef::Kind::kUser, param_int(peer, "user_id")};
    if (c.world.find_account(ref.id) &&
        param_int(peer, "access_hash") == c.world.access_hash(c.self->id, ref)) {
      return ref;
    }
    return error(400, "PEER_ID_INVALID");
  }
  if (kind == "inputPeerChannel") {
    const PeerRef ref{PeerRef::Kind::kChannel, param_int(peer, "channel_id")};
    if (c.world.find_channel(ref.id) &&
        param_int(peer, "access_hash") == c.world.access_hash(c.self->id, ref)) {
      return ref;
    }
    return error(400, "CHANNEL_INVALID");
  }
  return error(400, "PEER_ID_INVALID");
}

std::variant<Account*, ApiError> resolve_input_user(Call& c, simdjson::dom::element user) {
  const std::string_view kind = constructor(user);
  if (kind == "inputUserSelf") return c.self;
  if (kind == "inputUser") {
    const PeerRef ref{PeerRef::Kind::kUser, param_int(user, "user_id")};
    Account* a = c.world.find_account(ref.id);
    if (a && param_int(user, "access_hash") == c.world.access_hash(c.self->id, ref)) return a;
  }
  return error(400, "USER_ID_INVALID");
}

std::variant<Channel*, ApiError> resolve_input_channel(Call& c, simdjson::dom::element channel) {
  if (constructor(channel) == "inputChannel") {
    const PeerRef ref{PeerRef::Kind::kChannel, param_int(channel, "channel_id")};
    Channel* ch = c.world.find_channel(ref.id);
    if (ch && param_int(channel, "access_hash") == c.world.access_hash(c.self->id, ref)) return ch;
  }
  return error(400, "CHANNEL_INVALID");
}

std::string jstr(std::string_view s) { return tl::json_quoted(s); }
std::string long_str(std::int64_t v) { return "\"" + std::to_string(v) + "\""; }

std::string peer_json(PeerRef peer) {
  if (peer.kind == PeerRef::Kind::kChannel)
    return R"({"_":"peerChannel","channel_id":)" + long_str(peer.id) + "}";
  return R"({"_":"peerUser","user_id":)" + long_str(peer.id) + "}";
}

std::string user_json(World& w, std::int64_t viewer, const Account& a) {
  std::string out = R"({"_":"user")";
  if (a.id == viewer) out += R"(,"self":true)";
  if (a.bot) out += R"(,"bot":true)";
  out += R"(,"id":)" + long_str(a.id);
  out += R"(,"access_hash":)" + long_str(w.access_hash(viewer, PeerRef{PeerRef::Kind::kUser, a.id}));
  out += R"(,"first_name":)" + jstr(a.first_name);
  if (!a.last_name.empty()) out += R"(,"last_name":)" + jstr(a.last_name);
  if (!a.username.empty()) out += R"(,"username":)" + jstr(a.username);
  // Telegram shows the phone number to the account itself (and to contacts, which do not exist here).
  if (!a.bot && a.id == viewer) out += R"(,"phone":)" + jstr(a.phone);
  if (!a.bot) out += R"(,"status":{"_":"userStatusRecently"})";
  if (a.bot) out += R"(,"bot_info_version":1)";
  out += "}";
  return out;
}

std::string channel_json(World& w, std::int64_t viewer, const Channel& ch) {
  std::string out = R"({"_":"channel")";
  if (ch.creator == viewer) out += R"(,"creator":true)";
  if (!ch.members.count(viewer)) out += R"(,"left":true)";
  out += ch.broadcast ? R"(,"broadcast":true)" : R"(,"megagroup":true)";
  out += R"(,"id":)" + long_str(ch.id);
  out += R"(,"access_hash":)" + long_str(w.access_hash(viewer, PeerRef{PeerRef::Kind::kChannel, ch.id}));
  out += R"(,"title":)" + jstr(ch.title);
  if (!ch.username.empty()) out += R"(,"username":)" + jstr(ch.username);
  out += R"(,"photo":{"_":"chatPhotoEmpty"},"date":)" + std::to_string(ch.date);
  if (ch.creator == viewer) {
    out += R"(,"admin_rights":{"_":"chatAdminRights","change_info":true,"post_messages":true,)"
           R"("edit_messages":true,"delete_messages":true,"ban_users":true,"invite_users":true,)"
           R"("pin_messages":true,"add_admins":true,"manage_call":true,"other":true})";
  }
  out += R"(,"participants_count":)" + std::to_string(ch.members.size()) + "}";
  return out;
}

std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if ((b & 0xc0) != 0x80) n += b >= 0xf0 ? 2 : 1;
  }
  return n;
}

std::string message_json(World& w, const Message& m, std::int64_t viewer) {
  std::string out = m.channel_created ? R"({"_":"messageService")" : R"({"_":"message")";
  if (m.peer.kind == PeerRef::Kind::kChannel ? m.author == viewer : m.out) out += R"(,"out":true)";
  if (m.silent) out += R"(,"silent":true)";
  if (m.post) out += R"(,"post":true)";
  out += R"(,"id":)" + std::to_string(m.id);
  // Private chats carry no from_id (the dialog and `out` say who wrote it); groups name the sender.
  if (m.from_id != 0) {
    out += R"(,"from_id":)" + peer_json(PeerRef{PeerRef::Kind::kUser, m.from_id});
  }
  out += R"(,"peer_id":)" + peer_json(m.peer);
  out += R"(,"date":)" + std::to_string(m.date);
  if (m.edit_date) out += R"(,"edit_date":)" + std::to_string(m.edit_date);
  if (m.channel_created) {
    out += R"(,"action":{"_":"messageActionChannelCreate","title":)" + jstr(*m.channel_created) + "}}";
  } else {
    out += R"(,"message":)" + jstr(m.text);
    if (m.media_id != 0) {
      const Media* media = w.files().find_media(m.media_kind, m.media_id);
      out += R"(,"media":)" +
             (media ? message_media_json(w, *media, viewer) : R"({"_":"messageMediaUnsupported"})");
    }
    if (!m.entities.empty()) out += R"(,"entities":)" + m.entities;
    out += "}";
  }
  return out;
}

std::string users_json(World& w, std::int64_t viewer, const std::set<std::int64_t>& ids) {
  std::string out = "[";
  for (auto id : ids) {
    if (const Account* a = w.find_account(id)) {
      if (out.size() > 1) out += ",";
      out += user_json(w, viewer, *a);
    }
  }
  return out + "]";
}

std::string chats_json(World& w, std::int64_t viewer, const std::set<std::int64_t>& channel_ids) {
  std::string out = "[";
  for (auto id : channel_ids) {
    if (const Channel* ch = w.find_channel(id)) {
      if (out.size() > 1) out += ",";
      out += channel_json(w, viewer, *ch);
    }
  }
  return out + "]";
}

void collect_peers(const Message& m, std::set<std::int64_t>& users, std::set<std::int64_t>& channels) {
  (m.peer.kind == PeerRef::Kind::kChannel ? channels : users).insert(m.peer.id);
  if (m.from_id) users.insert(m.from_id);
}

std::string authorization_json(World& w, const Account& a) {
  return R"({"_":"auth.authorization","user":)" + user_json(w, a.id, a) + "}";
}

}  // namespace tgd::testdc::api
