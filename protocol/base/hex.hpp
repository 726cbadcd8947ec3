#pragma once
// Hex text <-> bytes, for test vectors, diagnostics and configuration.
#include <optional>
#include <string>
#include <string_view>

#include "protocol/base/bytes.hpp"

namespace tgd {

std::string to_hex(ByteSpan data);
// Accepts upper or lower case; spaces are ignored so vectors can be written in groups.
// Returns nullopt on any other character or an odd number of digits.
std::optional<Bytes> from_hex(std::string_view text);
// For literals in tests: like from_hex, but an invalid literal is a programming error (aborts).
Bytes hex_bytes(std::string_view text);

}  // namespace tgd
