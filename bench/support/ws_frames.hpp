#pragma once
// A cheap WebSocket client for the load generators (bench_rpc, bench_updates): Beast answers only
// the upgrade; after it, frames are written and parsed here straight on the TCP socket, many per
// write and per read, so that the load generator costs little next to tgd on a shared machine.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/net/asio.hpp"

namespace tgd::bench {

// Connects to tgd's WebSocket on 127.0.0.1:port (`/?token=`), upgrades, and hands back the TCP
// socket with TCP_NODELAY. Throws on failure (set-up only).
net::tcp::socket ws_connect(net::asio::io_context& io, std::uint16_t port, const std::string& token);

// Appends one client frame (FIN + text, masked as RFC 6455 §5.3 requires) holding `body`.
void append_client_frame(std::string& out, std::string_view body);

enum class FrameParse { kFrame, kNeedMore, kBad };

// The server frame at the start of data[0, available): kFrame with its payload and `used` (header +
// payload); kNeedMore with `used` = the bytes needed when the header is complete (else 0), so that
// the caller can grow its buffer; kBad for what tgd must not send (a fragment, a control or binary
// frame, a mask).
FrameParse parse_server_frame(const char* data, std::size_t available, std::string_view& payload,
                              std::size_t& used);

}  // namespace tgd::bench
