#pragma once
// A TL combinator's id is the CRC32 of its normalized declaration. The schema test recomputes every
// id with this, so a conversion bug cannot slip into the committed .tl files.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tgd::tl {

// Normalizes `name#id {X:Type} a:flags.0?true b:bytes = R` to the text whose CRC32 is the id:
// drops #id, `?true` flag arguments and braces, writes `bytes` arguments as `string`, turns
// `Vector<T>` into `Vector T`, collapses spaces.
std::string normalized_declaration(std::string_view declaration);
std::uint32_t declaration_crc(std::string_view declaration);

// The space-separated words of a declaration (runs of spaces count as one).
std::vector<std::string_view> split_words(std::string_view text);

}  // namespace tgd::tl
