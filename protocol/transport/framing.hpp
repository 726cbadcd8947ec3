#pragma once
// The four MTProto TCP framings (facts §1.1-1.4), which side of a connection a codec runs on, and
// the constants shared by the encoder, the decoder, detection and obfuscation.
//
// The transport layer is sans-IO: bytes in, frames and events out. The pieces:
//   frame_encoder.hpp  payload -> framed bytes (plus quick-ack replies and transport errors)
//   frame_decoder.hpp  received bytes -> Frame / QuickAck / TransportError / Violation events
//   padding.hpp        strips padded-intermediate padding the tdlib way (§1.3)
//   obfuscation.hpp    obfuscated2 headers and AES-256-CTR streams (§1.7)
//   detect.hpp         server side: which transport a new connection speaks
//   codec.hpp          framing + optional obfuscation for one side of one connection
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/base/bytes.hpp"

namespace tgd::transport {

enum class Framing : std::uint8_t { Abridged, Intermediate, PaddedIntermediate, Full };

// Quick acks and the tags depend on the direction: a client sends the tag and quick-ack requests,
// a server sends quick-ack replies and transport errors.
enum class Side : std::uint8_t { Client, Server };

std::string_view to_string(Framing framing);

// Frames larger than this are a Violation by default (and cannot be encoded): tdlib refuses to
// write 2^24 bytes or more, and no MTProto message comes near it (the server caps at ~1 MiB).
inline constexpr std::size_t kDefaultMaxFrameSize = std::size_t{1} << 24;

// The plain tag a client sends once before its first frame: ef, ee ee ee ee, dd dd dd dd, or
// nothing for Full (§1.1-1.4).
ByteSpan plain_tag(Framing framing);

// The 4-byte tag an obfuscation header carries at offset 56 (§1.7 step 2); nullopt for Full,
// which cannot be obfuscated (§1.4).
std::optional<std::array<std::uint8_t, 4>> obfuscation_tag(Framing framing);

}  // namespace tgd::transport
