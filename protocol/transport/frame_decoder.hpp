#pragma once
// Turns the bytes received on one direction of a connection into events (facts §1.1-1.6). Fed
// arbitrary chunks: a frame may be split at any byte and one chunk may hold several frames.
//
// Padded intermediate: the decoder cannot know where the MTProto packet inside a frame ends, so a
// Frame's payload is the whole frame body, padding included (as in tdlib's reader). The MTProto
// layer passes every payload through strip_transport_padding() (padding.hpp), which drops it the
// tdlib way (§1.3); for the other framings that call is a no-op on well-formed packets.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "protocol/base/bytes.hpp"
#include "protocol/transport/framing.hpp"

namespace tgd::transport {

// A complete frame. quick_ack_requested is only ever set on the server side (§1.1-1.2): the
// client asks for a quick ack, the server answers with FrameEncoder::encode_quick_ack.
struct Frame {
  Bytes payload;
  bool quick_ack_requested = false;
  friend bool operator==(const Frame&, const Frame&) = default;
};

// Client side: the server acknowledged an encrypted message (§1.5). token has bit 31 set.
struct QuickAck {
  std::uint32_t token = 0;
  friend bool operator==(const QuickAck&, const QuickAck&) = default;
};

// Client side: a frame shorter than 16 bytes holding an error code (§1.6), e.g. -404 or -429.
struct TransportError {
  std::int32_t code = 0;
  friend bool operator==(const TransportError&, const TransportError&) = default;
};

// The byte stream cannot be a valid transport stream; the connection must be closed. Returned
// once; afterwards the decoder stays failed (next() returns nullopt, feed() ignores input).
struct Violation {
  std::string reason;
  friend bool operator==(const Violation&, const Violation&) = default;
};

using Event = std::variant<Frame, QuickAck, TransportError, Violation>;

struct DecoderOptions {
  // A frame body (padding included; for Full without len/seq/CRC) above this is a Violation,
  // reported as soon as its length is read, so a hostile length never allocates.
  std::size_t max_frame_size = kDefaultMaxFrameSize;
};

class FrameDecoder {
 public:
  // side is the side this decoder runs on: Side::Client decodes what a server sends.
  FrameDecoder(Framing framing, Side side, DecoderOptions options = {});

  // Buffers received bytes (without the plain tag or obfuscation header, which the caller or
  // Codec has consumed). Nothing is parsed until next().
  void feed(ByteSpan bytes);

  // The next event, or nullopt when more bytes are needed (or after a Violation).
  //
  // On the client side a frame body shorter than 16 bytes is not a message (tdlib's rule, §1.6):
  // an int32 0 is a no-op and is skipped; -1 with at least 8 bytes is a padded-intermediate quick
  // ack (token at +4, Appendix B.1); anything else of 4..15 bytes is a TransportError; fewer than
  // 4 bytes is a Violation. On the server side every frame body is a Frame (clients send no
  // transport errors; a short payload is the MTProto layer's to reject, with -404).
  //
  // Violations: a Full CRC mismatch, a Full seq other than the expected 0, 1, 2, ...; a Full len
  // below 12 or negative (a negative len, seen carrying -429 in Telethon #4042, is first reported
  // as a TransportError with that value, then as a Violation); a length not a multiple of 4
  // (Intermediate, Full; abridged counts in 4-byte units and padded may be any length); a body
  // above max_frame_size.
  std::optional<Event> next();

  bool failed() const { return failed_; }
  // Bytes received and not yet returned as events.
  std::size_t buffered() const { return buffer_.size() - pos_; }
  Framing framing() const { return framing_; }
  Side side() const { return side_; }

 private:
  struct Step;  // the outcome of parsing at the current position
  Step parse_abridged(ByteSpan in) const;
  Step parse_intermediate(ByteSpan in) const;
  Step parse_full(ByteSpan in) const;
  Step check_size(ByteSpan in, std::size_t body_size, std::size_t header_size,
                  bool quick_ack_requested) const;
  std::optional<Event> deliver(ByteSpan body, bool quick_ack_requested);
  Violation fail(std::string reason);

  Framing framing_;
  Side side_;
  DecoderOptions options_;
  Bytes buffer_;
  std::size_t pos_ = 0;  // start of the unparsed bytes in buffer_
  std::uint32_t expected_full_seq_ = 0;
  bool failed_ = false;
  std::optional<std::string> pending_violation_;  // reported on the call after a TransportError
};

}  // namespace tgd::transport
