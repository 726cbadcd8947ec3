#include "protocol/transport/framing.hpp"

namespace tgd::transport {

namespace {
constexpr std::uint8_t kAbridgedTag[] = {0xef};
constexpr std::uint8_t kIntermediateTag[] = {0xee, 0xee, 0xee, 0xee};
constexpr std::uint8_t kPaddedTag[] = {0xdd, 0xdd, 0xdd, 0xdd};
}  // namespace

std::string_view to_string(Framing framing) {
  switch (framing) {
    case Framing::Abridged:
      return "abridged";
    case Framing::Intermediate:
      return "intermediate";
    case Framing::PaddedIntermediate:
      return "padded intermediate";
    case Framing::Full:
      return "full";
  }
  return "unknown";
}

ByteSpan plain_tag(Framing framing) {
  switch (framing) {
    case Framing::Abridged:
      return kAbridgedTag;
    case Framing::Intermediate:
      return kIntermediateTag;
    case Framing::PaddedIntermediate:
      return kPaddedTag;
    case Framing::Full:
      break;
  }
  return {};
}

std::optional<std::array<std::uint8_t, 4>> obfuscation_tag(Framing framing) {
  switch (framing) {
    case Framing::Abridged:
      // Abridged's one-byte tag is repeated to fill the 4 bytes (§1.7 step 2).
      return std::array<std::uint8_t, 4>{0xef, 0xef, 0xef, 0xef};
    case Framing::Intermediate:
      return std::array<std::uint8_t, 4>{0xee, 0xee, 0xee, 0xee};
    case Framing::PaddedIntermediate:
      return std::array<std::uint8_t, 4>{0xdd, 0xdd, 0xdd, 0xdd};
    case Framing::Full:
      break;
  }
  return std::nullopt;
}

}  // namespace tgd::transport
