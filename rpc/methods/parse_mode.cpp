#include "rpc/methods/parse_mode.hpp"

#include <algorithm>
#include <cctype>

#include "daemon/format/entities_json.hpp"
#include "daemon/format/html.hpp"
#include "daemon/format/markdown.hpp"
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

std::variant<std::optional<std::string>, Error> apply_parse_mode(const tl::Combinator& method,
                                                                 const simdjson::dom::element& params) {
  simdjson::dom::object o;
  if (params.get(o) != simdjson::SUCCESS) return std::optional<std::string>{};
  simdjson::dom::element mode_element;
  if (o["parse_mode"].get(mode_element) != simdjson::SUCCESS) return std::optional<std::string>{};
  std::string_view mode;
  if (mode_element.get(mode) != simdjson::SUCCESS)
    return invalid("params.parse_mode: a string expected " + std::string(kModes));
  if (!has_param(method, "message") || !has_param(method, "entities")) {
    return invalid("params.parse_mode: " + method.name + " has no message with entities to format");
  }
  simdjson::dom::element ignored;
  if (o["entities"].get(ignored) == simdjson::SUCCESS)
    return invalid("params.entities: give entities or a parse_mode, not both");
  std::string_view message;
  if (o["message"].get(message) != simdjson::SUCCESS)
    return invalid("params.message: the text to format expected with parse_mode");
  auto formatted = parse_text(message, mode, "params.message");
  if (auto* e = std::get_if<Error>(&formatted)) return std::move(*e);
  // {"message":…,"entities":[…]} without its braces, in place of the message and parse_mode.
  const std::string& fields = std::get<std::string>(formatted);
  std::string out = "{";
  bool first = true;
  for (auto [key, value] : o) {
    if (key == "parse_mode" || key == "message") continue;
    if (!first) out += ',';
    first = false;
    out += tl::json_quoted(key);
    out += ':';
    out += simdjson::minify(value);
  }
  if (!first) out += ',';
  out.append(fields, 1, fields.size() - 2);
  out += '}';
  return std::optional<std::string>(std::move(out));
}

}  // namespace tgd::rpc::methods
