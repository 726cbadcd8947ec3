#pragma once
// Levenshtein distance between two short strings, for "did you mean …?" hints (unknown config keys,
// unknown JSON-RPC methods).
#include <cstddef>
#include <string_view>

namespace tgd {

enum class LetterCase : bool { Sensitive, Ignore };

std::size_t edit_distance(std::string_view a, std::string_view b,
                          LetterCase letter_case = LetterCase::Sensitive);

}  // namespace tgd
