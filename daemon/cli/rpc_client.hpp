#pragma once
// tgd's own JSON-RPC client for the command line (tgd call / login / status): one blocking UNIX
// socket connection, one request at a time. It runs in the short-lived CLI process, never in the
// daemon, so blocking I/O is what it should be.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tgd::cli {

struct RpcError {
  int code = 0;
  std::string message;
  std::string data;  // raw JSON, or empty
  // A Telegram rpc_error passed through (data.telegram == true), as opposed to one of tgd's own.
  bool telegram = false;
};

// The result as raw JSON text, or the error.
using RpcReply = std::variant<std::string, RpcError>;

// The daemon could not be asked: not running, went away, or answered something that is not JSON-RPC.
struct TransportFailure {
  std::string message;
};

class RpcClient {
 public:
  // Connects to the daemon's UNIX socket; an error message names the path and the cause.
  static std::variant<RpcClient, std::string> connect(const std::filesystem::path& socket);
  RpcClient(RpcClient&&) noexcept;
  RpcClient& operator=(RpcClient&&) noexcept;
  ~RpcClient();

  // One request (params: a JSON object or array as text).
  std::variant<RpcReply, TransportFailure> call(std::string_view method, std::string_view params,
                                                std::chrono::milliseconds timeout = std::chrono::minutes(5));

  // The last request and response lines exactly as exchanged (for tgd call --raw).
  const std::string& last_request() const { return last_request_; }
  const std::string& last_response() const { return last_response_; }

 private:
  explicit RpcClient(int fd) : fd_(fd) {}
  int fd_ = -1;
  std::uint64_t next_id_ = 1;
  std::string buffer_;  // bytes read past the last reply line
  std::string last_request_, last_response_;
};

// `params` with "session": name added (params must be a JSON object), or nullopt if it is not one.
std::optional<std::string> with_session(std::string_view params, std::string_view session);

}  // namespace tgd::cli
