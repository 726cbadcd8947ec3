#pragma once
// Telegram's "MarkdownV2 style" (core.telegram.org/bots/api#markdownv2-style), read the way
// Telegram's own parser reads it: parse_markdown turns it into the plain text and the MessageEntity
// list; to_markdown is the reverse. Offsets and lengths are in UTF-16 code units of the text.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/format/entity.hpp"

namespace tgd::format {

// Parses UTF-8 text in MarkdownV2: *bold* _italic_ __underline__ ~strike~ ||spoiler|| `code`
// ```lang\npre``` [text](url) [text](tg://user?id=N) ![emoji](tg://emoji?id=N), and block quotes
// (lines starting with '>', expandable when the last one ends with "||"). '\' escapes any ASCII
// character 1..126; the characters _*[]()~`>#+-=|{}.! must be escaped outside entities, '`' inside
// code and pre, ')' inside a URL. Errors name the byte: a reserved character, or the opening of an
// entity that is never closed. Empty entities are dropped.
std::variant<FormattedText, FormatError> parse_markdown(std::string_view utf8);

// Writes `text` (UTF-8) with `entities` as MarkdownV2, escaping every character that needs it, so
// that parse_markdown(to_markdown(t.text, t.entities)) == t for every t that parse_markdown returns.
// Any other entity list gives markup parse_markdown accepts too: overlapping entities are closed and
// reopened; a block quote is widened to whole lines (MarkdownV2 cannot start or end one mid-line) and
// what straddles its edges is split there; entity types without a MarkdownV2 form (messageEntityUrl,
// ...), entities inside code / pre and an entity directly inside one of its own type are left out.
std::string to_markdown(std::string_view text, const std::vector<Entity>& entities);

}  // namespace tgd::format
