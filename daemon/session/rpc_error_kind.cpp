#include "daemon/session/rpc_error_kind.hpp"

#include <array>
#include <charconv>

namespace tgd::session {

std::optional<std::int32_t> error_suffix(std::string_view message, std::string_view prefix) {
  if (!message.starts_with(prefix)) return std::nullopt;
  const std::string_view digits = message.substr(prefix.size());
  if (digits.empty() || digits.size() > 9 || digits[0] < '0' || digits[0] > '9') return std::nullopt;
  std::int32_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

ErrorClass classify_rpc_error(std::int32_t code, std::string_view message) {
  struct Rule {
    std::string_view prefix;
    ErrorAction action;
  };
  static constexpr std::array<Rule, 9> kSuffixed{{
      {"FLOOD_WAIT_", ErrorAction::FloodWait},
      {"FLOOD_PREMIUM_WAIT_", ErrorAction::FloodWait},
      {"FLOOD_TEST_PHONE_WAIT_", ErrorAction::FloodWait},
      {"SLOWMODE_WAIT_", ErrorAction::FloodWait},
      {"PHONE_MIGRATE_", ErrorAction::MigrateMain},
      {"NETWORK_MIGRATE_", ErrorAction::MigrateMain},
      {"USER_MIGRATE_", ErrorAction::MigrateMain},
      {"FILE_MIGRATE_", ErrorAction::RouteCall},
      {"STATS_MIGRATE_", ErrorAction::RouteCall},
  }};
  for (const Rule& rule : kSuffixed) {
    if (auto value = error_suffix(message, rule.prefix)) {
      if (rule.action == ErrorAction::FloodWait) return {rule.action, *value == 0 ? 1 : *value};
      if (*value <= 0) return {};  // a migration to no DC: nothing sensible to do
      return {rule.action, *value};
    }
  }
  if (message == "AUTH_KEY_UNREGISTERED" || message == "SESSION_REVOKED" || message == "SESSION_EXPIRED" ||
      message.starts_with("USER_DEACTIVATED")) {
    return {ErrorAction::LoggedOut, 0};
  }
  if (message == "AUTH_KEY_DUPLICATED") return {ErrorAction::KeyDuplicated, 0};
  // A 500 that a retry with the same random_id only repeats: the first transmission got through
  // (its answer was lost with a connection) and the message exists.
  if (message == "RANDOM_ID_DUPLICATE") return {};
  if (code == -503 || code >= 500 || code == -500) return {ErrorAction::Retry, 0};
  return {};
}

}  // namespace tgd::session
