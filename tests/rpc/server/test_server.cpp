#include "tests/rpc/server/test_server.hpp"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cstring>
#include <future>
#include <stdexcept>
#include <thread>

#include "protocol/net/asio.hpp"

namespace tgd::rpc::test {

namespace asio = boost::asio;

namespace {

long first_number(std::string_view params) {
  std::size_t i = params.find_first_of("0123456789");
  return i == std::string_view::npos ? 0 : std::strtol(std::string(params.substr(i)).c_str(), nullptr, 10);
}

class FakeHandler final : public MethodHandler {
 public:
  explicit FakeHandler(Counters& counters) : counters_(counters) {}

  asio::awaitable<Outcome> call(const Request& request, std::shared_ptr<Caller> caller) override {
    if (request.method == "echo") co_return request.params;
    if (request.method == "sleep") {
      ++counters_.started;
      asio::steady_timer timer(co_await asio::this_coro::executor,
                               std::chrono::milliseconds(first_number(request.params)));
      auto [ec] = co_await timer.async_wait(net::as_tuple_awaitable);
      if (ec) {
        ++counters_.cancelled;
        co_return Error{codes::kCancelled, "cancelled", {}};
      }
      ++counters_.completed;
      co_return std::string("true");
    }
    if (request.method == "fail") co_return Error{42, "it failed", R"({"why":"asked"})"};
    if (request.method == "throw") throw std::runtime_error("boom");
    if (request.method == "big") {
      std::string text(static_cast<std::size_t>(first_number(request.params)) + 2, 'x');
      text.front() = text.back() = '"';
      co_return text;
    }
    if (request.method == "push") {
      for (long i = 0; i < first_number(request.params); ++i) {
        if (!caller->notify(R"({"jsonrpc":"2.0","method":"tick","params":[)" + std::to_string(i) + "]}"))
          ++counters_.notifications_refused;
      }
      co_return std::string("true");
    }
    co_return Error{codes::kMethodNotFound, "method not found: " + request.method, {}};
  }

 private:
  Counters& counters_;
};

template <typename F>
auto on_io(asio::io_context& io, F f) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  asio::post(io, [&task] { task(); });
  return result.get();
}

}  // namespace

struct TestServer::Impl {
  explicit Impl(ServerOptions options)
      : handler(counters), server(io.get_executor(), std::move(options), handler) {}
  Counters counters;
  asio::io_context io;
  FakeHandler handler;
  RpcServer server;
  std::thread thread;
  bool running = false;
};

TestServer::TestServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

TestServer::~TestServer() { stop(); }

std::optional<std::string> TestServer::start() {
  auto error = impl_->server.start();
  if (error) return error;
  impl_->running = true;
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return std::nullopt;
}

void TestServer::stop() {
  if (!impl_->running) return;
  impl_->running = false;
  asio::post(impl_->io, [this] { impl_->server.stop(); });
  impl_->thread.join();  // run() returns once the stopped server's work is done
}

std::optional<std::string> TestServer::adopt_unix(int fd) { return impl_->server.adopt_unix_listener(fd); }

std::optional<std::string> TestServer::reconfigure(ServerOptions options) {
  if (!impl_->running) return impl_->server.reconfigure(std::move(options));
  return on_io(impl_->io, [&] { return impl_->server.reconfigure(std::move(options)); });
}

std::string TestServer::unix_path() { return impl_->server.unix_path(); }
std::uint16_t TestServer::port() { return impl_->server.tcp_port().value_or(0); }
Stats TestServer::stats() {
  if (!impl_->running) return impl_->server.stats();
  return on_io(impl_->io, [this] { return impl_->server.stats(); });
}
Counters& TestServer::counters() { return impl_->counters; }

std::string temp_dir() {
  char pattern[] = "/tmp/tgd-rpc-test-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

ServerOptions test_options(bool unix_socket, bool tcp) {
  ServerOptions options;
  if (unix_socket) options.unix_path = temp_dir() + "/tgd.sock";
  if (tcp) {
    options.tcp_port = 0;
    options.token = "t0ken";
  }
  return options;
}

LineClient::LineClient(const std::string& path) {
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

LineClient::~LineClient() { close(); }

void LineClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void LineClient::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

void LineClient::send(std::string_view line) {
  std::string text(line);
  text += '\n';
  send_raw(text);
}

void LineClient::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::optional<std::string> LineClient::read_line(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

bool LineClient::closed_by_server(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

}  // namespace tgd::rpc::test
