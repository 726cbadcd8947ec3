// A UNIX socket client: newline-delimited JSON, one request or batch per line, one answer per line.
#include <poll.h>

#include <cstring>
#include <vector>

#include "rpc/server/connection.hpp"

namespace tgd::rpc {

namespace {

using unix_socket = asio::local::stream_protocol::socket;

constexpr std::size_t kReadChunk = 64 << 10;

bool blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

class UnixConnection final : public Connection {
 public:
  UnixConnection(std::shared_ptr<ServerState> state, unix_socket socket)
      : Connection(std::move(state), Framing::Newline), socket_(std::move(socket)) {}

  void start() {
    auto self = std::static_pointer_cast<UnixConnection>(shared_from_this());
    asio::co_spawn(state_->executor, read_loop(self), asio::detached);
    asio::co_spawn(state_->executor, write_loop(self), asio::detached);
    asio::co_spawn(state_->executor, idle_watch(self), asio::detached);
  }

 private:
  void close_transport() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  // The peer closed its side: gone entirely (POLLHUP: cancel its calls), or only done sending
  // (`... | socat - UNIX-CONNECT:...`): answer what it sent, then close.
  void on_end_of_input() {
    pollfd fd{socket_.native_handle(), POLLIN, 0};
    if (::poll(&fd, 1, 0) == 1 && (fd.revents & (POLLHUP | POLLERR))) {
      close();
    } else {
      input_finished();
    }
  }

  awaitable<void> read_loop(std::shared_ptr<UnixConnection> self) {
    (void)self;
    const std::size_t max = limits().max_message_bytes;
    std::vector<char> buffer(kReadChunk + kJsonPadding);
    std::size_t begin = 0, scan = 0, end = 0;  // unread bytes [begin, end); no '\n' in [begin, scan)
    auto too_large = [&] {
      fail_message(Error{codes::kRequestTooLarge, "message over " + std::to_string(max) + " bytes", {}});
    };
    while (!closed_) {
      // Complete lines first, while the client reads its answers fast enough.
      while (!closed_ && !reading_paused()) {
        const void* found = std::memchr(buffer.data() + scan, '\n', end - scan);
        if (!found) {
          scan = end;
          break;
        }
        const std::size_t newline = static_cast<std::size_t>(static_cast<const char*>(found) - buffer.data());
        std::string_view line(buffer.data() + begin, newline - begin);
        const std::size_t capacity = buffer.size() - begin;
        begin = scan = newline + 1;
        if (line.size() > max) {
          too_large();
          co_return;
        }
        if (!blank(line)) handle_message(line, capacity);
      }
      if (closed_) co_return;
      if (reading_paused()) {
        co_await wait(reader_wake_);
        continue;
      }
      if (end - begin > max) {
        too_large();
        co_return;
      }
      if (begin == end) begin = scan = end = 0;
      if (buffer.size() - kJsonPadding - end < kReadChunk / 4) {
        if (begin > 0) {
          std::memmove(buffer.data(), buffer.data() + begin, end - begin);
          end -= begin;
          scan -= begin;
          begin = 0;
        }
        if (buffer.size() - kJsonPadding - end < kReadChunk / 4) {
          buffer.resize(std::min(buffer.size() * 2, max + kReadChunk + kJsonPadding));
        }
      }
      auto [ec, n] = co_await socket_.async_read_some(
          asio::buffer(buffer.data() + end, buffer.size() - kJsonPadding - end), net::as_tuple_awaitable);
      if (closed_) co_return;
      if (ec) {
        if (ec != asio::error::eof) {
          close();
          co_return;
        }
        // A last line without '\n'.
        if (end > begin && !blank(std::string_view(buffer.data() + begin, end - begin))) {
          if (end - begin > max) {
            too_large();
            co_return;
          }
          handle_message(std::string_view(buffer.data() + begin, end - begin), buffer.size() - begin);
        }
        if (!closed_) on_end_of_input();
        co_return;
      }
      touch();
      end += n;
    }
  }

  awaitable<void> write_loop(std::shared_ptr<UnixConnection> self) {
    (void)self;
    co_await write_queued(socket_);
  }

  unix_socket socket_;
};

}  // namespace

void serve_unix(std::shared_ptr<ServerState> state, asio::local::stream_protocol::socket socket) {
  auto connection = std::make_shared<UnixConnection>(state, std::move(socket));
  state->connections.emplace(connection->connection_id(), connection);
  connection->start();
}

}  // namespace tgd::rpc
