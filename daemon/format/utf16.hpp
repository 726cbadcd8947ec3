#pragma once
// UTF-8 validation and UTF-16 counting: Telegram measures entity offsets and lengths in UTF-16 code
// units of the message text, while tgd keeps text as UTF-8.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tgd::format {

// The byte offset of the first byte of the first ill-formed sequence (overlong forms, surrogates and
// code points past U+10FFFF are ill-formed), or nullopt when `text` is valid UTF-8.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// The UTF-16 length of `text`, or nullopt when it is not valid UTF-8.
std::optional<std::size_t> utf16_length(std::string_view text);

// The UTF-16 length of text already known to be valid UTF-8 (no check: every non-continuation byte
// is one unit, a 4-byte sequence is a surrogate pair).
std::size_t utf16_length_unchecked(std::string_view valid_utf8);

// Appends `code_point` (a Unicode scalar value) encoded as UTF-8.
void append_utf8(std::string& out, char32_t code_point);

}  // namespace tgd::format
