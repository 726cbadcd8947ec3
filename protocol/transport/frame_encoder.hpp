#pragma once
// Turns MTProto payloads into framed bytes for one direction of one connection (facts §1.1-1.4),
// and, on the server side, produces quick-ack replies (§1.1-1.3, Appendix B.1) and transport
// errors (§1.6). Appends to a caller-owned buffer so a whole batch can be written with one call.
#include <cstddef>
#include <cstdint>

#include "protocol/base/bytes.hpp"
#include "protocol/transport/framing.hpp"
#include "protocol/transport/random_source.hpp"

namespace tgd::transport {

struct EncoderOptions {
  // Client only: write the plain tag (§1.1-1.3) before the first frame. Off when obfuscated: the
  // tag then travels inside the obfuscation header and must not be sent again (§1.7 step 2).
  bool emit_tag = true;
  // Padding length and bytes for PaddedIntermediate; empty = crypto::random_fill.
  RandomSource random;
};

class FrameEncoder {
 public:
  FrameEncoder(Framing framing, Side side, EncoderOptions options = {});

  // Appends the framed payload (preceded by the tag on a client's first frame). Returns false and
  // appends nothing when the payload cannot be framed:
  // - its size is not a multiple of 4 (every MTProto payload is; abridged counts in 4-byte units
  //   and tdlib refuses anything else for intermediate too);
  // - it is larger than kDefaultMaxFrameSize (minus 15 bytes of padding room for padded);
  // - quick_ack_request is set on a server encoder or on Full, which have no way to express it.
  // PaddedIntermediate appends 0..15 random bytes after the payload (tdlib: rand % 16, §1.3).
  [[nodiscard]] bool encode(ByteSpan payload, Bytes& out, bool quick_ack_request = false);

  // Server only: acknowledges a client frame that requested a quick ack. token is the value of
  // §1.5 (bit 31 is set here in case the caller did not). Abridged: the token byte-reversed, raw,
  // no header; intermediate: the token LE, raw; padded: a normal frame of 8..15 bytes holding
  // FF FF FF FF, the token and 0..7 random bytes, because tdlib reads only frames shorter than 16
  // bytes as quick acks (Appendix B.1). Full has no quick acks: returns false, as does a client.
  [[nodiscard]] bool encode_quick_ack(std::uint32_t token, Bytes& out);

  // Server only: a transport error (§1.6), a 4-byte frame holding code as a LE int32 (normally
  // negative: -404, -429, -444). Never padded, so every client reads it as an error.
  [[nodiscard]] bool encode_transport_error(std::int32_t code, Bytes& out);

  Framing framing() const { return framing_; }
  Side side() const { return side_; }

 private:
  void append_tag_once(Bytes& out);
  // Appends one frame whose body is `payload` followed by `padding` random bytes.
  void append_frame(ByteSpan payload, std::size_t padding, bool quick_ack_request, Bytes& out);
  std::size_t random_below(std::size_t bound);

  Framing framing_;
  Side side_;
  EncoderOptions options_;
  bool tag_pending_;
  std::uint32_t full_seq_ = 0;  // Full: the per-connection, per-direction packet counter (§1.4)
};

}  // namespace tgd::transport
