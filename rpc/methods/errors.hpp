#pragma once
// How the outcome of a session call becomes a JSON-RPC error (rpc/jsonrpc/method_handler.hpp):
//
//   CallError::Kind::Rpc        code and message are Telegram's (400 PEER_ID_INVALID, 303 ...);
//                               data {"method","telegram":true} plus the number the message carries:
//                               "seconds" (FLOOD_WAIT_X, SLOWMODE_WAIT_X, ..._TOO_FRESH_X, ..._DELAY_X)
//                               or "dc" (PHONE/USER/NETWORK/FILE/STATS_MIGRATE_X)
//   CallError::Kind::FloodWait  the same, "seconds" from the Invoker
//   CallError::Kind::LoggedOut  -32001, data {"method","session","reason"}
//   CallError::Kind::Failed     "timeout" -32002, "cancelled" -32003, anything else -32004
//   CallError::Kind::BadInput   -32602, the message names the JSON path
#include <optional>
#include <string>
#include <string_view>

#include "daemon/session/invoker.hpp"
#include "rpc/jsonrpc/method_handler.hpp"

namespace tgd::rpc::methods {

Error to_rpc_error(const session::CallError& error, std::string_view method, std::string_view session = {});

// The number an rpc_error message carries, by what it means: {"seconds", X} or {"dc", X}.
struct ErrorNumber {
  std::string_view field;
  std::int32_t value = 0;
};
std::optional<ErrorNumber> error_number(std::string_view message);

inline Error invalid_params(std::string message) {
  return Error{codes::kInvalidParams, std::move(message), {}};
}
Error method_not_found(std::string message, std::string_view suggestion = {});

}  // namespace tgd::rpc::methods
