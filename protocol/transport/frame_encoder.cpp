#include "protocol/transport/frame_encoder.hpp"

#include <array>
#include <utility>

#include "protocol/crypto/crc32.hpp"
#include "protocol/transport/detail/byte_order.hpp"

namespace tgd::transport {

namespace {
constexpr std::uint32_t kQuickAckBit = 0x80000000u;
constexpr std::size_t kMaxPadding = 15;            // padded intermediate, §1.3
constexpr std::size_t kMaxQuickAckPadding = 7;     // keeps the reply under 16 bytes, Appendix B.1
constexpr std::uint32_t kAbridgedLongForm = 0x7f;  // then 3 bytes LE of len/4, §1.1
constexpr std::uint8_t kAbridgedQuickAckBit = 0x80;
}  // namespace

FrameEncoder::FrameEncoder(Framing framing, Side side, EncoderOptions options)
    : framing_(framing),
      side_(side),
      options_(std::move(options)),
      tag_pending_(side == Side::Client && options_.emit_tag) {}

bool FrameEncoder::encode(ByteSpan payload, Bytes& out, bool quick_ack_request) {
  if (payload.size() % 4 != 0) return false;
  const std::size_t padding_room = framing_ == Framing::PaddedIntermediate ? kMaxPadding : 0;
  if (payload.size() > kDefaultMaxFrameSize - padding_room) return false;
  if (quick_ack_request && (side_ == Side::Server || framing_ == Framing::Full)) return false;

  append_tag_once(out);
  const std::size_t padding = framing_ == Framing::PaddedIntermediate ? random_below(kMaxPadding + 1) : 0;
  append_frame(payload, padding, quick_ack_request, out);
  return true;
}

bool FrameEncoder::encode_quick_ack(std::uint32_t token, Bytes& out) {
  if (side_ != Side::Server) return false;
  token |= kQuickAckBit;  // §1.5: the token always has bit 31; the reader tells a reply by it
  switch (framing_) {
    case Framing::Abridged:
      // Byte-reversed, so the first byte on the wire has its MSB set, which no frame header
      // (<= 0x7f from a server) has (§1.1).
      detail::append_be32(out, token);
      return true;
    case Framing::Intermediate:
      detail::append_le32(out, token);
      return true;
    case Framing::PaddedIntermediate: {
      std::array<std::uint8_t, 8> body{0xff, 0xff, 0xff, 0xff};
      for (std::size_t i = 0; i < 4; ++i) body[4 + i] = static_cast<std::uint8_t>(token >> (8 * i));
      append_frame(body, random_below(kMaxQuickAckPadding + 1), false, out);
      return true;
    }
    case Framing::Full:
      break;
  }
  return false;
}

bool FrameEncoder::encode_transport_error(std::int32_t code, Bytes& out) {
  if (side_ != Side::Server) return false;
  Bytes body;
  detail::append_le32(body, static_cast<std::uint32_t>(code));
  append_frame(body, 0, false, out);
  return true;
}

void FrameEncoder::append_tag_once(Bytes& out) {
  if (!tag_pending_) return;
  tag_pending_ = false;
  const ByteSpan tag = plain_tag(framing_);
  out.insert(out.end(), tag.begin(), tag.end());
}

void FrameEncoder::append_frame(ByteSpan payload, std::size_t padding, bool quick_ack_request, Bytes& out) {
  const std::size_t body_size = payload.size() + padding;
  const std::size_t start = out.size();
  switch (framing_) {
    case Framing::Abridged: {
      const auto units = static_cast<std::uint32_t>(body_size / 4);
      const std::uint8_t quick = quick_ack_request ? kAbridgedQuickAckBit : 0;
      if (units < kAbridgedLongForm) {
        out.push_back(static_cast<std::uint8_t>(units | quick));
      } else {
        // 0x7f (0xff with a quick-ack request) then len/4 as 3 bytes LE (§1.1).
        detail::append_le32(out, (units << 8) | kAbridgedLongForm | quick);
      }
      break;
    }
    case Framing::Intermediate:
    case Framing::PaddedIntermediate:
      detail::append_le32(out,
                          static_cast<std::uint32_t>(body_size) | (quick_ack_request ? kQuickAckBit : 0));
      break;
    case Framing::Full:
      // len counts itself, seq and the CRC (§1.4).
      detail::append_le32(out, static_cast<std::uint32_t>(body_size + 12));
      detail::append_le32(out, full_seq_++);
      break;
  }
  out.insert(out.end(), payload.begin(), payload.end());
  if (padding > 0) {
    out.resize(out.size() + padding);
    fill_random(options_.random, MutableByteSpan(out).last(padding));
  }
  if (framing_ == Framing::Full) {
    detail::append_le32(out, crypto::crc32(ByteSpan(out).subspan(start)));
  }
}

std::size_t FrameEncoder::random_below(std::size_t bound) {
  std::uint8_t byte = 0;
  fill_random(options_.random, MutableByteSpan(&byte, 1));
  return byte % bound;
}

}  // namespace tgd::transport
