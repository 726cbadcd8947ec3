#include "protocol/transport/codec.hpp"

#include <utility>

namespace tgd::transport {

Codec::Codec(Framing framing, Side side, bool emit_tag, std::optional<ObfuscationStreams> streams,
             CodecOptions options)
    : encoder_(framing, side, EncoderOptions{emit_tag, options.random}),
      decoder_(framing, side, DecoderOptions{options.max_frame_size}),
      streams_(std::move(streams)) {}

Codec Codec::client(Framing framing, CodecOptions options) {
  return Codec(framing, Side::Client, true, std::nullopt, std::move(options));
}

std::optional<Codec> Codec::client_obfuscated(Framing framing, std::int16_t dc_id,
                                              const std::optional<MtproxySecret>& secret,
                                              CodecOptions options) {
  auto start = make_client_obfuscation(framing, dc_id, secret, options.random);
  if (!start) return std::nullopt;
  // The tag is inside the header; sending it again in clear would defeat the obfuscation (§1.7).
  Codec codec(framing, Side::Client, false, std::move(start->streams), std::move(options));
  codec.pending_header_.assign(start->header.begin(), start->header.end());
  return codec;
}

std::optional<Codec> Codec::server(Detection detection, ByteSpan first_bytes, CodecOptions options) {
  if (first_bytes.size() < detection.header_size) return std::nullopt;
  std::optional<ObfuscationStreams> streams;
  switch (detection.kind) {
    case DetectedKind::Plain:
      break;
    case DetectedKind::Obfuscated:
      if (!detection.obfuscation) return std::nullopt;
      streams = std::move(detection.obfuscation->streams);
      break;
    case DetectedKind::NeedMore:
    case DetectedKind::Invalid:
      return std::nullopt;
  }
  Codec codec(detection.framing, Side::Server, false, std::move(streams), std::move(options));
  codec.feed(first_bytes.subspan(detection.header_size));
  return codec;
}

template <typename Write>
bool Codec::emit(Bytes& out, Write write) {
  const std::size_t start = out.size();
  if (!write(out)) return false;
  if (streams_) streams_->encrypt.apply_in_place(MutableByteSpan(out).subspan(start));
  if (!pending_header_.empty()) {
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(start), pending_header_.begin(),
               pending_header_.end());
    pending_header_.clear();
  }
  return true;
}

bool Codec::encode(ByteSpan payload, Bytes& out, bool quick_ack_request) {
  return emit(out, [&](Bytes& o) { return encoder_.encode(payload, o, quick_ack_request); });
}

bool Codec::encode_quick_ack(std::uint32_t token, Bytes& out) {
  return emit(out, [&](Bytes& o) { return encoder_.encode_quick_ack(token, o); });
}

bool Codec::encode_transport_error(std::int32_t code, Bytes& out) {
  return emit(out, [&](Bytes& o) { return encoder_.encode_transport_error(code, o); });
}

void Codec::feed(ByteSpan bytes) {
  if (!streams_) {
    decoder_.feed(bytes);
    return;
  }
  scratch_.resize(bytes.size());
  (void)streams_->decrypt.apply(bytes, scratch_);
  decoder_.feed(scratch_);
}

}  // namespace tgd::transport
