#pragma once
// What an rpc_error asks the caller to do (facts §5.2). The message is what counts; the code is a
// hint. The Invoker acts on this: wait and retry, switch DC, retry with backoff, or log out.
#include <cstdint>
#include <optional>
#include <string_view>

namespace tgd::session {

enum class ErrorAction : std::uint8_t {
  None,           // the caller's business (bad input, a missing peer, ...)
  FloodWait,      // FLOOD_WAIT_X, FLOOD_PREMIUM_WAIT_X, FLOOD_TEST_PHONE_WAIT_X, SLOWMODE_WAIT_X: wait X s
  MigrateMain,    // PHONE_MIGRATE_X, NETWORK_MIGRATE_X, USER_MIGRATE_X: X becomes the main DC, repeat there
  RouteCall,      // FILE_MIGRATE_X, STATS_MIGRATE_X: repeat this call on DC X
  Retry,          // -503 Timeout, 500 INTERNAL and other 5xx: bounded retries with backoff
  LoggedOut,      // AUTH_KEY_UNREGISTERED, SESSION_REVOKED, SESSION_EXPIRED, USER_DEACTIVATED*
  KeyDuplicated,  // AUTH_KEY_DUPLICATED: the key is dead; a new one and a new login are needed
};

struct ErrorClass {
  ErrorAction action = ErrorAction::None;
  // Seconds to wait (FloodWait; 0 is treated as 1, as Telethon does) or the DC (Migrate/Route).
  std::int32_t value = 0;
};

ErrorClass classify_rpc_error(std::int32_t code, std::string_view message);

// The integer after `prefix` in "PREFIX_123", when the rest of the message is exactly digits.
std::optional<std::int32_t> error_suffix(std::string_view message, std::string_view prefix);

}  // namespace tgd::session
