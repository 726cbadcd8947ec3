#pragma once
// `parse_mode` on any method with a `message` (string) and an `entities` (Vector<MessageEntity>)
// parameter (issue #8): {"message":"<b>hi</b>","parse_mode":"HTML"} is sent as {"message":"hi",
// "entities":[{"_":"messageEntityBold","offset":0,"length":2}]}; "Markdown" / "MarkdownV2" likewise
// ("*hi*"). The markup is parsed by
// daemon/format; bad markup is an error naming the position, never a mangled message.
#include <simdjson.h>

#include <optional>
#include <string>
#include <variant>

#include "protocol/tl/schema.hpp"
#include "rpc/jsonrpc/method_handler.hpp"

namespace tgd::rpc::methods {

// The formatted message: {"message": text, "entities": [...]}, or the error (for parseText and the
// methods alike). parse_mode, in any case: "HTML"; "Markdown" or "MarkdownV2" (both Telegram's
// MarkdownV2 rules); "" or "none": the text as it is, no entities.
// `text_path` names the text in errors ("params.message").
std::variant<std::string, Error> parse_text(std::string_view text, std::string_view parse_mode,
                                            std::string_view text_path);

// The params with parse_mode applied, when they carry one (nullopt: unchanged). Refused: a
// parse_mode on a method without message + entities, with entities given too, or without a message.
std::variant<std::optional<std::string>, Error> apply_parse_mode(const tl::Combinator& method,
                                                                 const simdjson::dom::element& params);

}  // namespace tgd::rpc::methods
