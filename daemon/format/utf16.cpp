#include "daemon/format/utf16.hpp"

#include <limits>

namespace tgd::format {

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const auto continuation = [&](std::size_t k) { return k < text.size() && (byte(k) & 0xC0) == 0x80; };
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t need = 0;
    // The allowed range of the second byte excludes overlong forms, surrogates and > U+10FFFF
    // (Unicode's table 3-7 of well-formed byte sequences).
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + 1 >= text.size() || byte(i + 1) < lo || byte(i + 1) > hi) return i;
    for (std::size_t k = 2; k <= need; ++k) {
      if (!continuation(i + k)) return i;
    }
    i += need + 1;
  }
  return std::nullopt;
}

std::size_t utf16_length_unchecked(std::string_view valid_utf8) {
  std::size_t n = 0;
  for (const char ch : valid_utf8) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) ++n;
    if (c >= 0xF0) ++n;  // the lead byte of a 4-byte sequence: outside the BMP, a surrogate pair
  }
  return n;
}

std::optional<std::size_t> utf16_length(std::string_view text) {
  if (first_invalid_utf8(text)) return std::nullopt;
  return utf16_length_unchecked(text);
}

void append_utf8(std::string& out, char32_t cp) {
  const auto put = [&](unsigned v) { out.push_back(static_cast<char>(v)); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
    put(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  }
}

std::optional<FormatError> unparsable_input(std::string_view utf8) {
  // Offsets are int32 in the TL schema; longer input could not be described.
  if (utf8.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    return FormatError{0, "input longer than 2^31-1 bytes"};
  }
  if (const auto bad = first_invalid_utf8(utf8)) {
    return FormatError{*bad, "invalid UTF-8 at byte " + std::to_string(*bad)};
  }
  return std::nullopt;
}

}  // namespace tgd::format
