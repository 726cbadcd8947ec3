#pragma once
// Telegram's "HTML style" (core.telegram.org/bots/api#html-style): parse_html turns formatted text
// into the plain text and the MessageEntity list Telegram's methods take; to_html is the reverse.
// Offsets and lengths are in UTF-16 code units of the text, as Telegram counts them.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/format/entity.hpp"

namespace tgd::format {

// Parses UTF-8 text in Telegram's HTML style. Empty entities are dropped.
std::variant<FormattedText, FormatError> parse_html(std::string_view utf8);

// Writes `text` (UTF-8) with `entities` as HTML that parse_html reads back to the same entities
// when they nest (as every parse_html result does); overlapping entities are closed and reopened.
// Entity types without an HTML form (messageEntityUrl, ...) and entities inside code / pre are left
// out, since Telegram's HTML cannot express them.
std::string to_html(std::string_view text, const std::vector<Entity>& entities);

}  // namespace tgd::format
