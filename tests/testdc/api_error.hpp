#pragma once
// An rpc_error the test DC answers: Telegram's code and message.
#include <cstdint>
#include <string>

namespace tgd::testdc {

struct ApiError {
  std::int32_t code = 400;
  std::string message;
  friend bool operator==(const ApiError&, const ApiError&) = default;
};

}  // namespace tgd::testdc
