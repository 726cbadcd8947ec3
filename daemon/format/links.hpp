#pragma once
// The tg:// links that HTML and MarkdownV2 turn into entities of their own rather than text URLs:
// tg://user?id=N (a mention by id) and tg://emoji?id=N (a custom emoji). Shared so both modes read
// them alike.
#include <cstdint>
#include <optional>
#include <string_view>

#include "daemon/format/entity.hpp"

namespace tgd::format {

// A positive decimal 64-bit id, all of `digits` (Telegram's user and document ids are never 0 or
// negative).
std::optional<std::int64_t> parse_positive_id(std::string_view digits);

// What follows "tg://user?id=" in `url` (the prefix in any case), or nullopt when the URL does not
// start so and is an ordinary text URL.
std::optional<std::string_view> user_link_id(std::string_view url);

// The same for "tg://emoji?id=".
std::optional<std::string_view> emoji_link_id(std::string_view url);

// Whether a text URL, mention by id or custom emoji can be written (to_html, to_markdown) so that
// it parses back: a URL that is not empty and, for a tg://user link, has a valid id; positive ids.
// Those that cannot are left out (their text stays). True for the other entity types.
bool link_writes_back(const Entity& e);

}  // namespace tgd::format
