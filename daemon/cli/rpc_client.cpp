#include "daemon/cli/rpc_client.hpp"

#include <poll.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "protocol/tl/json_out.hpp"

namespace tgd::cli {

std::variant<RpcClient, std::string> RpcClient::connect(const std::filesystem::path& socket_path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = socket_path.string();
  if (path.size() >= sizeof(address.sun_path)) return "socket path too long: " + path;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket(): ") + std::strerror(errno);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd);
    return "cannot connect to tgd at " + path + ": " + std::strerror(error) +
           (error == ENOENT || error == ECONNREFUSED ? " (is the daemon running? see --socket)" : "");
  }
  return RpcClient(fd);
}

RpcClient::RpcClient(RpcClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), next_id_(other.next_id_), buffer_(std::move(other.buffer_)) {}

RpcClient& RpcClient::operator=(RpcClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    next_id_ = other.next_id_;
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

RpcClient::~RpcClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::variant<RpcReply, TransportFailure> RpcClient::call(std::string_view method, std::string_view params,
                                                         std::chrono::milliseconds timeout) {
  {
    // Caught here, with a message about the argument, rather than as the server's parse error.
    simdjson::dom::parser parser;
    simdjson::dom::element parsed;
    if (parser.parse(params.data(), params.size()).get(parsed) != simdjson::SUCCESS ||
        !(parsed.is_object() || parsed.is_array()))
      return RpcReply{RpcError{-32700, "params: not a JSON object or array", {}, false}};
  }
  const std::uint64_t id = next_id_++;
  std::string request = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":)" +
                        tl::json_quoted(method) + R"(,"params":)" + std::string(params) + "}\n";
  last_request_ = request.substr(0, request.size() - 1);
  last_response_.clear();
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return TransportFailure{std::string("lost the connection to tgd while sending: ") +
                              std::strerror(errno)};
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      const std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      last_response_ = line;
      simdjson::dom::parser parser;
      simdjson::dom::element reply;
      if (parser.parse(line).get(reply) != simdjson::SUCCESS)
        return TransportFailure{"tgd sent something that is not JSON"};
      // One request at a time: a reply with a null id is the server refusing ours (-32700/-32600).
      std::uint64_t reply_id = 0;
      const bool null_id = reply["id"].is_null();
      if (!null_id && (reply["id"].get(reply_id) != simdjson::SUCCESS || reply_id != id))
        continue;  // not ours
      simdjson::dom::element result, error;
      if (reply["result"].get(result) == simdjson::SUCCESS) return RpcReply{simdjson::minify(result)};
      if (reply["error"].get(error) != simdjson::SUCCESS)
        return TransportFailure{"tgd's reply has neither result nor error"};
      RpcError e;
      std::int64_t code = 0;
      std::string_view message;
      if (error["code"].get(code) == simdjson::SUCCESS) e.code = static_cast<int>(code);
      if (error["message"].get(message) == simdjson::SUCCESS) e.message = std::string(message);
      simdjson::dom::element data;
      if (error["data"].get(data) == simdjson::SUCCESS) {
        e.data = simdjson::minify(data);
        bool telegram = false;
        e.telegram = data["telegram"].get(telegram) == simdjson::SUCCESS && telegram;
      }
      return RpcReply{std::move(e)};
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return TransportFailure{std::string("no reply from tgd in time")};
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1'000'000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return TransportFailure{std::string("tgd closed the connection")};
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> with_session(std::string_view params, std::string_view session) {
  std::size_t open = params.find_first_not_of(" \t\r\n");
  if (open == std::string_view::npos || params[open] != '{') return std::nullopt;
  const std::size_t next = params.find_first_not_of(" \t\r\n", open + 1);
  const bool empty = next != std::string_view::npos && params[next] == '}';
  std::string out(params.substr(0, open + 1));
  out += R"("session":)" + tl::json_quoted(session) + (empty ? "" : ",");
  out += params.substr(open + 1);
  return out;
}

}  // namespace tgd::cli
