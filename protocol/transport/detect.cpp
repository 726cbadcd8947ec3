#include "protocol/transport/detect.hpp"

#include <algorithm>
#include <utility>

#include "protocol/transport/detail/byte_order.hpp"

namespace tgd::transport {

namespace {

Detection need(std::size_t bytes) {
  Detection d;
  d.need = bytes;
  return d;
}

Detection plain(Framing framing, std::size_t header_size) {
  Detection d;
  d.kind = DetectedKind::Plain;
  d.need = 0;
  d.framing = framing;
  d.header_size = header_size;
  return d;
}

Detection invalid(std::string_view reason) {
  Detection d;
  d.kind = DetectedKind::Invalid;
  d.need = 0;
  d.reason = reason;
  return d;
}

bool starts_with(ByteSpan bytes, ByteSpan prefix) {
  return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

}  // namespace

Detection detect_framing(ByteSpan first_bytes, const std::optional<MtproxySecret>& secret) {
  if (first_bytes.empty()) return need(1);
  if (first_bytes[0] == 0xef) return plain(Framing::Abridged, 1);

  if (first_bytes.size() < 4) return need(4);
  if (starts_with(first_bytes, plain_tag(Framing::Intermediate))) return plain(Framing::Intermediate, 4);
  if (starts_with(first_bytes, plain_tag(Framing::PaddedIntermediate))) {
    return plain(Framing::PaddedIntermediate, 4);
  }
  switch (detail::load_le32(first_bytes.data())) {
    case 0x44414548u:  // "HEAD"
    case 0x54534f50u:  // "POST"
    case 0x20544547u:  // "GET "
    case 0x4954504fu:  // "OPTI"
      return invalid("HTTP transport is not supported");
    case 0x02010316u:
      return invalid("fake-TLS (MTProxy ee secret) is not supported");
    default:
      break;
  }

  if (first_bytes.size() < 8) return need(8);
  if (detail::load_le32(first_bytes.data() + 4) == 0) return plain(Framing::Full, 0);

  if (first_bytes.size() < kObfuscationHeaderSize) return need(kObfuscationHeaderSize);
  auto obfuscation = accept_client_obfuscation(first_bytes.first(kObfuscationHeaderSize), secret);
  if (!obfuscation)
    return invalid("the obfuscation header has no valid tag (not MTProto, or another secret)");
  Detection d;
  d.kind = DetectedKind::Obfuscated;
  d.need = 0;
  d.framing = obfuscation->framing;
  d.header_size = kObfuscationHeaderSize;
  d.obfuscation = std::move(obfuscation);
  return d;
}

}  // namespace tgd::transport
