#pragma once
// One side of one connection: framing plus optional obfuscation, bytes in and out. A thin
// composition of FrameEncoder, FrameDecoder and the obfuscation streams; see those for the rules.
//
// Client:  auto codec = Codec::client_obfuscated(Framing::PaddedIntermediate, 2);
//          codec->encode(packet, out);          // the first call prepends the header (or tag)
//          codec->feed(received); while (auto e = codec->next()) ...
// Server:  auto d = detect_framing(first_bytes);  // after NeedMore, read more and call again
//          auto codec = Codec::server(std::move(d), first_bytes);  // feeds what follows the header
#include <cstdint>
#include <optional>

#include "protocol/base/bytes.hpp"
#include "protocol/transport/detect.hpp"
#include "protocol/transport/frame_decoder.hpp"
#include "protocol/transport/frame_encoder.hpp"
#include "protocol/transport/framing.hpp"
#include "protocol/transport/obfuscation.hpp"
#include "protocol/transport/random_source.hpp"

namespace tgd::transport {

struct CodecOptions {
  std::size_t max_frame_size = kDefaultMaxFrameSize;
  // Padding and the obfuscation header; empty = crypto::random_fill.
  RandomSource random;
};

class Codec {
 public:
  // A plain client; the tag goes out with the first frame.
  static Codec client(Framing framing, CodecOptions options = {});
  // An obfuscated client (§1.7); the 64-byte header goes out with the first frame. nullopt for
  // Full (see make_client_obfuscation).
  static std::optional<Codec> client_obfuscated(Framing framing, std::int16_t dc_id,
                                                const std::optional<MtproxySecret>& secret = std::nullopt,
                                                CodecOptions options = {});
  // A server for a connection detect_framing has classified from first_bytes (the same bytes it
  // was given); the bytes after the tag or header are fed to the decoder. nullopt unless the
  // detection is Plain or Obfuscated.
  static std::optional<Codec> server(Detection detection, ByteSpan first_bytes, CodecOptions options = {});

  // FrameEncoder's operations, encrypted when obfuscated; out is appended to.
  [[nodiscard]] bool encode(ByteSpan payload, Bytes& out, bool quick_ack_request = false);
  [[nodiscard]] bool encode_quick_ack(std::uint32_t token, Bytes& out);
  [[nodiscard]] bool encode_transport_error(std::int32_t code, Bytes& out);

  // FrameDecoder's, decrypting first when obfuscated.
  void feed(ByteSpan bytes);
  std::optional<Event> next() { return decoder_.next(); }

  Framing framing() const { return encoder_.framing(); }
  Side side() const { return encoder_.side(); }
  bool obfuscated() const { return streams_.has_value(); }
  // The decoder has reported a Violation: close the connection.
  bool failed() const { return decoder_.failed(); }

 private:
  Codec(Framing framing, Side side, bool emit_tag, std::optional<ObfuscationStreams> streams,
        CodecOptions options);
  // Lets `write` append plaintext frame bytes, encrypts them in place when obfuscated, and puts
  // the pending obfuscation header in front of them. Appends nothing when write fails.
  template <typename Write>
  bool emit(Bytes& out, Write write);

  FrameEncoder encoder_;
  FrameDecoder decoder_;
  std::optional<ObfuscationStreams> streams_;
  Bytes pending_header_;  // client: the obfuscation header, sent before the first frame
  Bytes scratch_;         // decrypted input on its way to the decoder
};

}  // namespace tgd::transport
