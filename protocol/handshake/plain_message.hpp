#pragma once
// Unencrypted MTProto messages (facts §3.4), the only kind the handshake uses:
//   auth_key_id = 0 (8 bytes) | msg_id (8) | message_data_length (4) | body
// and the msg_ids they carry (facts §3.5).
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/base/bytes.hpp"
#include "protocol/handshake/sources.hpp"

namespace tgd::handshake {

inline constexpr std::size_t kPlainHeaderSize = 20;

// The whole message: header and body (a TL object, so a multiple of 4 bytes).
Bytes build_plain_message(std::uint64_t msg_id, ByteSpan body);

struct PlainMessage {
  std::uint64_t msg_id = 0;
  ByteSpan body;  // a view into the parsed buffer
};

enum class PlainMessageError : std::uint8_t {
  kTooShort,   // fewer than 20 bytes
  kNotPlain,   // auth_key_id is not zero (an encrypted message)
  kBadLength,  // message_data_length larger than what follows, or not a multiple of 4
  kZeroMsgId,  // msg_id 0 is never valid
};
std::string_view describe(PlainMessageError e);

struct PlainMessageResult {
  std::optional<PlainMessage> message;
  PlainMessageError error = PlainMessageError::kTooShort;  // meaningful when !message
};

// Parses one transport payload. Bytes after message_data_length are ignored: the padded
// intermediate transport appends 0..15 random bytes and tdlib also goes by message_data_length
// (facts §1.3).
PlainMessageResult parse_plain_message(ByteSpan payload);

}  // namespace tgd::handshake
