#pragma once
// UTF-8 validation and UTF-16 counting: Telegram measures entity offsets and lengths in UTF-16 code
// units of the message text, while tgd keeps text as UTF-8.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/format/entity.hpp"

namespace tgd::format {

// The byte offset of the first byte of the first ill-formed sequence (overlong forms, surrogates and
// code points past U+10FFFF are ill-formed), or nullopt when `text` is valid UTF-8.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// Why formatted text cannot be parsed at all (too long for TL's int32 offsets, or not UTF-8);
// nullopt when a parser can take it.
std::optional<FormatError> unparsable_input(std::string_view utf8);

// The UTF-16 length of `text`, or nullopt when it is not valid UTF-8.
std::optional<std::size_t> utf16_length(std::string_view text);

// The UTF-16 length of text already known to be valid UTF-8 (no check: every non-continuation byte
// is one unit, a 4-byte sequence is a surrogate pair).
std::size_t utf16_length_unchecked(std::string_view valid_utf8);

// Appends `code_point` (a Unicode scalar value) encoded as UTF-8.
void append_utf8(std::string& out, char32_t code_point);

// The bytes of the UTF-8 sequence starting at text[i] (valid UTF-8, or cut short at the end) and
// its length in UTF-16 code units: 4-byte sequences are outside the BMP and count 2.
struct Utf8Char {
  std::size_t bytes = 1;
  std::int64_t utf16 = 1;
};
inline Utf8Char utf8_char_at(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t bytes = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  bytes = std::min(bytes, text.size() - i);
  return Utf8Char{bytes, bytes == 4 ? 2 : 1};
}

}  // namespace tgd::format
