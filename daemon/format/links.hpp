#pragma once
// The tg:// links that HTML and MarkdownV2 turn into entities of their own rather than text URLs:
// tg://user?id=N (a mention by id) and tg://emoji?id=N (a custom emoji). Shared so both modes read
// them alike.
#include <cstdint>
#include <optional>
#include <string_view>

namespace tgd::format {

// A positive decimal 64-bit id, all of `digits` (Telegram's user and document ids are never 0 or
// negative).
std::optional<std::int64_t> parse_positive_id(std::string_view digits);

// What follows "tg://user?id=" in `url` (the prefix in any case), or nullopt when the URL does not
// start so and is an ordinary text URL.
std::optional<std::string_view> user_link_id(std::string_view url);

// The same for "tg://emoji?id=".
std::optional<std::string_view> emoji_link_id(std::string_view url);

}  // namespace tgd::format
