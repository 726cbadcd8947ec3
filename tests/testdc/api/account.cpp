// account.*: 2FA password (real SRP, facts §6.2) and the username.
#include "protocol/base/base64.hpp"
#include "protocol/crypto/random.hpp"
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

std::optional<ApiError> check_srp(Account& a, simdjson::dom::element input) {
  if (!a.password || constructor(input) != "inputCheckPasswordSRP")
    return error(400, "PASSWORD_HASH_INVALID");
  if (!a.srp_attempt || param_int(input, "srp_id") != a.srp_attempt->srp_id)
    return error(400, "SRP_ID_INVALID");
  if (!srp_verify(*a.password, *a.srp_attempt, param_bytes(input, "A"), param_bytes(input, "M1"))) {
    return error(400, "PASSWORD_HASH_INVALID");
  }
  return std::nullopt;
}

namespace {

std::string b64(ByteSpan data) { return jstr(base64_encode(data)); }

std::string algo_json(ByteSpan salt1, ByteSpan salt2) {
  return R"({"_":"passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow","salt1":)" + b64(salt1) +
         R"(,"salt2":)" + b64(salt2) + R"(,"g":)" + std::to_string(kSrpG) + R"(,"p":)" + b64(srp_prime()) +
         "}";
}

Reply get_password(Call& c) {
  // Also served to a key between SESSION_PASSWORD_NEEDED and auth.checkPassword.
  Account* a = nullptr;
  if (auto id = c.world.password_pending(c.ctx.dc, c.ctx.auth_key_id)) a = c.world.find_account(*id);
  if (!a) {
    if (auto e = c.require_user()) return *e;
    a = c.self;
  }
  std::string out = R"({"_":"account.password")";
  if (a->password) {
    a->srp_attempt = srp_new_attempt(*a->password);
    out += R"(,"has_password":true,"current_algo":)" + algo_json(a->password->salt1, a->password->salt2) +
           R"(,"srp_B":)" + b64(a->srp_attempt->challenge.srp_b) + R"(,"srp_id":)" +
           long_str(a->srp_attempt->srp_id);
    if (!a->password->hint.empty()) out += R"(,"hint":)" + jstr(a->password->hint);
  }
  const SrpNewAlgo fresh = srp_new_algo();
  out += R"(,"new_algo":)" + algo_json(fresh.salt1, fresh.salt2);
  out += R"(,"new_secure_algo":{"_":"securePasswordKdfAlgoPBKDF2HMACSHA512iter100000","salt":)" +
         b64(crypto::random_bytes(8)) + "}";
  out += R"(,"secure_random":)" + b64(crypto::random_bytes(256)) + "}";
  return out;
}

Reply update_password_settings(Call& c) {
  if (auto e = c.require_user()) return *e;
  Account& a = *c.self;
  simdjson::dom::element current = c.params["password"].value();
  if (a.password) {
    if (auto e = check_srp(a, current)) return *e;
  } else if (constructor(current) != "inputCheckPasswordEmpty") {
    return error(400, "PASSWORD_HASH_INVALID");
  }
  simdjson::dom::element settings = c.params["new_settings"].value();
  if (!param_has(settings, "new_algo")) return error(400, "NEW_SETTINGS_EMPTY");
  simdjson::dom::element algo = settings["new_algo"].value();
  const Bytes hash = param_bytes(settings, "new_password_hash");
  if (constructor(algo) == "passwordKdfAlgoUnknown") {
    // Removing the password: the unknown algorithm and an empty hash.
    if (!hash.empty()) return error(400, "NEW_SETTINGS_INVALID");
    a.password.reset();
    a.srp_attempt.reset();
    return std::string("true");
  }
  const Bytes salt1 = param_bytes(algo, "salt1");
  const Bytes salt2 = param_bytes(algo, "salt2");
  const Bytes p = param_bytes(algo, "p");
  if (param_int(algo, "g") != kSrpG || p != Bytes(srp_prime().begin(), srp_prime().end()) ||
      salt1.size() < 32 || salt2.empty()) {
    return error(400, "NEW_SALT_INVALID");
  }
  auto verifier = srp_accept_verifier(hash);
  if (!verifier) return error(400, "NEW_SETTINGS_INVALID");
  std::string hint =
      param_has(settings, "hint") ? std::string(param_string(settings, "hint")) : std::string();
  a.password = SrpPassword{salt1, salt2, std::move(*verifier), std::move(hint)};
  a.srp_attempt.reset();
  return std::string("true");
}

Reply update_username(Call& c) {
  if (auto e = c.require_user()) return *e;
  const std::string_view username = param_string(c.params, "username");
  if (username == c.self->username) return error(400, "USERNAME_NOT_MODIFIED");
  if (!username.empty()) {
    if (!valid_username(username)) return error(400, "USERNAME_INVALID");
    const Account* holder = c.world.find_by_username(username);
    if ((holder && holder != c.self) || c.world.find_channel_by_username(username)) {
      return error(400, "USERNAME_OCCUPIED");
    }
  }
  c.self->username = std::string(username);
  return user_json(c.world, c.self->id, *c.self);
}

}  // namespace

void register_account(Handlers& h) {
  h["account.getPassword"] = get_password;
  h["account.updatePasswordSettings"] = update_password_settings;
  h["account.updateUsername"] = update_username;
}

}  // namespace tgd::testdc::api
