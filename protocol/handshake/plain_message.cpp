#include "protocol/handshake/plain_message.hpp"

#include "protocol/tl/tl_buffer.hpp"

namespace tgd::handshake {

Bytes build_plain_message(std::uint64_t msg_id, ByteSpan body) {
  Bytes out;
  out.reserve(kPlainHeaderSize + body.size());
  tl::TlWriter w(out);
  w.u64(0);
  w.u64(msg_id);
  w.u32(static_cast<std::uint32_t>(body.size()));
  w.raw(body);
  return out;
}

std::string_view describe(PlainMessageError e) {
  switch (e) {
    case PlainMessageError::kTooShort:
      return "unencrypted message shorter than its 20-byte header";
    case PlainMessageError::kNotPlain:
      return "auth_key_id is not zero";
    case PlainMessageError::kBadLength:
      return "message_data_length exceeds the payload or is not a multiple of 4";
    case PlainMessageError::kZeroMsgId:
      return "msg_id is zero";
  }
  return "unknown error";
}

PlainMessageResult parse_plain_message(ByteSpan payload) {
  if (payload.size() < kPlainHeaderSize) return {std::nullopt, PlainMessageError::kTooShort};
  tl::TlReader r(payload);
  const std::uint64_t auth_key_id = r.u64();
  const std::uint64_t msg_id = r.u64();
  const std::uint32_t length = r.u32();
  if (auth_key_id != 0) return {std::nullopt, PlainMessageError::kNotPlain};
  if (length > r.remaining() || length % 4 != 0) return {std::nullopt, PlainMessageError::kBadLength};
  if (msg_id == 0) return {std::nullopt, PlainMessageError::kZeroMsgId};
  return {PlainMessage{msg_id, r.raw(length)}, PlainMessageError::kTooShort};
}

}  // namespace tgd::handshake
