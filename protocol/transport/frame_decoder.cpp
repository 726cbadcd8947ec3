#include "protocol/transport/frame_decoder.hpp"

#include <utility>

#include "protocol/crypto/crc32.hpp"
#include "protocol/transport/detail/byte_order.hpp"

namespace tgd::transport {

namespace {
constexpr std::uint32_t kQuickAckBit = 0x80000000u;
constexpr std::uint8_t kAbridgedQuickAckBit = 0x80;
constexpr std::uint8_t kAbridgedLongForm = 0x7f;
constexpr std::size_t kFullOverhead = 12;     // len, seq, crc (§1.4)
constexpr std::size_t kMinMessageSize = 16;   // tdlib: shorter bodies are not messages (§1.6)
constexpr std::int32_t kNoOp = 0;             // §1.6
constexpr std::int32_t kPaddedQuickAck = -1;  // §1.3, Appendix B.1
}  // namespace

struct FrameDecoder::Step {
  enum class Kind : std::uint8_t { NeedMore, Body, QuickAck, NegativeLength, Violation };
  Kind kind = Kind::NeedMore;
  std::size_t consumed = 0;  // bytes the whole frame occupies, header included
  std::size_t body_offset = 0;
  std::size_t body_size = 0;
  bool quick_ack_requested = false;
  std::uint32_t value = 0;  // QuickAck: the token; NegativeLength: the length as read
  std::string reason;       // Violation

