#pragma once
// File names that come from the network (documentAttributeFilename, made-up names) made safe for a
// directory of the user's, and the "name (1).ext" series that keeps downloads from overwriting
// each other.
#include <cstddef>
#include <string>
#include <string_view>

namespace tgd::files {

// The longest name sanitize_file_name() returns, in bytes: NAME_MAX (255) less room for a " (NNNN)"
// counter and a margin, so the unique names built from it stay valid everywhere.
inline constexpr std::size_t kMaxFileNameBytes = 200;

// The rule, in order:
// 1. bytes that are not valid UTF-8 become '_';
// 2. '/' and '\\' (path separators here or on a share), NUL and the other control characters
//    (U+0000..U+001F, U+007F) become '_';
// 3. leading dots and spaces are dropped (no hidden files, no "." or ".."), trailing dots and spaces
//    too (Windows shares drop them silently, and "name." is a trap);
// 4. more than kMaxFileNameBytes bytes: cut at a character boundary, keeping the extension (the part
//    after the last dot) when it is at most 16 bytes;
// 5. an empty result becomes `fallback` (itself sanitized, then "file" if still empty).
std::string sanitize_file_name(std::string_view name, std::string_view fallback = "file");

// The n-th candidate for `name` in a directory: n == 0 is `name` itself, then "stem (n).ext" where
// ext starts at the last dot that is not the first character ("a.tar.gz" → "a.tar (1).gz",
// "README" → "README (1)").
std::string numbered_file_name(std::string_view name, unsigned n);

// An extension for a MIME type, with its dot (".jpg" for image/jpeg), or "" when unknown.
std::string_view extension_for_mime(std::string_view mime_type);

}  // namespace tgd::files
