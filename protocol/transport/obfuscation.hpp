#pragma once
// obfuscated2 (facts §1.7): a 64-byte header from which both sides derive one AES-256-CTR stream
// per direction, so the transport tag and lengths never appear in clear. tdlib uses it for every
// TCP connection, and MTProxy requires it (with the proxy's secret mixed into the keys).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/aes_ctr.hpp"
#include "protocol/transport/framing.hpp"
#include "protocol/transport/random_source.hpp"

namespace tgd::transport {

inline constexpr std::size_t kObfuscationHeaderSize = 64;

// The 16-byte MTProxy secret (§1.7 step 5). A 17-byte secret starting with 0xdd is the same
// secret with "use padded intermediate" in front: the caller drops that byte and picks
// Framing::PaddedIntermediate. Fake-TLS (0xee) secrets are not supported.
using MtproxySecret = std::array<std::uint8_t, 16>;

// One running keystream per direction for the whole connection (§1.7 step 6).
struct ObfuscationStreams {
  crypto::AesCtr256 encrypt;  // applied to every byte this side sends
  crypto::AesCtr256 decrypt;  // applied to every byte this side receives
};

struct ClientObfuscation {
  // Send first, as is: bytes 0..56 in clear, 56..64 encrypted (§1.7 step 7).
  std::array<std::uint8_t, kObfuscationHeaderSize> header{};
  // encrypt has consumed the 64 header bytes (the first payload byte uses keystream position 64);
  // decrypt starts at 0.
  ObfuscationStreams streams;
};

// Client side. Draws 64 random bytes until they cannot be mistaken for another transport (§1.7
// step 1: first byte 0xef; first word HEAD/POST/GET /OPTI, a TLS record start, dd×4 or ee×4;
// bytes 4..8 all zero), writes the tag at 56 and dc_id (int16 LE) at 60, derives the keys
// (SHA256(key || secret) with a secret). dc_id is taken as given: +10000 for test DCs and negative
// for media DCs are the caller's business; a fake DC ignores it. Returns nullopt for Full, which
// has no tag (§1.4), or if the random source produced 64 rejected headers in a row (broken).
std::optional<ClientObfuscation> make_client_obfuscation(
    Framing framing, std::int16_t dc_id, const std::optional<MtproxySecret>& secret = std::nullopt,
    const RandomSource& random = {});

struct ServerObfuscation {
  Framing framing = Framing::Abridged;  // from the decrypted tag
  std::int16_t dc_id = 0;               // as the client wrote it (random with Telethon, §1.7 step 3)
  // decrypt is the client's encrypt stream, having consumed the header (position 64); encrypt is
  // the client's decrypt stream, at position 0.
  ObfuscationStreams streams;
};

// Server side: derives both keys from the received header (the server's receive key from bytes
// 8..56 as they are, its send key from them reversed), decrypts the header and checks the tag at
// 56..60 (ef×4, ee×4 or dd×4). nullopt when header is not 64 bytes or the tag is none of these (not
// obfuscated2, or a different MTProxy secret).
std::optional<ServerObfuscation> accept_client_obfuscation(
    ByteSpan header, const std::optional<MtproxySecret>& secret = std::nullopt);

}  // namespace tgd::transport
