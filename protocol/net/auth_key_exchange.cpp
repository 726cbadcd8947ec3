#include "protocol/net/auth_key_exchange.hpp"

#include "protocol/mtproto/message_id.hpp"
#include "protocol/net/deadline.hpp"

namespace tgd::net {

awaitable<std::variant<AuthKeyCreated, AuthKeyFailed>> create_auth_key(
    FramedSocket& socket, handshake::ClientHandshake::Options options, std::chrono::milliseconds timeout,
    std::optional<asio::any_io_executor> cpu) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  handshake::ClientHandshake exchange(std::move(options));
  Bytes message = exchange.start(mtproto::system_now());
  while (true) {
    if (auto closed = co_await socket.send(message)) co_return AuthKeyFailed{closed->reason, std::nullopt};
    // Wait for the next frame; quick acks are not expected here and are skipped.
    std::optional<transport::Frame> frame;
    while (!frame) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) co_return AuthKeyFailed{"auth key exchange timed out", std::nullopt};
      auto event = co_await with_deadline(socket.receive(), left);
      if (!event) co_return AuthKeyFailed{"auth key exchange timed out", std::nullopt};
      if (auto* closed = std::get_if<SocketClosed>(&*event))
        co_return AuthKeyFailed{closed->reason, std::nullopt};
      auto& transport_event = std::get<transport::Event>(*event);
      if (auto* error = std::get_if<transport::TransportError>(&transport_event))
        co_return AuthKeyFailed{"transport error " + std::to_string(error->code), error->code};
      if (auto* f = std::get_if<transport::Frame>(&transport_event)) frame = std::move(*f);
    }
    handshake::ClientHandshake::Step step;
    if (cpu) {
      // The exchange is touched by one thread at a time: this coroutine waits for the pool.
      step = co_await asio::co_spawn(
          *cpu,
          [&exchange, &frame]() -> awaitable<handshake::ClientHandshake::Step> {
            co_return exchange.on_message(frame->payload, mtproto::system_now());
          },
          use_awaitable);
    } else {
      step = exchange.on_message(frame->payload, mtproto::system_now());
    }
    if (auto* send = std::get_if<handshake::ClientHandshake::Send>(&step)) {
      message = std::move(send->message);
      continue;
    }
    if (auto* failed = std::get_if<handshake::ClientHandshake::Failed>(&step))
      co_return AuthKeyFailed{failed->message, std::nullopt};
    auto& done = std::get<handshake::ClientHandshake::Done>(step);
    co_return AuthKeyCreated{std::move(done.key), done.server_salt, done.time_offset};
  }
}

}  // namespace tgd::net
