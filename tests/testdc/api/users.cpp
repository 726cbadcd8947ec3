// users.*: users by InputUser (access hashes checked per viewer).
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

Reply get_users(Call& c) {
  if (auto e = c.require_account()) return *e;
  std::string out = "[";
  const simdjson::dom::array ids = c.params["id"].get_array().value();
  for (simdjson::dom::element input : ids) {
    auto user = resolve_input_user(c, input);
    if (auto* e = std::get_if<ApiError>(&user)) return *e;
    if (out.size() > 1) out += ",";
    out += user_json(c.world, c.self->id, *std::get<Account*>(user));
  }
  return out + "]";
}

Reply get_full_user(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto user = resolve_input_user(c, c.params["id"].value());
  if (auto* e = std::get_if<ApiError>(&user)) return *e;
  const Account& a = *std::get<Account*>(user);
  std::string full = R"({"_":"userFull","id":)" + long_str(a.id);
  if (a.bot) full += R"(,"about":"A bot of the local test DC")";
  full +=
      R"(,"settings":{"_":"peerSettings"},"notify_settings":{"_":"peerNotifySettings"},"common_chats_count":0})";
  return R"({"_":"users.userFull","full_user":)" + full + R"(,"chats":[],"users":[)" +
         user_json(c.world, c.self->id, a) + "]}";
}

}  // namespace

void register_users(Handlers& h) {
  h["users.getUsers"] = get_users;
  h["users.getFullUser"] = get_full_user;
}

}  // namespace tgd::testdc::api
