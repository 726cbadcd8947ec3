// auth.*: phone logins with the test-number conventions, sign-up, bot logins, 2FA check, log-out,
// export/import of an authorization to another DC (README: accounts and logins).
#include "protocol/base/base64.hpp"
#include "protocol/base/hex.hpp"
#include "protocol/crypto/random.hpp"
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

// "+999 66 2 1234" -> "9996621234": clients pass numbers with or without '+' and spacing.
std::string normalize_phone(std::string_view phone) {
  std::string out;
  for (char ch : phone) {
    if (ch >= '0' && ch <= '9') {
      out += ch;
    } else if (ch != '+' && ch != ' ' && ch != '-' && ch != '(' && ch != ')') {
      return {};
    }
  }
  return out;
}

// The phone's DC, or the error: PHONE_NUMBER_INVALID, or 303 PHONE_MIGRATE_X from another DC.
std::variant<int, ApiError> phone_dc(Call& c, const std::string& phone) {
  const int dc = test_phone_dc(phone, c.world.dc_count());
  if (dc == 0) return error(400, "PHONE_NUMBER_INVALID");
  if (dc != c.ctx.dc) return error(303, "PHONE_MIGRATE_" + std::to_string(dc));
  return dc;
}

std::optional<ApiError> check_api_id(simdjson::dom::element params) {
  if (param_int(params, "api_id") <= 0 || param_string(params, "api_hash").empty()) {
    return error(400, "API_ID_INVALID");
  }
  return std::nullopt;
}

// The pending code of auth.signIn/signUp, or the error for a missing or stale phone_code_hash.
std::variant<World::PendingCode*, ApiError> pending_code(Call& c, const std::string& phone) {
  const std::string_view hash = param_string(c.params, "phone_code_hash");
  if (hash.empty()) return error(400, "PHONE_CODE_HASH_EMPTY");
  auto& codes = c.world.pending_codes();
  auto it = codes.find(phone);
  if (it == codes.end() || it->second.hash != hash) return error(400, "PHONE_CODE_EXPIRED");
  return &it->second;
}

Reply logged_in(Call& c, const Account& a) {
  c.world.authorize(c.ctx.dc, c.ctx.auth_key_id, a.id);
  return authorization_json(c.world, a);
}

Reply send_code(Call& c) {
  const std::string phone = normalize_phone(param_string(c.params, "phone_number"));
  auto dc = phone_dc(c, phone);
  if (auto* e = std::get_if<ApiError>(&dc)) return *e;
  if (auto e = check_api_id(c.params)) return *e;
  std::string hash = to_hex(crypto::random_bytes(9));
  c.world.pending_codes()[phone] = World::PendingCode{hash, false};
  return R"({"_":"auth.sentCode","type":{"_":"auth.sentCodeTypeApp","length":5},"phone_code_hash":)" +
         jstr(hash) + "}";
}

Reply sign_in(Call& c) {
  const std::string phone = normalize_phone(param_string(c.params, "phone_number"));
  auto dc = phone_dc(c, phone);
  if (auto* e = std::get_if<ApiError>(&dc)) return *e;
  auto pending = pending_code(c, phone);
  if (auto* e = std::get_if<ApiError>(&pending)) return *e;
  if (!param_has(c.params, "phone_code") || param_string(c.params, "phone_code").empty()) {
    return error(400, "PHONE_CODE_EMPTY");
  }
  if (param_string(c.params, "phone_code") != test_phone_code(std::get<int>(dc))) {
    return error(400, "PHONE_CODE_INVALID");
  }
  Account* account = c.world.find_by_phone(phone);
  if (!account) {
    std::get<World::PendingCode*>(pending)->verified = true;
    return std::string(R"({"_":"auth.authorizationSignUpRequired"})");
  }
  c.world.pending_codes().erase(phone);
  if (account->password) {
    c.world.set_password_pending(c.ctx.dc, c.ctx.auth_key_id, account->id);
    return error(401, "SESSION_PASSWORD_NEEDED");
  }
  return logged_in(c, *account);
}

// Telegram trims names and caps them at 64 characters.
std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

