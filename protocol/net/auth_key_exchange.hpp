#pragma once
// Creates an auth key over a connected FramedSocket (facts §2): the sans-IO ClientHandshake driven
// by the socket, within one deadline for the whole exchange.
#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "protocol/handshake/client_handshake.hpp"
#include "protocol/net/framed_socket.hpp"

namespace tgd::net {

struct AuthKeyCreated {
  crypto::AuthKey key;
  std::int64_t server_salt = 0;
  std::int32_t time_offset = 0;
};

struct AuthKeyFailed {
  std::string reason;
  std::optional<std::int32_t> transport_error;  // -404, -429, -444 from the server
};

// `cpu`: where the CPU-heavy steps run (pq factorisation, the 2048-bit DH exponentiations: a few
// milliseconds each), so that many handshakes at once do not stall the connection's event loop;
// nullopt runs them inline.
awaitable<std::variant<AuthKeyCreated, AuthKeyFailed>> create_auth_key(
    FramedSocket& socket, handshake::ClientHandshake::Options options, std::chrono::milliseconds timeout,
    std::optional<asio::any_io_executor> cpu = std::nullopt);

}  // namespace tgd::net
