#pragma once
// A running RpcServer for socket-level tests: its own io_context on a background thread, a fake
// MethodHandler, and blocking clients (UNIX socket lines) to talk to it.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "rpc/server/rpc_server.hpp"

namespace tgd::rpc::test {

// Methods of the fake handler:
//   echo [params] -> params           sleep [ms] -> true (counts completions and cancellations)
//   fail -> error 42 with data         throw -> an exception (-32603)
//   big [n] -> a string of n bytes     push [n] -> true after n notify() calls ("tick" notifications)
//   anything else -> -32601
struct Counters {
  std::atomic<int> started{0}, completed{0}, cancelled{0}, notifications_refused{0};
};

class TestServer {
 public:
  explicit TestServer(ServerOptions options);
  ~TestServer();
  // Starts the server and its thread; the error from RpcServer::start() if any.
  std::optional<std::string> start();
  void stop();
  // RpcServer::adopt_unix_listener (before start) and RpcServer::reconfigure (on the server's thread).
  std::optional<std::string> adopt_unix(int fd);
  std::optional<std::string> reconfigure(ServerOptions options);

  std::string unix_path();
  std::uint16_t port();
  Stats stats();
  Counters& counters();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A fresh directory under /tmp, removed by the caller (or left; tests use few).
std::string temp_dir();
// Options with a UNIX socket in a fresh directory and a TCP port with token "t0ken".
ServerOptions test_options(bool unix_socket = true, bool tcp = false);

// A blocking NDJSON client of the UNIX socket.
class LineClient {
 public:
  explicit LineClient(const std::string& path);
  ~LineClient();
  bool connected() const { return fd_ >= 0; }
  void send(std::string_view line);  // appends '\n'
  void send_raw(std::string_view bytes);
  // The next line, or nullopt on timeout or when the server closed the connection.
  std::optional<std::string> read_line(int timeout_ms = 5000);
  // True when the server closes the connection (EOF) within the timeout (unread lines skipped).
  bool closed_by_server(int timeout_ms = 5000);
  void shutdown_write();
  void close();

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace tgd::rpc::test
