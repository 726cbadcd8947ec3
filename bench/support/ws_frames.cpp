#include "bench/support/ws_frames.hpp"

#include <array>
#include <boost/beast/websocket/stream.hpp>

namespace tgd::bench {

net::tcp::socket ws_connect(net::asio::io_context& io, std::uint16_t port, const std::string& token) {
  namespace websocket = boost::beast::websocket;
  websocket::stream<net::tcp::socket> stream(io);
  stream.next_layer().connect({net::asio::ip::make_address("127.0.0.1"), port});
  stream.next_layer().set_option(net::tcp::no_delay(true));
  stream.handshake("127.0.0.1:" + std::to_string(port), "/?token=" + token);
  return std::move(stream.next_layer());
}

void append_client_frame(std::string& out, std::string_view body) {
  // The mask need not be random here: it protects proxies' caches, and there are none.
  static constexpr std::array<unsigned char, 4> kMask{0x5a, 0x13, 0xc7, 0x2e};
  const std::size_t n = body.size();
  out += static_cast<char>(0x81);
  if (n < 126) {
    out += static_cast<char>(0x80 | n);
  } else if (n < 65536) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  }
  out.append(reinterpret_cast<const char*>(kMask.data()), 4);
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(body[i] ^ static_cast<char>(kMask[i & 3]));
}

FrameParse parse_server_frame(const char* data, std::size_t available, std::string_view& payload,
                              std::size_t& used) {
  used = 0;
  if (available < 2) return FrameParse::kNeedMore;
  const auto* b = reinterpret_cast<const unsigned char*>(data);
  std::size_t header = 2, length = b[1] & 0x7f;
  if ((b[0] & 0x0f) != 0x1 || (b[0] & 0x80) == 0 || (b[1] & 0x80) != 0) return FrameParse::kBad;
  if (length == 126) {
    if (available < 4) return FrameParse::kNeedMore;
    length = (std::size_t{b[2]} << 8) | b[3];
    header = 4;
  } else if (length == 127) {
    if (available < 10) return FrameParse::kNeedMore;
    length = 0;
    for (int i = 2; i < 10; ++i) length = (length << 8) | b[i];
    header = 10;
  }
  used = header + length;
  if (available < used) return FrameParse::kNeedMore;
  payload = std::string_view(data + header, length);
  return FrameParse::kFrame;
}

}  // namespace tgd::bench
