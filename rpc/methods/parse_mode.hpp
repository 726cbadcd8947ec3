#pragma once
// `parse_mode` on any method with a `message` (string) and an `entities` (Vector<MessageEntity>)
// parameter (issue #8): {"message":"<b>hi</b>","parse_mode":"HTML"} is sent as {"message":"hi",
// "entities":[{"_":"messageEntityBold","offset":0,"length":2}]}; "Markdown" / "MarkdownV2" likewise
// ("*hi*"). The markup is parsed by
// daemon/format; bad markup is an error naming the position, never a mangled message.
#include <simdjson.h>

#include <cstdint>
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

// messageToHtml / messageToMarkdown, the way back: text + entities → markup that the parse_mode of
// the same name turns into them again (entity types without a form in it, URLs or hashtags, are left
// for Telegram to find). `message`: the params' "message" as JSON text, either the text (a string,
// with `entities`: the params' "entities" as JSON text, or null for none) or an object with the
// fields "message" (the text) and "entities": a message, an update holding one in its "message"
// field, or parseText's answer. Answers {"text": markup}; bad entities (not an array, offset or
// length out of the text) are -32602 naming their JSON path. `parser` is used synchronously.
enum class Markup : std::uint8_t { kHtml, kMarkdown };
std::variant<std::string, Error> message_to_markup(simdjson::dom::parser& parser, std::string_view message,
                                                   const std::string* entities, Markup markup);

// The params with parse_mode applied, when they carry one (nullopt: unchanged); on
// messages.sendMultiMedia, to the message of each item in multi_media that has one. Refused: a
// parse_mode on a method without message + entities (or multi_media), with entities given too, or
// without a message.
std::variant<std::optional<std::string>, Error> apply_parse_mode(const tl::Combinator& method,
                                                                 const simdjson::dom::element& params);

}  // namespace tgd::rpc::methods