Reply sign_up(Call& c) {
  const std::string phone = normalize_phone(param_string(c.params, "phone_number"));
  auto dc = phone_dc(c, phone);
  if (auto* e = std::get_if<ApiError>(&dc)) return *e;
  auto pending = pending_code(c, phone);
  if (auto* e = std::get_if<ApiError>(&pending)) return *e;
  // The code is checked by auth.signIn (which answered authorizationSignUpRequired).
  if (!std::get<World::PendingCode*>(pending)->verified) return error(400, "PHONE_CODE_EMPTY");
  if (c.world.find_by_phone(phone)) return error(400, "PHONE_NUMBER_OCCUPIED");
  std::string first = trimmed(param_string(c.params, "first_name"));
  std::string last = trimmed(param_string(c.params, "last_name"));
  if (first.empty() || first.size() > 64) return error(400, "FIRST_NAME_INVALID");
  if (last.size() > 64) return error(400, "LASTNAME_INVALID");
  c.world.pending_codes().erase(phone);
  return logged_in(c, c.world.new_user(phone, std::move(first), std::move(last)));
}

Reply import_bot_authorization(Call& c) {
  if (auto e = check_api_id(c.params)) return *e;
  auto token = parse_bot_token(param_string(c.params, "bot_auth_token"));
  if (!token) return error(400, "ACCESS_TOKEN_INVALID");
  Account* bot = c.world.find_account(token->bot_id);
  if (!bot) {
    // The first login creates the bot; its home DC is the DC it logged in on.
    const std::string full = std::to_string(token->bot_id) + ":" + token->secret;
    bot = &c.world.create_bot(full, c.ctx.dc, "Test bot " + std::to_string(token->bot_id));
  }
  if (!bot->bot || bot->bot_secret != token->secret) return error(400, "ACCESS_TOKEN_INVALID");
  if (bot->home_dc != c.ctx.dc) return error(303, "USER_MIGRATE_" + std::to_string(bot->home_dc));
  return logged_in(c, *bot);
}

// The account of a key that is logged in, or that passed the code step of a 2FA account.
Account* password_account(Call& c) {
  if (auto id = c.world.password_pending(c.ctx.dc, c.ctx.auth_key_id)) return c.world.find_account(*id);
  if (auto id = c.world.authorized_user(c.ctx.dc, c.ctx.auth_key_id)) return c.world.find_account(*id);
  return nullptr;
}

Reply check_password(Call& c) {
  Account* account = password_account(c);
  if (!account) return error(401, "AUTH_KEY_UNREGISTERED");
  if (auto e = check_srp(*account, c.params["password"].value())) return *e;
  account->srp_attempt.reset();
  return logged_in(c, *account);
}

Reply log_out(Call& c) {
  if (auto e = c.require_account()) return *e;
  c.world.log_out(c.ctx.dc, c.ctx.auth_key_id);
  return std::string(R"({"_":"auth.loggedOut"})");
}

Reply export_authorization(Call& c) {
  if (auto e = c.require_account()) return *e;
  const std::int64_t dc = param_int(c.params, "dc_id");
  if (dc < 1 || dc > c.world.dc_count() || dc == c.ctx.dc) return error(400, "DC_ID_INVALID");
  std::int64_t id = 0;
  while (id == 0 || c.world.exported().count(id)) id = static_cast<std::int64_t>(crypto::random_u64());
  World::ExportedAuth exported{c.self->id, static_cast<int>(dc), crypto::random_bytes(64)};
  std::string reply = R"({"_":"auth.exportedAuthorization","id":)" + long_str(id) + R"(,"bytes":)" +
                      jstr(base64_encode(exported.bytes)) + "}";
  c.world.exported()[id] = std::move(exported);
  return reply;
}

Reply import_authorization(Call& c) {
  auto& exported = c.world.exported();
  auto it = exported.find(param_int(c.params, "id"));
  if (it == exported.end() || it->second.dc != c.ctx.dc ||
      it->second.bytes != param_bytes(c.params, "bytes")) {
    return error(400, "AUTH_BYTES_INVALID");
  }
  Account* account = c.world.find_account(it->second.user_id);
  if (!account) return error(400, "AUTH_BYTES_INVALID");
  return logged_in(c, *account);
}

}  // namespace

void register_auth(Handlers& h) {
  h["auth.sendCode"] = send_code;
  h["auth.signIn"] = sign_in;
  h["auth.signUp"] = sign_up;
  h["auth.importBotAuthorization"] = import_bot_authorization;
  h["auth.checkPassword"] = check_password;
  h["auth.logOut"] = log_out;
  h["auth.exportAuthorization"] = export_authorization;
  h["auth.importAuthorization"] = import_authorization;
}

}  // namespace tgd::testdc::api
