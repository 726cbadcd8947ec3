#include "daemon/format/html.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "daemon/format/links.hpp"
#include "daemon/format/utf16.hpp"

namespace tgd::format {

namespace {

enum class Kind {
  kBold,
  kItalic,
  kUnderline,
  kStrike,
  kCode,
  kPre,
  kLink,
  kBlockquote,
  kSpoiler,
  kCustomEmoji
};

std::optional<Kind> kind_of(std::string_view tag) {
  if (tag == "b" || tag == "strong") return Kind::kBold;
  if (tag == "i" || tag == "em") return Kind::kItalic;
  if (tag == "u" || tag == "ins") return Kind::kUnderline;
  if (tag == "s" || tag == "strike" || tag == "del") return Kind::kStrike;
  if (tag == "code") return Kind::kCode;
  if (tag == "pre") return Kind::kPre;
  if (tag == "a") return Kind::kLink;
  if (tag == "blockquote") return Kind::kBlockquote;
  if (tag == "tg-spoiler" || tag == "span") return Kind::kSpoiler;
  if (tag == "tg-emoji") return Kind::kCustomEmoji;
  return std::nullopt;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_name_char(char c) { return is_alnum(c) || c == '-' || c == '_' || c == ':'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}
std::string at(std::size_t position) { return std::to_string(position); }

// The code point of a numeric character reference's body ("#60", "#x3C"), if it is a Unicode
// scalar value other than NUL.
std::optional<char32_t> numeric_reference(std::string_view body) {
  int base = 10;
  std::string_view digits = body.substr(1);
  if (!digits.empty() && (digits[0] == 'x' || digits[0] == 'X')) {
    base = 16;
    digits.remove_prefix(1);
  }
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return std::nullopt;
  return static_cast<char32_t>(value);
}

struct OpenTag {
  std::string name{};  // lowercased: the closing tag must name the same tag
  Kind kind{};
  std::size_t position{};  // of the '<' in the input
  std::size_t depth{};     // how many tags enclose it: orders entities of equal span outer first
  Entity entity{};         // offset set; length at the closing tag
};

struct Done {
  std::size_t depth{};
  Entity entity{};
};

class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  std::optional<FormatError> run() {
    while (i_ < in_.size()) {
      const char c = in_[i_];
      if (c == '<') {
        if (auto error = tag()) return error;
      } else if (c == '&') {
        std::string decoded;
        if (auto error = reference(decoded)) return error;
        append(decoded);
      } else {
        std::size_t end = in_.find_first_of("<&", i_);
        if (end == std::string_view::npos) end = in_.size();
        append(in_.substr(i_, end - i_));
        i_ = end;
      }
    }
    if (!stack_.empty()) {
      const OpenTag& open = stack_.back();
      return FormatError{open.position, "unclosed <" + open.name + "> opened at " + at(open.position)};
    }
    return std::nullopt;
  }

  FormattedText result() && {
    std::stable_sort(done_.begin(), done_.end(), [](const Done& a, const Done& b) {
      if (a.entity.offset != b.entity.offset) return a.entity.offset < b.entity.offset;
      if (a.entity.length != b.entity.length) return a.entity.length > b.entity.length;
      return a.depth < b.depth;
    });
    FormattedText out{.text = std::move(text_), .entities = {}};
    out.entities.reserve(done_.size());
    for (Done& d : done_) out.entities.push_back(std::move(d.entity));
    return out;
  }

 private:
  void append(std::string_view s) {
    text_ += s;
    utf16_ += static_cast<std::int32_t>(utf16_length_unchecked(s));
  }

  // At '&': decodes one character reference into `out`. Telegram rejects a '&' that starts none,
  // so does this (the sender meant &amp;, or mistyped an entity).
  std::optional<FormatError> reference(std::string& out) {
    const std::size_t start = i_;
    std::size_t j = start + 1;
    while (j < in_.size() && j - start <= 32 && (is_alnum(in_[j]) || in_[j] == '#')) ++j;
    if (j >= in_.size() || in_[j] != ';' || j == start + 1) {
      return FormatError{start, "bare & at " + at(start) + " (not part of an entity; write &amp;)"};
    }
    const std::string_view body = in_.substr(start + 1, j - start - 1);
    const std::string whole = "&" + std::string(body) + ";";
    char32_t cp = 0;
    if (body == "lt") {
      cp = '<';
    } else if (body == "gt") {
      cp = '>';
    } else if (body == "amp") {
      cp = '&';
    } else if (body == "quot") {
      cp = '"';
    } else if (body == "apos") {
      cp = '\'';
    } else if (body[0] == '#') {
      const auto value = numeric_reference(body);
      if (!value)
        return FormatError{start, "bad entity " + whole + " (not a Unicode scalar value other than 0)"};
      cp = *value;
    } else {
      return FormatError{start, "bad entity " + whole};
    }
    append_utf8(out, cp);
    i_ = j + 1;
    return std::nullopt;
  }

  std::size_t skip_spaces(std::size_t j) const {
    while (j < in_.size() && is_space(in_[j])) ++j;
    return j;
  }

  std::optional<FormatError> tag() {
    const std::size_t start = i_;
    const bool closing = start + 1 < in_.size() && in_[start + 1] == '/';
    std::size_t j = start + (closing ? 2 : 1);
    const std::size_t name_begin = j;
    while (j < in_.size() && (is_alnum(in_[j]) || in_[j] == '-')) ++j;
    if (j == name_begin) {
      return FormatError{start, "'<' at " + at(start) + " starts no tag (write &lt;)"};
    }
    const std::string name = lowered(in_.substr(name_begin, j - name_begin));
    if (closing) {
      j = skip_spaces(j);
      if (j >= in_.size()) return FormatError{start, "unterminated </" + name + " at " + at(start)};
      if (in_[j] != '>')
        return FormatError{j, "unexpected '" + std::string(1, in_[j]) + "' in </" + name + ">"};
      i_ = j + 1;
      return close(start, name);
    }
    const auto kind = kind_of(name);
    if (!kind) return FormatError{start, "unknown tag <" + name + ">"};

    std::vector<std::pair<std::string, std::string>> attributes;
    for (;;) {
      j = skip_spaces(j);
      if (j >= in_.size()) return FormatError{start, "unterminated <" + name + " at " + at(start)};
      if (in_[j] == '>') break;
      if (!is_name_char(in_[j])) {
        return FormatError{j, "unexpected '" + std::string(1, in_[j]) + "' in <" + name + ">"};
      }
      const std::size_t attribute_begin = j;
      while (j < in_.size() && is_name_char(in_[j])) ++j;
      std::string attribute = lowered(in_.substr(attribute_begin, j - attribute_begin));
      std::string value;
      j = skip_spaces(j);
      if (j < in_.size() && in_[j] == '=') {
        j = skip_spaces(j + 1);
        if (j >= in_.size()) return FormatError{start, "unterminated <" + name + " at " + at(start)};
        std::size_t value_end = 0;
        std::size_t next = 0;
        if (in_[j] == '"' || in_[j] == '\'') {
          value_end = in_.find(in_[j], j + 1);
          if (value_end == std::string_view::npos) {
            return FormatError{j, "unclosed quote of " + attribute + " in <" + name + ">"};
          }
          ++j;
          next = value_end + 1;
        } else {
          value_end = j;
          while (value_end < in_.size() && !is_space(in_[value_end]) && in_[value_end] != '>') ++value_end;
          next = value_end;
        }
        // Attribute values may hold character references too (&amp; in a URL's query).
        const std::size_t saved = i_;
        i_ = j;
        while (i_ < value_end) {
          if (in_[i_] == '&') {
            if (auto error = reference(value)) return error;
          } else {
            value += in_[i_++];
          }
        }
        i_ = saved;
        j = next;
      }
      attributes.emplace_back(std::move(attribute), std::move(value));
    }
    i_ = j + 1;
    return open(start, name, *kind, attributes);
  }

  std::optional<FormatError> open(std::size_t start, const std::string& name, Kind kind,
                                  const std::vector<std::pair<std::string, std::string>>& attributes) {
    const auto attribute = [&](std::string_view key) -> const std::string* {
      const std::string* found = nullptr;
      for (const auto& [k, v] : attributes) {
        if (k == key) found = &v;  // the last one wins, as in browsers' attribute lists read in order
      }
      return found;
    };
    // Telegram keeps code and pre verbatim: no formatting inside them, except the language-naming
    // <code class="language-…"> directly inside <pre>.
    if (!stack_.empty()) {
      const OpenTag& top = stack_.back();
      if (top.kind == Kind::kCode || (top.kind == Kind::kPre && kind != Kind::kCode)) {
        return FormatError{start, "<" + name + "> inside <" + top.name + "> opened at " + at(top.position)};
      }
    }
    OpenTag tag{.name = name, .kind = kind, .position = start, .depth = stack_.size(), .entity = {}};
    Entity& e = tag.entity;
    e.offset = utf16_;
    switch (kind) {
      case Kind::kBold:
        e.type = kBold;
        break;
      case Kind::kItalic:
        e.type = kItalic;
        break;
      case Kind::kUnderline:
        e.type = kUnderline;
        break;
      case Kind::kStrike:
        e.type = kStrike;
        break;
      case Kind::kCode: {
        e.type = kCode;
        // Kept until </code>: it names the enclosing <pre>'s language.
        constexpr std::string_view kPrefix = "language-";
        if (const std::string* cls = attribute("class"); cls && cls->starts_with(kPrefix)) {
          e.language = cls->substr(kPrefix.size());
        }
        break;
      }
      case Kind::kPre:
        e.type = kPre;
        break;
      case Kind::kLink: {
        const std::string* href = attribute("href");
        if (!href || href->empty()) return FormatError{start, "<a> opened at " + at(start) + " has no href"};
        if (const auto id_text = user_link_id(*href)) {
          const auto id = parse_positive_id(*id_text);
          if (!id)
            return FormatError{start, "bad user id in <a href=\"" + *href + "\"> opened at " + at(start)};
          e.type = kMentionName;
          e.user_id = *id;
        } else {
          e.type = kTextUrl;
          e.url = *href;
        }
        break;
      }
      case Kind::kBlockquote:
        e.type = kBlockquote;
        e.collapsed = attribute("expandable") != nullptr;
        break;
      case Kind::kSpoiler:
        if (name == "span") {
          const std::string* cls = attribute("class");
          if (!cls || *cls != "tg-spoiler") {
            return FormatError{start, "<span> opened at " + at(start) + " needs class=\"tg-spoiler\""};
          }
        }
        e.type = kSpoiler;
        break;
      case Kind::kCustomEmoji: {
        const std::string* id_text = attribute("emoji-id");
        const auto id = id_text ? parse_positive_id(*id_text) : std::nullopt;
        if (!id) return FormatError{start, "<tg-emoji> opened at " + at(start) + " needs a numeric emoji-id"};
        e.type = kCustomEmoji;
        e.document_id = *id;
        break;
      }
    }
    stack_.push_back(std::move(tag));
    return std::nullopt;
  }

  std::optional<FormatError> close(std::size_t start, const std::string& name) {
    if (stack_.empty()) return FormatError{start, "</" + name + "> closes no open tag"};
    if (stack_.back().name != name) {
      const OpenTag& top = stack_.back();
      return FormatError{start, "</" + name + "> closes <" + top.name + "> opened at " + at(top.position)};
    }
    OpenTag tag = std::move(stack_.back());
    stack_.pop_back();
    Entity& e = tag.entity;
    e.length = utf16_ - e.offset;
    if (tag.kind == Kind::kCode) {
      if (!stack_.empty() && stack_.back().kind == Kind::kPre) {
        // <pre><code class="language-x"> is one pre entity with a language, not pre + code.
        if (stack_.back().entity.language.empty()) stack_.back().entity.language = std::move(e.language);
        return std::nullopt;
      }
      e.language.clear();
    }
    if (e.length > 0) done_.push_back(Done{.depth = tag.depth, .entity = std::move(e)});
    return std::nullopt;
  }

  std::string_view in_;
  std::size_t i_ = 0;
  std::string text_;
  std::int32_t utf16_ = 0;
  std::vector<OpenTag> stack_;
  std::vector<Done> done_;
};

// ---- to_html

void escape_into(std::string& out, std::string_view s) {
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
}

bool has_html_form(const Entity& e) {
  if (e.type == kTextUrl || e.type == kMentionName || e.type == kCustomEmoji) return link_writes_back(e);
  return e.type == kBold || e.type == kItalic || e.type == kUnderline || e.type == kStrike ||
         e.type == kCode || e.type == kPre || e.type == kBlockquote || e.type == kSpoiler;
}

bool is_verbatim(const Entity& e) { return e.type == kCode || e.type == kPre; }

void open_tag(std::string& out, const Entity& e) {
  if (e.type == kBold) {
    out += "<b>";
  } else if (e.type == kItalic) {
    out += "<i>";
  } else if (e.type == kUnderline) {
    out += "<u>";
  } else if (e.type == kStrike) {
    out += "<s>";
  } else if (e.type == kCode) {
    out += "<code>";
  } else if (e.type == kPre) {
    out += "<pre>";
    if (!e.language.empty()) {
      out += "<code class=\"language-";
      escape_into(out, e.language);
      out += "\">";
    }
  } else if (e.type == kTextUrl) {
    out += "<a href=\"";
    escape_into(out, e.url);
    out += "\">";
  } else if (e.type == kMentionName) {
    out += "<a href=\"tg://user?id=" + std::to_string(e.user_id) + "\">";
  } else if (e.type == kBlockquote) {
    out += e.collapsed ? "<blockquote expandable>" : "<blockquote>";
  } else if (e.type == kSpoiler) {
    out += "<tg-spoiler>";
  } else if (e.type == kCustomEmoji) {
    out += "<tg-emoji emoji-id=\"" + std::to_string(e.document_id) + "\">";
  }
}

void close_tag(std::string& out, const Entity& e) {
  if (e.type == kBold) {
    out += "</b>";
  } else if (e.type == kItalic) {
    out += "</i>";
  } else if (e.type == kUnderline) {
    out += "</u>";
  } else if (e.type == kStrike) {
    out += "</s>";
  } else if (e.type == kCode) {
    out += "</code>";
  } else if (e.type == kPre) {
    out += e.language.empty() ? "</pre>" : "</code></pre>";
  } else if (e.type == kTextUrl || e.type == kMentionName) {
    out += "</a>";
  } else if (e.type == kBlockquote) {
    out += "</blockquote>";
  } else if (e.type == kSpoiler) {
    out += "</tg-spoiler>";
  } else if (e.type == kCustomEmoji) {
    out += "</tg-emoji>";
  }
}

}  // namespace

std::variant<FormattedText, FormatError> parse_html(std::string_view utf8) {
  if (auto error = unparsable_input(utf8)) return *std::move(error);
  Parser parser(utf8);
  if (auto error = parser.run()) return *std::move(error);
  return std::move(parser).result();
}

std::string to_html(std::string_view text, const std::vector<Entity>& entities) {
  std::vector<const Entity*> order;
  for (const Entity& e : entities) {
    if (e.length > 0 && e.offset >= 0 && has_html_form(e)) order.push_back(&e);
  }
  // Stable: entities of equal span keep their list order, which parse_html makes outer first.
  std::stable_sort(order.begin(), order.end(), [](const Entity* a, const Entity* b) {
    if (a->offset != b->offset) return a->offset < b->offset;
    return a->length > b->length;
  });
  struct Open {
    const Entity* entity{};
    std::int64_t end{};
  };
  std::vector<Open> open;
  std::size_t next = 0;
  std::string out;
  out.reserve(text.size() + 16 * order.size());

  // Brings the open tags to UTF-16 position p: closes what ends there (closing and reopening any
  // entity opened inside one that ends, when the two overlap), then opens what starts there.
  const auto sync = [&](std::int64_t p) {
    const auto first_ending =
        std::find_if(open.begin(), open.end(), [&](const Open& o) { return o.end <= p; });
    if (first_ending != open.end()) {
      const auto k = static_cast<std::size_t>(first_ending - open.begin());
      std::vector<Open> reopen;
      while (open.size() > k) {
        close_tag(out, *open.back().entity);
        if (open.back().end > p) reopen.push_back(open.back());
        open.pop_back();
      }
      for (auto it = reopen.rbegin(); it != reopen.rend(); ++it) {
        open_tag(out, *it->entity);
        open.push_back(*it);
      }
    }
    while (next < order.size() && order[next]->offset <= p) {
      const Entity& e = *order[next++];
      const std::int64_t end = std::int64_t{e.offset} + e.length;
      if (end <= p) continue;  // began inside a surrogate pair and ends there: nothing to mark
      const bool inside_verbatim =
          std::any_of(open.begin(), open.end(), [](const Open& o) { return is_verbatim(*o.entity); });
      if (inside_verbatim) continue;
      open_tag(out, e);
      open.push_back(Open{.entity = &e, .end = end});
    }
  };

  std::int64_t position = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    sync(position);
    const Utf8Char c = utf8_char_at(text, i);
    escape_into(out, text.substr(i, c.bytes));
    position += c.utf16;
    i += c.bytes;
  }
  sync(position);
  while (!open.empty()) {
    close_tag(out, *open.back().entity);
    open.pop_back();
  }
  return out;
}

}  // namespace tgd::format
