// Session: the login flows of facts §6 — bot token, phone code, 2FA (SRP), sign-up, logout.
// Secrets are never logged: bot tokens by their bot id only, phone numbers masked
// (protocol/base/redact.hpp), codes and passwords not at all.
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/thread_pool.hpp>
#include <cctype>

#include "daemon/session/session.hpp"
#include "protocol/base/base64.hpp"
#include "protocol/base/redact.hpp"
#include "protocol/crypto/srp.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/tl/json_fields.hpp"
#include "protocol/tl/json_out.hpp"

namespace tgd::session {

using net::awaitable;

namespace {

std::string api_credentials(const ConnectionParams& p) {
  return R"("api_id":)" + std::to_string(p.api_id) + R"(,"api_hash":)" + tl::json_quoted(p.api_hash);
}

std::string_view constructor(const simdjson::dom::element& e) {
  std::string_view name;
  return e["_"].get(name) == simdjson::SUCCESS ? name : std::string_view{};
}

bool is_error(const CallError& e, std::string_view message) {
  return e.kind == CallError::Kind::Rpc && e.message == message;
}

// What account.getPassword says, decoded for the SRP proof.
struct PasswordChallenge {
  Bytes salt1, salt2, p, srp_b;
  std::int32_t g = 0;
  std::string srp_id;
};

std::optional<PasswordChallenge> read_challenge(const simdjson::dom::element& password) {
  PasswordChallenge c;
  simdjson::dom::element algo;
  std::string_view salt1, salt2, p, srp_b, srp_id;
  std::int64_t g = 0;
  if (password["current_algo"].get(algo) != simdjson::SUCCESS ||
      constructor(algo) != "passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow" ||
      algo["salt1"].get(salt1) || algo["salt2"].get(salt2) || algo["p"].get(p) || algo["g"].get(g) ||
      password["srp_B"].get(srp_b) || password["srp_id"].get(srp_id))
    return std::nullopt;
  auto s1 = base64_decode(salt1), s2 = base64_decode(salt2), pp = base64_decode(p), b = base64_decode(srp_b);
  if (!s1 || !s2 || !pp || !b) return std::nullopt;
  c.salt1 = std::move(*s1);
  c.salt2 = std::move(*s2);
  c.p = std::move(*pp);
  c.srp_b = std::move(*b);
  c.g = static_cast<std::int32_t>(g);
  c.srp_id = std::string(srp_id);
  return c;
}

}  // namespace

CallError Session::wrong_state(std::string_view what) const {
  return CallError{CallError::Kind::BadInput, 0,
                   std::string(what) + " (session '" + name_ + "' is " + std::string(to_string(state_)) + ")",
                   0};
}

Session::LoginResult Session::logged_in(const std::string& authorization_json, std::string kind) {
  simdjson::dom::parser parser;
  simdjson::dom::element root, user;
  std::optional<std::int64_t> id;
  if (parser.parse(authorization_json).get(root) == simdjson::SUCCESS &&
      root["user"].get(user) == simdjson::SUCCESS)
    id = tl::int64_field(user, "id");
  if (!id) return CallError{CallError::Kind::Failed, 0, "login answer without a user", 0};
  bool bot = false;
  if (user["bot"].get(bot) == simdjson::SUCCESS && bot) kind = "bot";
  self_user_id_ = *id;
  kind_ = std::move(kind);
  phone_.clear();
  phone_code_hash_.clear();
  spdlog::info("session {}: logged in as {} {} on DC {}", name_, kind_, *id, invoker_->main_dc());
  set_state(SessionState::Ready);
  return SessionState::Ready;
}

awaitable<Session::LoginResult> Session::login_call(std::string_view method, std::string params,
                                                    std::string kind) {
  const auto self = shared_from_this();  // calls may outlive the session's owner
  JsonResult r = co_await call(method, params);
  if (auto* error = std::get_if<CallError>(&r)) {
    if (is_error(*error, "SESSION_PASSWORD_NEEDED")) {
      spdlog::info("session {}: the account has a 2FA password; waiting for it", name_);
      set_state(SessionState::WaitingPassword);
      co_return SessionState::WaitingPassword;
    }
    co_return std::move(*error);
  }
  const std::string& json = std::get<std::string>(r);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS)
    co_return CallError{CallError::Kind::Failed, 0, "unreadable login answer", 0};
  const std::string_view what = constructor(root);
  if (what == "auth.authorization") co_return logged_in(json, std::move(kind));
  if (what == "auth.authorizationSignUpRequired") {
    set_state(SessionState::WaitingSignUp);
    co_return SessionState::WaitingSignUp;
  }
  if (what == "auth.sentCode") {
    std::string_view hash;
    if (root["phone_code_hash"].get(hash) != simdjson::SUCCESS)
      co_return CallError{CallError::Kind::Failed, 0, "auth.sentCode without phone_code_hash", 0};
    phone_code_hash_ = std::string(hash);
    if (spdlog::should_log(spdlog::level::info))
      spdlog::info("session {}: a login code was sent to {}; waiting for it", name_, mask_phone(phone_));
    set_state(SessionState::WaitingCode);
    co_return SessionState::WaitingCode;
  }
  if (what == "auth.sentCodeSuccess") {
    simdjson::dom::element authorization;
    if (root["authorization"].get(authorization) == simdjson::SUCCESS)
      co_return logged_in(simdjson::minify(authorization), std::move(kind));
  }
  co_return CallError{CallError::Kind::Failed, 0, "unexpected login answer " + std::string(what), 0};
}

