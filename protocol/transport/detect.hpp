#pragma once
// Server side: which transport a new connection speaks, decided from its first bytes.
#include <cstddef>
#include <optional>
#include <string_view>

#include "protocol/base/bytes.hpp"
#include "protocol/transport/framing.hpp"
#include "protocol/transport/obfuscation.hpp"

namespace tgd::transport {

enum class DetectedKind : std::uint8_t {
  NeedMore,    // read until `need` bytes have arrived in total, then call again
  Plain,       // `framing`, unobfuscated; its frames start after `header_size` bytes
  Obfuscated,  // a valid obfuscation header; `obfuscation` holds the inner framing and streams
  Invalid,     // not an MTProto TCP transport this server speaks; `reason` says why
};

struct Detection {
  DetectedKind kind = DetectedKind::NeedMore;
  std::size_t need = 1;                          // NeedMore
  Framing framing = Framing::Full;               // Plain, Obfuscated
  std::size_t header_size = 0;                   // Plain: 1 (abridged), 4, 0 (Full); Obfuscated: 64
  std::optional<ServerObfuscation> obfuscation;  // Obfuscated
  std::string_view reason;                       // Invalid (a static string)
};

// The decision rule. It reads 1, 4, 8 or 64 bytes, never more than the kind needs, so a client
// that sends a short first packet and waits for the answer is never stalled. The client-side rules
// of §1.7 step 1 make every branch unambiguous: an obfuscation header never starts with 0xef,
// ee×4 or dd×4, and never has zeros at 4..8.
//  1 byte:   0xef -> abridged (§1.1). A Full first packet cannot start with 0xef: its length is a
//            multiple of 4.
//  4 bytes:  ee×4 -> intermediate, dd×4 -> padded intermediate (§1.2-1.3). "HEAD", "POST",
//            "GET ", "OPTI" (HTTP transport) and 16 03 01 02 (fake-TLS MTProxy) -> Invalid: not
//            supported, and as Full lengths they would exceed the maximum frame size anyway.
//  8 bytes:  bytes 4..8 zero -> Full: its first packet starts with len and seq 0 (§1.4), e.g.
//            34 00 00 00 00 00 00 00 for a 40-byte payload; header_size 0, as those bytes belong
//            to the first frame. A Full connection must be recognised here rather than after 64
//            bytes: req_pq_multi in Full is only 52 bytes long.
//  64 bytes: anything else must be an obfuscation header: Obfuscated if it decrypts (with
//            `secret` when the server emulates an MTProxy) to a valid tag at 56..60, else Invalid.
// first_bytes may be longer than needed; the bytes after header_size belong to the first frame.
Detection detect_framing(ByteSpan first_bytes, const std::optional<MtproxySecret>& secret = std::nullopt);

}  // namespace tgd::transport
