// The `entities` param of messages.sendMessage / sendMedia / editMessage: checked as Telegram checks
// it where that is cheap, then kept as the JSON the codec decoded, so every entity type (those the
// test DC knows nothing about too) comes back exactly as it was sent.
#include <simdjson.h>

#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

std::variant<SentEntities, ApiError> parse_entities(Call& c, std::string_view text) {
  SentEntities out;
  if (!param_has(c.params, "entities")) return out;
  const simdjson::dom::array list = c.params["entities"].get_array().value();
  if (list.size() == 0) return out;
  const auto units = static_cast<std::int64_t>(utf16_length(text));
  out.json = "[";
  for (simdjson::dom::element e : list) {
    // Every MessageEntity constructor has offset and length, in UTF-16 code units of the text.
    const std::int64_t offset = param_int(e, "offset");
    const std::int64_t length = param_int(e, "length");
    if (offset < 0 || length < 0 || offset + length > units) return error(400, "ENTITY_BOUNDS_INVALID");
    if (out.json.size() > 1) out.json += ",";
    if (constructor(e) == "inputMessageEntityMentionName") {
      // The input form names an InputUser (with the sender's access hash); messages carry
      // messageEntityMentionName with the bare user id, so the server has changed the entities.
      auto user = resolve_input_user(c, e["user_id"].value());
      if (std::holds_alternative<ApiError>(user)) return error(400, "ENTITY_MENTION_USER_INVALID");
      out.json += R"({"_":"messageEntityMentionName","offset":)" + std::to_string(offset) + R"(,"length":)" +
                  std::to_string(length) + R"(,"user_id":)" + long_str(std::get<Account*>(user)->id) + "}";
      out.changed = true;
    } else {
      out.json += simdjson::minify(e);
    }
  }
  out.json += "]";
  return out;
}

}  // namespace tgd::testdc::api