awaitable<Session::LoginResult> Session::bot_login(std::string token) {
  const auto self = shared_from_this();  // calls may outlive the session's owner
  if (state_ == SessionState::Ready) co_return wrong_state("already logged in; log out first");
  if (spdlog::should_log(spdlog::level::info))
    spdlog::info("session {}: logging in with the bot token {}", name_, mask_bot_token(token));
  const std::string params = R"({"flags":0,)" + api_credentials(invoker_->params()) +
                             R"(,"bot_auth_token":)" + tl::json_quoted(token) + "}";
  co_return co_await login_call("auth.importBotAuthorization", params, "bot");
}

awaitable<Session::LoginResult> Session::phone_login(std::string phone) {
  const auto self = shared_from_this();  // calls may outlive the session's owner
  if (state_ == SessionState::Ready) co_return wrong_state("already logged in; log out first");
  std::erase_if(phone, [](char c) { return c == ' ' || c == '-' || c == '(' || c == ')'; });
  if (phone.starts_with('+')) phone.erase(0, 1);
  if (phone.empty() || phone.size() > 20 ||
      !std::all_of(phone.begin(), phone.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
    co_return CallError{CallError::Kind::BadInput, 0, "phone: digits expected, e.g. +9996621234", 0};
  phone_ = phone;
  phone_code_hash_.clear();
  if (spdlog::should_log(spdlog::level::info))
    spdlog::info("session {}: asking for a login code for {}", name_, mask_phone(phone));
  const std::string params = R"({"phone_number":)" + tl::json_quoted(phone) + "," +
                             api_credentials(invoker_->params()) + R"(,"settings":{"_":"codeSettings"}})";
  co_return co_await login_call("auth.sendCode", params, "user");
}

awaitable<Session::LoginResult> Session::complete_phone_login(std::string code) {
  const auto self = shared_from_this();  // calls may outlive the session's owner
  if (state_ != SessionState::WaitingCode) co_return wrong_state("no login code expected");
  if (spdlog::should_log(spdlog::level::info))
    spdlog::info("session {}: signing in as {} with the code received", name_, mask_phone(phone_));
  const std::string params = R"({"phone_number":)" + tl::json_quoted(phone_) + R"(,"phone_code_hash":)" +
                             tl::json_quoted(phone_code_hash_) + R"(,"phone_code":)" + tl::json_quoted(code) +
                             "}";
  co_return co_await login_call("auth.signIn", params, "user");
}

awaitable<Session::LoginResult> Session::complete_signup(std::string first_name, std::string last_name) {
  const auto self = shared_from_this();  // calls may outlive the session's owner
  if (state_ != SessionState::WaitingSignUp) co_return wrong_state("no sign-up expected");
  if (first_name.empty()) co_return CallError{CallError::Kind::BadInput, 0, "first_name: required", 0};
  const std::string params = R"({"phone_number":)" + tl::json_quoted(phone_) + R"(,"phone_code_hash":)" +
                             tl::json_quoted(phone_code_hash_) + R"(,"first_name":)" +
                             tl::json_quoted(first_name) + R"(,"last_name":)" + tl::json_quoted(last_name) +
                             "}";
  co_return co_await login_call("auth.signUp", params, "user");
}

awaitable<Session::LoginResult> Session::complete_2fa(std::string password) {
  const auto self = shared_from_this();  // calls may outlive the session's owner
  if (state_ != SessionState::WaitingPassword) co_return wrong_state("no 2FA password expected");
  spdlog::info("session {}: checking the 2FA password (SRP)", name_);
  JsonResult r = co_await call("account.getPassword", "{}");
  if (auto* error = std::get_if<CallError>(&r)) co_return std::move(*error);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::optional<PasswordChallenge> challenge;
  if (parser.parse(std::get<std::string>(r)).get(root) == simdjson::SUCCESS) challenge = read_challenge(root);
  if (!challenge)
    co_return CallError{CallError::Kind::Failed, 0, "account.getPassword: no usable SRP challenge", 0};

  // PBKDF2 with 100000 iterations takes tens of milliseconds: off the event loop when there is a pool.
  auto prove = [&password, &challenge]() -> std::optional<crypto::SrpClientProof> {
    const auto hash = crypto::srp_password_hash(as_bytes(password), challenge->salt1, challenge->salt2);
    return crypto::srp_client_proof(hash, {challenge->salt1, challenge->salt2, challenge->g, challenge->p},
                                    challenge->srp_b);
  };
  std::optional<crypto::SrpClientProof> proof;
  if (context_.cpu != nullptr) {
    proof = co_await net::asio::co_spawn(
        *context_.cpu, [&]() -> awaitable<std::optional<crypto::SrpClientProof>> { co_return prove(); },
        net::use_awaitable);
  } else {
    proof = prove();
  }
  if (!proof)
    co_return CallError{CallError::Kind::Failed, 0, "the server's SRP parameters fail the checks", 0};
  const std::string params = R"({"password":{"_":"inputCheckPasswordSRP","srp_id":")" + challenge->srp_id +
                             R"(","A":")" + base64_encode(proof->a) + R"(","M1":")" +
                             base64_encode(proof->m1) + R"("}})";
  co_return co_await login_call("auth.checkPassword", params, "user");
}

awaitable<Session::LoginResult> Session::logout() {
  const auto self = shared_from_this();  // calls may outlive the session's owner
  if (state_ == SessionState::LoggedOut) co_return SessionState::LoggedOut;
  if (state_ == SessionState::Ready) {
    JsonResult r = co_await call("auth.logOut", "{}");
    if (auto* error = std::get_if<CallError>(&r)) {
      // Already logged out on Telegram's side: the local state follows.
      if (error->kind != CallError::Kind::LoggedOut && !is_error(*error, "AUTH_KEY_UNREGISTERED"))
        co_return std::move(*error);
    }
  }
  phone_.clear();
  phone_code_hash_.clear();
  if (state_ != SessionState::LoggedOut) set_state(SessionState::LoggedOut, "logged out by request");
  co_return SessionState::LoggedOut;
}

}  // namespace tgd::session
