#include "tests/testdc/test_dc.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <list>

#include "protocol/handshake/server_handshake.hpp"
#include "protocol/mtproto/message_id.hpp"
#include "protocol/net/framed_socket.hpp"
#include "tests/testdc/key_store.hpp"

namespace tgd::testdc {

using namespace tgd::net;

namespace {
constexpr auto kTransportHeaderTimeout = std::chrono::seconds(10);

bool is_plain_message(ByteSpan payload) {
  return payload.size() >= 8 &&
         std::all_of(payload.begin(), payload.begin() + 8, [](auto b) { return b == 0; });
}

std::int64_t auth_key_id_of(ByteSpan payload) {
  std::int64_t id = 0;
  std::memcpy(&id, payload.data(), 8);
  return id;
}
}  // namespace

struct Dc {
  int id = 0;
  tcp::acceptor acceptor;
  KeyStore keys;
  explicit Dc(asio::io_context& io) : acceptor(io) {}
};

struct TestDc::Impl {
  asio::io_context& io;
  Options options;
  std::shared_ptr<const crypto::RsaPrivateKey> key;
  std::list<Dc> dcs;  // stable addresses: connections refer to their DC
  std::list<std::weak_ptr<FramedSocket>> connections;

  Impl(asio::io_context& io_context, Options opts) : io(io_context), options(std::move(opts)) {
    key = options.key ? options.key
                      : std::make_shared<const crypto::RsaPrivateKey>(crypto::RsaPrivateKey::generate());
  }

  handshake::ServerHandshake::Options handshake_options(const Dc& dc) const {
    handshake::ServerHandshake::Options o;
    o.rsa_key = key;
    // Clients send the DC id as they know it: plain, as a Telegram test DC (+10000), or media (<0).
    o.accepted_dc_ids = {dc.id, -dc.id, dc.id + 10000, -(dc.id + 10000)};
    return o;
  }

  awaitable<void> accept_loop(Dc& dc) {
    while (true) {
      auto [ec, socket] = co_await dc.acceptor.async_accept(as_tuple_awaitable);
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) {
        spdlog::warn("dc{}: accept: {}", dc.id, ec.message());
        continue;
      }
      asio::co_spawn(io, serve(dc, std::move(socket)), asio::detached);
    }
  }

  awaitable<void> serve(Dc& dc, tcp::socket raw) {
    const std::string peer = [&] {
      error_code ec;
      auto ep = raw.remote_endpoint(ec);
      return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
    }();
    auto accepted = co_await FramedSocket::accept(std::move(raw), kTransportHeaderTimeout);
    if (auto* closed = std::get_if<SocketClosed>(&accepted)) {
      spdlog::info("dc{} {}: {}", dc.id, peer, closed->reason);
      co_return;
    }
    auto socket = std::make_shared<FramedSocket>(std::move(std::get<FramedSocket>(accepted)));
    connections.remove_if([](const auto& weak) { return weak.expired(); });
    connections.push_back(socket);
    spdlog::debug("dc{} {}: connected", dc.id, peer);
    handshake::ServerHandshake exchange(handshake_options(dc));
    while (true) {
      auto event = co_await socket->receive();
      if (auto* closed = std::get_if<SocketClosed>(&event)) {
        spdlog::debug("dc{} {}: {}", dc.id, peer, closed->reason);
        co_return;
      }
      auto* frame = std::get_if<transport::Frame>(&std::get<transport::Event>(event));
      if (!frame) continue;
      if (is_plain_message(frame->payload)) {
        auto step = exchange.on_message(frame->payload, mtproto::system_now());
        if (auto* send = std::get_if<handshake::ServerHandshake::Send>(&step)) {
          if (co_await socket->send(send->message)) co_return;
        } else if (auto* done = std::get_if<handshake::ServerHandshake::Done>(&step)) {
          spdlog::info("dc{} {}: auth key {:016x} created", dc.id, peer,
                       static_cast<std::uint64_t>(done->key.id_value()));
          dc.keys.add(std::move(done->key));
          if (co_await socket->send(done->message)) co_return;
        } else {
          auto& failed = std::get<handshake::ServerHandshake::Failed>(step);
          spdlog::info("dc{} {}: handshake refused: {}", dc.id, peer, failed.message);
          co_await socket->send_transport_error(failed.transport_error());
          socket->close();
          co_return;
        }
        continue;
      }
      if (frame->payload.size() < 8 || !dc.keys.find(auth_key_id_of(frame->payload))) {
        // Telegram answers -404 to a packet under an auth key it does not know (facts §1.6).
        co_await socket->send_transport_error(-404);
        socket->close();
        co_return;
      }
      spdlog::warn("dc{} {}: encrypted sessions are not served yet; closing", dc.id, peer);
      socket->close();
      co_return;
    }
  }
};

TestDc::TestDc(asio::io_context& io, Options options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}
TestDc::~TestDc() = default;

std::optional<std::string> TestDc::start() {
  error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return "bad host '" + impl_->options.host + "': " + ec.message();
  for (int id = 1; id <= impl_->options.dcs; ++id) {
    Dc& dc = impl_->dcs.emplace_back(impl_->io);
    dc.id = id;
    const std::uint16_t port =
        impl_->options.port ? static_cast<std::uint16_t>(impl_->options.port + id - 1) : 0;
    tcp::endpoint endpoint(address, port);
    dc.acceptor.open(endpoint.protocol(), ec);
    if (!ec) dc.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) dc.acceptor.bind(endpoint, ec);
    if (!ec) dc.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return "dc" + std::to_string(id) + ": cannot listen on " + impl_->options.host + ":" +
             std::to_string(port) + ": " + ec.message();
  }
  for (Dc& dc : impl_->dcs) asio::co_spawn(impl_->io, impl_->accept_loop(dc), asio::detached);
  return std::nullopt;
}

void TestDc::stop() {
  for (Dc& dc : impl_->dcs) {
    error_code ignored;
    dc.acceptor.close(ignored);
  }
  for (auto& weak : impl_->connections)
    if (auto socket = weak.lock()) socket->close();
  impl_->connections.clear();
}

std::vector<DcEndpoint> TestDc::endpoints() const {
  std::vector<DcEndpoint> out;
  for (const Dc& dc : impl_->dcs) {
    error_code ec;
    auto ep = dc.acceptor.local_endpoint(ec);
    out.push_back(DcEndpoint{dc.id, ep.address().to_string(), ep.port()});
  }
  return out;
}

const crypto::RsaPrivateKey& TestDc::key() const { return *impl_->key; }

const KeyStore& TestDc::keys(int dc) const {
  auto it = impl_->dcs.begin();
  std::advance(it, dc - 1);
  return it->keys;
}

KeyStore& TestDc::keys(int dc) {
  auto it = impl_->dcs.begin();
  std::advance(it, dc - 1);
  return it->keys;
}

}  // namespace tgd::testdc
