#include "tests/testdc/control_socket.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <list>

#include "protocol/net/asio.hpp"
#include "tests/testdc/control_commands.hpp"
#include "tests/testdc/test_dc.hpp"

namespace tgd::testdc {

using namespace tgd::net;
using unix_socket = asio::local::stream_protocol::socket;

namespace {
constexpr std::size_t kMaxLine = 1 << 20;
}

struct ControlSocket::Impl : std::enable_shared_from_this<Impl> {
  asio::io_context& io;
  ControlCommands commands;
  asio::local::stream_protocol::acceptor acceptor;
  std::string path;
  std::list<std::shared_ptr<unix_socket>> clients;

  Impl(asio::io_context& io_context, TestDc& dc) : io(io_context), commands(dc), acceptor(io_context) {}

  awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(as_tuple_awaitable);
      if (ec) co_return;
      auto client = std::make_shared<unix_socket>(std::move(socket));
      clients.push_back(client);
      asio::co_spawn(io, serve(client), asio::detached);
    }
  }

  awaitable<void> serve(std::shared_ptr<unix_socket> client) {
    auto self = shared_from_this();
    std::string buffer;
    while (true) {
      auto [ec, n] = co_await asio::async_read_until(*client, asio::dynamic_buffer(buffer, kMaxLine), '\n',
                                                     as_tuple_awaitable);
      if (ec) break;
      std::string line = buffer.substr(0, n - 1);
      buffer.erase(0, n);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      // The answer may come later (a flood): wait for it before reading the next command.
      struct Pending {
        std::optional<std::string> answer;
        asio::steady_timer wake;
      };
      auto pending = std::make_shared<Pending>(Pending{std::nullopt, asio::steady_timer(io)});
      pending->wake.expires_at(asio::steady_timer::time_point::max());
      commands.execute(line, [pending](std::string answer) {
        pending->answer = std::move(answer);
        pending->wake.cancel();
      });
      if (!pending->answer) co_await pending->wake.async_wait(as_tuple_awaitable);
      if (!pending->answer) break;
      *pending->answer += '\n';
      auto [write_ec, written] =
          co_await asio::async_write(*client, asio::buffer(*pending->answer), as_tuple_awaitable);
      if (write_ec) break;
    }
    error_code ignored;
    client->close(ignored);
    clients.remove(client);
  }
};

ControlSocket::ControlSocket(asio::io_context& io, TestDc& dc) : impl_(std::make_shared<Impl>(io, dc)) {}

ControlSocket::~ControlSocket() { stop(); }

std::optional<std::string> ControlSocket::start(const std::string& path) {
  std::error_code fs_ec;
  if (std::filesystem::is_socket(path, fs_ec)) std::filesystem::remove(path, fs_ec);
  error_code ec;
  impl_->acceptor.open(asio::local::stream_protocol(), ec);
  // Created 0600 (umask) and chmod'ed again: nobody else may drive the test DC.
  const mode_t old_mask = ::umask(0177);
  if (!ec) impl_->acceptor.bind(asio::local::stream_protocol::endpoint(path), ec);
  ::umask(old_mask);
  if (!ec) ::chmod(path.c_str(), 0600);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "control socket " + path + ": " + ec.message();
  impl_->path = path;
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  return std::nullopt;
}

void ControlSocket::stop() {
  error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& client : impl_->clients) client->close(ignored);
  if (!impl_->path.empty()) {
    std::error_code fs_ec;
    std::filesystem::remove(impl_->path, fs_ec);
    impl_->path.clear();
  }
}

}  // namespace tgd::testdc
