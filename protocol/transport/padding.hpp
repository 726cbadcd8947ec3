#pragma once
// Padded intermediate appends 0..15 random bytes to each frame (facts §1.3), and the transport
// header counts them, so a frame body is the MTProto packet followed by an unknown amount of
// padding. The transport cannot tell them apart; this helper does it the tdlib way, from the
// packet's own structure:
// - unencrypted (auth_key_id == 0, §3.4): auth_key_id, msg_id, message_data_length, then exactly
//   message_data_length bytes;
// - encrypted (§3.1): auth_key_id and msg_key (24 bytes), then the AES-IGE part, which is a
//   multiple of 16, so the remainder mod 16 is padding (tdlib: remove_suffix(size & 15)).
// Telethon strips only len % 4 (it pads by 0..3); that fails against tdlib's 0..15 and is not
// followed.
//
// The MTProto layer calls this on every Frame payload whatever the framing: for the unpadded
// framings a well-formed packet comes back unchanged.
#include <optional>

#include "protocol/base/bytes.hpp"

namespace tgd::transport {

// The MTProto packet at the start of a frame body (a view into it), or nullopt when the body is
// too short for a packet header, or an unencrypted packet's message_data_length runs past the end.
// An encrypted packet's length is only trimmed here; msg_key verification follows in the MTProto
// layer.
std::optional<ByteSpan> strip_transport_padding(ByteSpan frame_body);

}  // namespace tgd::transport
