#pragma once
// The bearer token every TCP client (HTTP, WebSocket) must present. Generated on first start into a
// 0600 file in the state directory unless configured, then reused, so scripts can read it.
#include <filesystem>
#include <string>
#include <variant>

namespace tgd::app {

struct TokenError {
  std::string message;  // names the file and the cause; never the token
};

// The token in `file` (first line, trimmed); when the file does not exist, a new random token
// (32 bytes, hex) is written there with mode 0600. A file readable by group or others is refused:
// the token would not be a secret.
std::variant<std::string, TokenError> load_or_create_token(const std::filesystem::path& file);

}  // namespace tgd::app
