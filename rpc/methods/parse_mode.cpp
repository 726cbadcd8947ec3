#include "rpc/methods/parse_mode.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "daemon/format/entities_json.hpp"
#include "daemon/format/html.hpp"
#include "daemon/format/markdown.hpp"
#include "daemon/format/utf16.hpp"
#include "protocol/tl/json_out.hpp"

namespace tgd::rpc::methods {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool has_param(const tl::Combinator& method, std::string_view name) {
  return std::any_of(method.params.begin(), method.params.end(),
                     [&](const tl::Param& p) { return p.name == name; });
}

Error invalid(std::string message) { return Error{codes::kInvalidParams, std::move(message), {}}; }

constexpr std::string_view kModes = R"(("HTML", "Markdown" / "MarkdownV2", or none))";

// A 64-bit id field: tgd writes them as strings (JavaScript numbers cannot hold them all); a JSON
// integer is taken too.
std::optional<std::int64_t> id_of(simdjson::dom::element e) {
  std::int64_t n = 0;
  if (e.get_int64().get(n) == simdjson::SUCCESS) return n;
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return n;
}

// A Vector<MessageEntity> in tgd's JSON form (format::entities_json's, and Telegram's messages'),
// checked against a text of `units` UTF-16 code units. `path` names the array in errors.
std::variant<std::vector<format::Entity>, Error> entities_of(simdjson::dom::element list,
                                                             const std::string& path, std::int64_t units) {
  simdjson::dom::array items;
  if (list.get(items) != simdjson::SUCCESS)
    return invalid(path + ": an array of MessageEntity objects expected");
  std::vector<format::Entity> out;
  for (simdjson::dom::element item : items) {
    const std::string at = path + "[" + std::to_string(out.size()) + "]";
    simdjson::dom::object o;
    if (item.get(o) != simdjson::SUCCESS) return invalid(at + ": a MessageEntity object expected");
    format::Entity e;
    std::string_view type;
    if (o["_"].get(type) != simdjson::SUCCESS)
      return invalid(at + "._: the constructor's name expected (\"messageEntityBold\", …)");
    e.type = std::string(type);
    std::int64_t offset = 0;
    std::int64_t length = 0;
    if (o["offset"].get_int64().get(offset) != simdjson::SUCCESS || offset < 0)
      return invalid(at + ".offset: an integer from 0 expected");
    if (o["length"].get_int64().get(length) != simdjson::SUCCESS || length < 0)
      return invalid(at + ".length: an integer from 0 expected");
    if (offset > units || length > units - offset) {
      return invalid(at + ": offset " + std::to_string(offset) + " + length " + std::to_string(length) +
                     " runs past the text's end (" + std::to_string(units) + " UTF-16 code units)");
    }
    e.offset = static_cast<std::int32_t>(offset);
    e.length = static_cast<std::int32_t>(length);
    // The fields of the constructors that have a markup form; other constructors' fields are not
    // needed (their entities are left out of the markup).
    simdjson::dom::element field;
    if (e.type == format::kTextUrl) {
      std::string_view url;
      if (o["url"].get(url) != simdjson::SUCCESS) return invalid(at + ".url: a string expected");
      e.url = std::string(url);
    } else if (e.type == format::kMentionName) {
      const auto id = o["user_id"].get(field) == simdjson::SUCCESS ? id_of(field) : std::nullopt;
      if (!id) return invalid(at + ".user_id: a user id expected (a string or a number)");
      e.user_id = *id;
    } else if (e.type == format::kCustomEmoji) {
      const auto id = o["document_id"].get(field) == simdjson::SUCCESS ? id_of(field) : std::nullopt;
      if (!id) return invalid(at + ".document_id: a document id expected (a string or a number)");
      e.document_id = *id;
    } else if (e.type == format::kPre && o["language"].get(field) == simdjson::SUCCESS) {
      std::string_view language;
      if (field.get(language) != simdjson::SUCCESS) return invalid(at + ".language: a string expected");
      e.language = std::string(language);
    } else if (e.type == format::kBlockquote && o["collapsed"].get(field) == simdjson::SUCCESS) {
      if (field.get(e.collapsed) != simdjson::SUCCESS)
        return invalid(at + ".collapsed: true or false expected");
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::variant<std::string, Error> parse_text(std::string_view text, std::string_view parse_mode,
                                            std::string_view text_path) {
  if (parse_mode.empty() || equals_ignoring_case(parse_mode, "none")) {
    return R"({"message":)" + tl::json_quoted(text) + R"(,"entities":[]})";
  }
  std::variant<format::FormattedText, format::FormatError> parsed;
  std::string_view markup;
  if (equals_ignoring_case(parse_mode, "html")) {
    parsed = format::parse_html(text);
    markup = "HTML";
  } else if (equals_ignoring_case(parse_mode, "markdown") || equals_ignoring_case(parse_mode, "markdownv2")) {
    // Telegram's legacy Markdown (v1) is not offered: "Markdown" means MarkdownV2, whose rules are
    // the documented ones and reject what v1 would silently misread.
    parsed = format::parse_markdown(text);
    markup = "MarkdownV2";
  } else {
    return invalid("params.parse_mode: \"" + std::string(parse_mode) + "\" is not a parse mode " +
                   std::string(kModes));
  }
  if (auto* e = std::get_if<format::FormatError>(&parsed)) {
    return Error{codes::kInvalidParams,
                 std::string(text_path) + ": bad " + std::string(markup) + " at byte " +
                     std::to_string(e->position) + ": " + e->message,
                 R"({"position":)" + std::to_string(e->position) + "}"};
  }
  const auto& formatted = std::get<format::FormattedText>(parsed);
  return R"({"message":)" + tl::json_quoted(formatted.text) + R"(,"entities":)" +
         format::entities_json(formatted.entities) + "}";
}

std::variant<std::string, Error> message_to_markup(simdjson::dom::parser& parser, std::string_view message,
                                                   const std::string* entities, Markup markup) {
  std::string text;
  std::vector<format::Entity> list;
  {
    simdjson::dom::element root;
    if (parser.parse(message.data(), message.size()).get(root) != simdjson::SUCCESS)
      return invalid("params.message: not valid JSON");
    std::string_view s;
    if (root.get(s) == simdjson::SUCCESS) {
      text = std::string(s);
    } else {
      simdjson::dom::object o;
      if (root.get(o) != simdjson::SUCCESS)
        return invalid("params.message: the text, a message object or an update holding one expected");
      if (entities != nullptr)
        return invalid("params.entities: only with a text message (a message object brings its own)");
      std::string path = "params.message";
      // An update (updateNewMessage, updateEditChannelMessage, …) holds the message in "message".
      simdjson::dom::object inner;
      if (o["message"].get(inner) == simdjson::SUCCESS) {
        o = inner;
        path += ".message";
      }
      if (o["message"].get(s) != simdjson::SUCCESS) {
        std::string_view name;
        const std::string what = o["_"].get(name) == simdjson::SUCCESS ? std::string(name) : "the object";
        return invalid(path + ": " + what + " has no text (a string \"message\" field)");
      }
      text = std::string(s);
      // Telegram leaves "entities" out of a message without any.
      simdjson::dom::element field;
      if (o["entities"].get(field) == simdjson::SUCCESS && !field.is_null()) {
        auto parsed = entities_of(field, path + ".entities",
                                  static_cast<std::int64_t>(format::utf16_length_unchecked(text)));
        if (auto* e = std::get_if<Error>(&parsed)) return std::move(*e);
        list = std::get<std::vector<format::Entity>>(std::move(parsed));
      }
    }
  }
  if (entities != nullptr) {
    simdjson::dom::element root;
    if (parser.parse(*entities).get(root) != simdjson::SUCCESS)
      return invalid("params.entities: not valid JSON");
    auto parsed =
        entities_of(root, "params.entities", static_cast<std::int64_t>(format::utf16_length_unchecked(text)));
    if (auto* e = std::get_if<Error>(&parsed)) return std::move(*e);
    list = std::get<std::vector<format::Entity>>(std::move(parsed));
  }
  const std::string out =
      markup == Markup::kHtml ? format::to_html(text, list) : format::to_markdown(text, list);
  return R"({"text":)" + tl::json_quoted(out) + "}";
}

namespace {

// `o` (at `path`) with its `message` replaced by the plain text and the entities it describes,
// `parse_mode` left out; the object as it was when it has no message.
std::variant<std::string, Error> format_object(const simdjson::dom::object& o, std::string_view mode,
                                               const std::string& path) {
  simdjson::dom::element ignored;
  if (o["entities"].get(ignored) == simdjson::SUCCESS)
    return invalid(path + ".entities: give entities or a parse_mode, not both");
  std::string_view message;
  if (o["message"].get(message) != simdjson::SUCCESS)
    return invalid(path + ".message: the text to format expected with parse_mode");
  auto formatted = parse_text(message, mode, path + ".message");
  if (auto* e = std::get_if<Error>(&formatted)) return std::move(*e);
  // {"message":…,"entities":[…]} without its braces, in place of the message and parse_mode.
  const std::string& fields = std::get<std::string>(formatted);
  std::string out = "{";
  for (auto [key, value] : o) {
    if (key == "parse_mode" || key == "message") continue;
    out += tl::json_quoted(key);
    out += ':';
    out += simdjson::minify(value);
    out += ',';
  }
  out.append(fields, 1, fields.size() - 2);
  out += '}';
  return out;
}

// sendMultiMedia: the parse_mode formats the message of each item (InputSingleMedia) that has one.
std::variant<std::string, Error> format_items(const simdjson::dom::object& o, std::string_view mode) {
  simdjson::dom::array items;
  if (o["multi_media"].get(items) != simdjson::SUCCESS)
    return invalid("params.multi_media: an array of inputSingleMedia expected with parse_mode");
  std::string list = "[";
  std::size_t index = 0;
  for (simdjson::dom::element item : items) {
    if (index > 0) list += ',';
    const std::string path = "params.multi_media[" + std::to_string(index++) + "]";
    simdjson::dom::object fields;
    simdjson::dom::element text;
    if (item.get(fields) != simdjson::SUCCESS || fields["message"].get(text) != simdjson::SUCCESS) {
      list += simdjson::minify(item);  // no caption: nothing to format (the codec judges the rest)
      continue;
    }
    auto formatted = format_object(fields, mode, path);
    if (auto* e = std::get_if<Error>(&formatted)) return std::move(*e);
    list += std::get<std::string>(formatted);
  }
  list += ']';
  std::string out = "{";
  for (auto [key, value] : o) {
    if (key == "parse_mode") continue;
    out += tl::json_quoted(key);
    out += ':';
    out += key == "multi_media" ? list : std::string(simdjson::minify(value));
    out += ',';
  }
  out.back() = '}';
  return out;
}

}  // namespace

std::variant<std::optional<std::string>, Error> apply_parse_mode(const tl::Combinator& method,
                                                                 const simdjson::dom::element& params) {
  simdjson::dom::object o;
  if (params.get(o) != simdjson::SUCCESS) return std::optional<std::string>{};
  simdjson::dom::element mode_element;
  if (o["parse_mode"].get(mode_element) != simdjson::SUCCESS) return std::optional<std::string>{};
  std::string_view mode;
  if (mode_element.get(mode) != simdjson::SUCCESS)
    return invalid("params.parse_mode: a string expected " + std::string(kModes));
  std::variant<std::string, Error> formatted;
  if (has_param(method, "message") && has_param(method, "entities")) {
    formatted = format_object(o, mode, "params");
  } else if (has_param(method, "multi_media")) {
    formatted = format_items(o, mode);
  } else {
    return invalid("params.parse_mode: " + method.name + " has no message with entities to format");
  }
  if (auto* e = std::get_if<Error>(&formatted)) return std::move(*e);
  return std::optional<std::string>(std::move(std::get<std::string>(formatted)));
}

}  // namespace tgd::rpc::methods
