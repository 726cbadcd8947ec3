// contacts.*: username resolution (users and channels, case-insensitive).
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

Reply resolve_username(Call& c) {
  if (auto e = c.require_account()) return *e;
  const std::string_view username = param_string(c.params, "username");
  if (!valid_username(username)) return error(400, "USERNAME_INVALID");
  if (const Account* a = c.world.find_by_username(username)) {
    return R"({"_":"contacts.resolvedPeer","peer":)" + peer_json(PeerRef{PeerRef::Kind::kUser, a->id}) +
           R"(,"chats":[],"users":[)" + user_json(c.world, c.self->id, *a) + "]}";
  }
  if (const Channel* ch = c.world.find_channel_by_username(username)) {
    return R"({"_":"contacts.resolvedPeer","peer":)" + peer_json(PeerRef{PeerRef::Kind::kChannel, ch->id}) +
           R"(,"chats":[)" + channel_json(c.world, c.self->id, *ch) + R"(],"users":[]})";
  }
  return error(400, "USERNAME_NOT_OCCUPIED");
}

}  // namespace

void register_contacts(Handlers& h) { h["contacts.resolveUsername"] = resolve_username; }

}  // namespace tgd::testdc::api