  static Step need_more() { return {}; }
  static Step violation(std::string reason) {
    Step s;
    s.kind = Kind::Violation;
    s.reason = std::move(reason);
    return s;
  }
  static Step quick_ack(std::uint32_t token, std::size_t consumed) {
    Step s;
    s.kind = Kind::QuickAck;
    s.value = token;
    s.consumed = consumed;
    return s;
  }
};

FrameDecoder::FrameDecoder(Framing framing, Side side, DecoderOptions options)
    : framing_(framing), side_(side), options_(options) {}

void FrameDecoder::feed(ByteSpan bytes) {
  if (failed_) return;
  // Drop what next() has consumed before growing, so the buffer holds at most one partial frame
  // plus the latest chunk.
  if (pos_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<Event> FrameDecoder::next() {
  if (failed_) return std::nullopt;
  if (pending_violation_) {
    std::string reason = std::move(*pending_violation_);
    pending_violation_.reset();
    return fail(std::move(reason));
  }
  for (;;) {
    const ByteSpan in = ByteSpan(buffer_).subspan(pos_);
    Step step;
    switch (framing_) {
      case Framing::Abridged:
        step = parse_abridged(in);
        break;
      case Framing::Intermediate:
      case Framing::PaddedIntermediate:
        step = parse_intermediate(in);
        break;
      case Framing::Full:
        step = parse_full(in);
        break;
    }
    switch (step.kind) {
      case Step::Kind::NeedMore:
        return std::nullopt;
      case Step::Kind::Violation:
        return fail(std::move(step.reason));
      case Step::Kind::QuickAck:
        pos_ += step.consumed;
        return QuickAck{step.value};
      case Step::Kind::NegativeLength: {
        // Telethon #4042: the server put -429 where len and seq belong (§1.6). Pass the code on so
        // the caller backs off, then fail: the stream cannot be resynchronised.
        const auto code = static_cast<std::int32_t>(step.value);
        pending_violation_ = "full transport length is negative (" + std::to_string(code) + ")";
        return TransportError{code};
      }
      case Step::Kind::Body: {
        const ByteSpan body = in.subspan(step.body_offset, step.body_size);
        if (framing_ == Framing::Full) ++expected_full_seq_;
        pos_ += step.consumed;
        if (auto event = deliver(body, step.quick_ack_requested)) return event;
        break;  // a no-op frame: look at the next one
      }
    }
  }
}

// §1.1: 1-byte len/4 (< 0x7f), or 0x7f and 3 bytes LE len/4. From a client the MSB of the first
// byte requests a quick ack; from a server a first byte with the MSB set starts a 4-byte
// byte-reversed quick-ack reply (a server's frame header is always <= 0x7f).
FrameDecoder::Step FrameDecoder::parse_abridged(ByteSpan in) const {
  if (in.empty()) return Step::need_more();
  const std::uint8_t first = in[0];
  if (side_ == Side::Client && (first & kAbridgedQuickAckBit) != 0) {
    if (in.size() < 4) return Step::need_more();
    return Step::quick_ack(detail::load_be32(in.data()), 4);
  }
  const bool quick_ack_requested = (first & kAbridgedQuickAckBit) != 0;
  const std::uint8_t short_len = first & 0x7f;
  if (short_len < kAbridgedLongForm)
    return check_size(in, std::size_t{short_len} * 4, 1, quick_ack_requested);
  if (in.size() < 4) return Step::need_more();
  const std::size_t units = detail::load_le32(in.data()) >> 8;
  return check_size(in, units * 4, 4, quick_ack_requested);
}

// §1.2-1.3: 4-byte LE length. Bit 31 requests a quick ack (from a client) or marks a raw 4-byte
// quick-ack reply (from a server; tdlib reads any length with bit 31 as one).
FrameDecoder::Step FrameDecoder::parse_intermediate(ByteSpan in) const {
  if (in.size() < 4) return Step::need_more();
  std::uint32_t length = detail::load_le32(in.data());
  const bool quick = (length & kQuickAckBit) != 0;
  if (quick && side_ == Side::Client) return Step::quick_ack(length, 4);
  length &= ~kQuickAckBit;
  // Padded bodies carry 0..15 bytes of padding, so only plain intermediate must be 4-aligned.
  if (framing_ == Framing::Intermediate && length % 4 != 0) {
    return Step::violation("intermediate frame length " + std::to_string(length) + " is not a multiple of 4");
  }
  return check_size(in, length, 4, quick);
}

// §1.4: len | seq | payload | crc32, len counting all of it.
FrameDecoder::Step FrameDecoder::parse_full(ByteSpan in) const {
  if (in.size() < 4) return Step::need_more();
  const std::uint32_t raw_length = detail::load_le32(in.data());
  if (static_cast<std::int32_t>(raw_length) < 0) {
    Step s;
    s.kind = Step::Kind::NegativeLength;
    s.value = raw_length;
    return s;
  }
  const std::size_t length = raw_length;
  if (length < kFullOverhead) {
    return Step::violation("full frame length " + std::to_string(length) + " is below the 12-byte minimum");
  }
  if (length % 4 != 0) {
    return Step::violation("full frame length " + std::to_string(length) + " is not a multiple of 4");
  }
  if (length - kFullOverhead > options_.max_frame_size) {
    return Step::violation("full frame of " + std::to_string(length - kFullOverhead) +
                           " bytes exceeds the maximum of " + std::to_string(options_.max_frame_size));
  }
  if (in.size() < 8) return Step::need_more();
  const std::uint32_t seq = detail::load_le32(in.data() + 4);
  if (seq != expected_full_seq_) {
    return Step::violation("full frame seq " + std::to_string(seq) + ", expected " +
                           std::to_string(expected_full_seq_));
  }
  if (in.size() < length) return Step::need_more();
  const std::uint32_t crc = detail::load_le32(in.data() + length - 4);
  if (crc != crypto::crc32(in.first(length - 4))) return Step::violation("full frame CRC32 mismatch");
  Step s;
  s.kind = Step::Kind::Body;
  s.consumed = length;
  s.body_offset = 8;
  s.body_size = length - kFullOverhead;
  return s;
}

FrameDecoder::Step FrameDecoder::check_size(ByteSpan in, std::size_t body_size, std::size_t header_size,
                                            bool quick_ack_requested) const {
  // Checked before waiting for the body: the length alone decides, nothing is reserved for it.
  if (body_size > options_.max_frame_size) {
    return Step::violation(std::string(to_string(framing_)) + " frame of " + std::to_string(body_size) +
                           " bytes exceeds the maximum of " + std::to_string(options_.max_frame_size));
  }
  if (in.size() < header_size + body_size) return Step::need_more();
  Step s;
  s.kind = Step::Kind::Body;
  s.consumed = header_size + body_size;
  s.body_offset = header_size;
  s.body_size = body_size;
  s.quick_ack_requested = quick_ack_requested;
  return s;
}

std::optional<Event> FrameDecoder::deliver(ByteSpan body, bool quick_ack_requested) {
  if (side_ == Side::Server || body.size() >= kMinMessageSize) {
    return Frame{Bytes(body.begin(), body.end()), quick_ack_requested};
  }
  // tdlib's Transport::read (§1.6).
  if (body.size() < 4) {
    return fail("frame of " + std::to_string(body.size()) + " bytes is neither a message nor an error code");
  }
  const auto code = static_cast<std::int32_t>(detail::load_le32(body.data()));
  if (code == kNoOp) return std::nullopt;
  if (code == kPaddedQuickAck && body.size() >= 8) return QuickAck{detail::load_le32(body.data() + 4)};
  return TransportError{code};
}

Violation FrameDecoder::fail(std::string reason) {
  failed_ = true;
  Bytes().swap(buffer_);  // nothing more will be parsed; release the memory
  pos_ = 0;
  return Violation{std::move(reason)};
}

}  // namespace tgd::transport
