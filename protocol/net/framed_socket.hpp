#pragma once
// A TCP socket speaking one MTProto transport (protocol/transport): whole payloads out, transport
// events (frames, quick acks, transport errors, violations) in. The server side first reads just
// enough bytes to detect which transport the client chose.
#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "protocol/net/asio.hpp"
#include "protocol/transport/codec.hpp"

namespace tgd::net {

// Why a socket stopped: the peer closed it, an I/O error, a deadline, or a transport violation.
struct SocketClosed {
  std::string reason;
};

class FramedSocket {
 public:
  FramedSocket(tcp::socket socket, transport::Codec codec);

  // Connects (TCP_NODELAY on) and speaks `codec` as a client.
  static awaitable<std::variant<FramedSocket, SocketClosed>> connect(tcp::endpoint endpoint,
                                                                     transport::Codec codec,
                                                                     std::chrono::milliseconds timeout);
  // Reads the first bytes of an accepted connection until the transport is known.
  static awaitable<std::variant<FramedSocket, SocketClosed>> accept(tcp::socket socket,
                                                                    std::chrono::milliseconds timeout);

  // Frames `payload` and writes it. Returns the reason on failure.
  awaitable<std::optional<SocketClosed>> send(ByteSpan payload, bool quick_ack_request = false);
  awaitable<std::optional<SocketClosed>> send_quick_ack(std::uint32_t token);
  awaitable<std::optional<SocketClosed>> send_transport_error(std::int32_t code);
  // The next transport event; SocketClosed when the connection ends (a Violation also ends it).
  awaitable<std::variant<transport::Event, SocketClosed>> receive();
  // Waits until the socket is readable, reads what it holds into a buffer shared by every socket
  // of the calling thread, and feeds that to the codec (which keeps its own copy of a partial
  // frame) before anything else runs on the thread. So a connection holds no read buffer of its
  // own: an idle one costs no 64 KiB. Returns the error ending the connection (eof when the peer
  // closed it), or none. For readers that take the codec's events themselves.
  awaitable<error_code> read_and_feed();

  transport::Codec& codec() { return codec_; }
  tcp::socket& socket() { return socket_; }
  void close();

 private:
  awaitable<std::optional<SocketClosed>> write(const Bytes& bytes);

  tcp::socket socket_;
  transport::Codec codec_;
  Bytes out_;
  // The last read left the socket empty (it returned less than the buffer holds): the next one
  // waits for readability first instead of trying a recv() that would only say EAGAIN — at one
  // request at a time, a system call saved per packet.
  bool drained_ = false;
};

}  // namespace tgd::net
