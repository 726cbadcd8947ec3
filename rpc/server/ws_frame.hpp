#pragma once
// RFC 6455 framing for the server side of tgd's WebSocket, sans I/O.
//
// Why not Beast's websocket::stream for the data phase: it writes one message per operation, so
// every answer and every update notification costs its own sendmsg, and its automatic pongs make
// writing frames around it unsafe. Answers and notifications are queued anyway (Connection's
// outgoing queue); framing them here lets one gathered write carry hundreds of frames, as the
// UNIX socket does with lines — bench/RESULTS.md has the before/after. Beast still parses the
// upgrade request and writes the handshake answer.
//
// Reading: client frames must be masked (RFC 6455 §5.1), carry no RSV bits (no extension is
// negotiated), control frames are at most 125 bytes and never fragmented, continuations follow a
// started message. A message is handed out whole: an unfragmented frame is unmasked in place and
// returned as a view into the caller's buffer (no copy, the common case); fragments are gathered.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tgd::rpc::ws {

enum class Opcode : std::uint8_t { Continuation = 0, Text = 1, Binary = 2, Close = 8, Ping = 9, Pong = 10 };

// Close codes used by tgd (RFC 6455 §7.4.1).
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseTooBig = 1009;

inline constexpr std::size_t kMaxHeader = 10;  // unmasked server frame: 2 + 8 length bytes

// Writes the header of a final, unmasked frame carrying `payload_size` bytes; returns its length.
std::size_t write_header(Opcode opcode, std::size_t payload_size, char (&out)[kMaxHeader]);
// A whole unmasked frame (header + payload), ready to send.
std::string frame(Opcode opcode, std::string_view payload);
// A close frame's payload: the code, then a reason (truncated to fit a control frame).
std::string close_payload(std::uint16_t code, std::string_view reason = {});

struct Event {
  enum class Kind : std::uint8_t {
    NeedMore,  // nothing to hand out: read more bytes (or, if `consumed` > 0, a fragment was taken: call
               // again)
    Message,   // a whole text or binary message: payload
    Ping,      // answer with a pong carrying payload
    Pong,
    Close,  // the client closes: close_code (0 when it sent none)
    Error,  // a protocol violation or an oversized message: close with close_code, reason in detail
  };
  Kind kind = Kind::NeedMore;
  Opcode opcode = Opcode::Text;  // Message: Text or Binary
  // Message/Ping/Pong: the payload. Points into the buffer given to next() (valid until the caller
  // discards those bytes) or into the reader's own fragment buffer (valid until the next call).
  std::string_view payload{};
  // Message: bytes readable from payload.data() (for parsers that read past the end, as simdjson).
  std::size_t capacity = 0;
  std::uint16_t close_code = 0;
  std::string detail{};
};

class FrameReader {
 public:
  // Messages (after reassembly) longer than max_message_bytes are an Error with kCloseTooBig.
  // `padding`: readable bytes the caller guarantees after its buffer's data, and that the reader
  // keeps after gathered fragments, so messages can go straight to a padded parser.
  FrameReader(std::size_t max_message_bytes, std::size_t padding)
      : max_message_(max_message_bytes), padding_(padding) {}

  // Looks at data[0, size): returns the next event and sets `consumed` to the bytes it used (the
  // caller drops them before the next call). An unfragmented frame's payload is unmasked in place.
  // After an Error or Close, the reader must not be used again.
  Event next(char* data, std::size_t size, std::size_t& consumed);

  // A fragmented message is being gathered.
  bool in_fragmented_message() const { return fragmented_.has_value(); }

 private:
  std::size_t max_message_;
  std::size_t padding_;
  std::optional<Opcode> fragmented_;  // the opcode of a message being gathered from fragments
  std::string gathered_;
};

}  // namespace tgd::rpc::ws
