#include "protocol/net/framed_socket.hpp"

#include <sys/socket.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <vector>

#include "protocol/net/deadline.hpp"

namespace tgd::net {
namespace {

std::string describe(const error_code& ec) {
  return ec == asio::error::eof ? "closed by peer" : ec.message();
}

}  // namespace

FramedSocket::FramedSocket(tcp::socket socket, transport::Codec codec)
    : socket_(std::move(socket)), codec_(std::move(codec)) {}

awaitable<std::variant<FramedSocket, SocketClosed>> FramedSocket::connect(tcp::endpoint endpoint,
                                                                          transport::Codec codec,
                                                                          std::chrono::milliseconds timeout) {
  tcp::socket socket(co_await asio::this_coro::executor);
  auto result = co_await with_deadline(socket.async_connect(endpoint, as_tuple_awaitable), timeout);
  if (!result) co_return SocketClosed{"connect timed out"};
  if (auto [ec] = *result; ec) co_return SocketClosed{"connect: " + ec.message()};
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // requests are small and latency-bound
  co_return FramedSocket(std::move(socket), std::move(codec));
}

awaitable<std::variant<FramedSocket, SocketClosed>> FramedSocket::accept(tcp::socket socket,
                                                                         std::chrono::milliseconds timeout) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  Bytes first;
  transport::Detection detection = transport::detect_framing(first);
  // Read exactly as many bytes as detection asks for: a client may send a short first packet and
  // wait for the answer, so reading ahead could stall it.
  while (detection.kind == transport::DetectedKind::NeedMore) {
    const std::size_t have = first.size();
    first.resize(detection.need);
    auto result = co_await with_deadline(
        asio::async_read(socket, asio::buffer(first.data() + have, first.size() - have), as_tuple_awaitable),
        timeout);
    if (!result) co_return SocketClosed{"no transport header in time"};
    if (auto [ec, n] = *result; ec) co_return SocketClosed{"reading the transport header: " + describe(ec)};
    detection = transport::detect_framing(first);
  }
  if (detection.kind == transport::DetectedKind::Invalid)
    co_return SocketClosed{"unknown transport: " + std::string(detection.reason)};
  auto codec = transport::Codec::server(std::move(detection), first);
  if (!codec) co_return SocketClosed{"unknown transport"};
  co_return FramedSocket(std::move(socket), std::move(*codec));
}

awaitable<std::optional<SocketClosed>> FramedSocket::write(const Bytes& bytes) {
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes), as_tuple_awaitable);
  if (ec) co_return SocketClosed{"write: " + describe(ec)};
  co_return std::nullopt;
}

awaitable<std::optional<SocketClosed>> FramedSocket::send(ByteSpan payload, bool quick_ack_request) {
  out_.clear();
  if (!codec_.encode(payload, out_, quick_ack_request)) co_return SocketClosed{"payload cannot be framed"};
  co_return co_await write(out_);
}

awaitable<std::optional<SocketClosed>> FramedSocket::send_quick_ack(std::uint32_t token) {
  out_.clear();
  if (!codec_.encode_quick_ack(token, out_)) co_return SocketClosed{"quick ack cannot be framed"};
  co_return co_await write(out_);
}

awaitable<std::optional<SocketClosed>> FramedSocket::send_transport_error(std::int32_t code) {
  out_.clear();
  if (!codec_.encode_transport_error(code, out_)) co_return SocketClosed{"transport error cannot be framed"};
  co_return co_await write(out_);
}

awaitable<std::variant<transport::Event, SocketClosed>> FramedSocket::receive() {
  while (true) {
    if (auto event = codec_.next()) {
      if (auto* violation = std::get_if<transport::Violation>(&*event))
        co_return SocketClosed{"transport violation: " + violation->reason};
      co_return std::move(*event);
    }
    if (error_code ec = co_await read_and_feed()) co_return SocketClosed{describe(ec)};
  }
}

awaitable<error_code> FramedSocket::read_and_feed() {
  // One per thread: the bytes are fed to the codec right after recv(), with no suspension between.
  thread_local std::vector<std::uint8_t> buffer(64 * 1024);
  while (true) {
    if (drained_) {
      // Edge-triggered epoll is re-armed by this wait (Asio's epoll_ctl MOD), so bytes that came
      // since the last recv() are reported at once.
      auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, as_tuple_awaitable);
      if (ec) co_return ec;
      drained_ = false;
    }
    const ssize_t n = ::recv(socket_.native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) {
      drained_ = static_cast<std::size_t>(n) < buffer.size();
      codec_.feed(ByteSpan(buffer.data(), static_cast<std::size_t>(n)));
      co_return error_code{};
    }
    if (n == 0) co_return asio::error::eof;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      co_return error_code(errno, boost::system::system_category());
    drained_ = true;
  }
}

void FramedSocket::close() {
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace tgd::net
