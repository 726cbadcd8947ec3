#include "rpc/methods/errors.hpp"

#include <array>

#include "daemon/session/rpc_error_kind.hpp"
#include "rpc/methods/json_builder.hpp"

namespace tgd::rpc::methods {

std::optional<ErrorNumber> error_number(std::string_view message) {
  // The number is the message's last "_"-separated part.
  const auto underscore = message.rfind('_');
  if (underscore == std::string_view::npos) return std::nullopt;
  const std::string_view prefix = message.substr(0, underscore + 1);
  const auto value = session::error_suffix(message, prefix);
  if (!value) return std::nullopt;
  static constexpr std::array<std::string_view, 3> kSeconds{"_WAIT_", "_TOO_FRESH_", "_DELAY_"};
  for (std::string_view s : kSeconds) {
    if (prefix.ends_with(s)) return ErrorNumber{"seconds", *value};
  }
  if (prefix.ends_with("_MIGRATE_")) return ErrorNumber{"dc", *value};
  return std::nullopt;
}

Error to_rpc_error(const session::CallError& e, std::string_view method, std::string_view session) {
  using Kind = session::CallError::Kind;
  JsonObject data;
  data.str("method", method);
  switch (e.kind) {
    case Kind::Rpc:
    case Kind::FloodWait: {
      data.boolean("telegram", true);
      if (e.kind == Kind::FloodWait) {
        data.num("seconds", e.wait_seconds);
      } else if (auto n = error_number(e.message)) {
        data.num(n->field, n->value);
      }
      return Error{e.code, e.message, data.done()};
    }
    case Kind::LoggedOut: {
      if (!session.empty()) data.str("session", session);
      data.str("reason", e.message);
      std::string message = "logged out";
      if (!session.empty()) message = "session '" + std::string(session) + "' is logged out";
      if (!e.message.empty()) message += " (" + e.message + ")";
      message += "; log in again (botLogin or phoneLogin)";
      return Error{codes::kNotLoggedIn, std::move(message), data.done()};
    }
    case Kind::Failed: {
      int code = codes::kUnavailable;
      if (e.message == "timeout") code = codes::kTimeout;
      if (e.message == "cancelled") code = codes::kCancelled;
      return Error{code, std::string(method) + ": " + e.message, data.done()};
    }
    case Kind::BadInput:
      return Error{codes::kInvalidParams, e.message, data.done()};
  }
  return Error{codes::kInternalError, e.message, data.done()};
}

Error method_not_found(std::string message, std::string_view suggestion) {
  if (suggestion.empty()) return Error{codes::kMethodNotFound, std::move(message), {}};
  message += "; did you mean " + std::string(suggestion) + "?";
  return Error{codes::kMethodNotFound, std::move(message), JsonObject().str("suggestion", suggestion).done()};
}

}  // namespace tgd::rpc::methods
