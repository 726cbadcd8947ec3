#include "daemon/format/markdown.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "daemon/format/links.hpp"
#include "daemon/format/utf16.hpp"

namespace tgd::format {

namespace {

// Outside code and pre these characters are markup (or reserved for it) and must be escaped to be
// text; '\n' is listed because it continues or ends a block quote.
constexpr std::string_view kReserved = "_*[]()~`>#+-=|{}.!\n";

enum class Kind : std::uint8_t {
  kBold,
  kItalic,
  kUnderline,
  kStrike,
  kSpoiler,
  kCode,
  kPre,
  kLink,
  kCustomEmoji,
  kBlockquote
};

// How errors name an entity: what it is and the marker that opens it.
std::string_view name_of(Kind kind) {
  switch (kind) {
    case Kind::kBold:
      return "bold '*'";
    case Kind::kItalic:
      return "italic '_'";
    case Kind::kUnderline:
      return "underline '__'";
    case Kind::kStrike:
      return "strikethrough '~'";
    case Kind::kSpoiler:
      return "spoiler '||'";
    case Kind::kCode:
      return "code '`'";
    case Kind::kPre:
      return "pre '```'";
    case Kind::kLink:
      return "link '['";
    case Kind::kCustomEmoji:
      return "custom emoji '!['";
    case Kind::kBlockquote:
      return "block quote '>'";
  }
  return "?";
}

std::string at(std::size_t position) { return std::to_string(position); }

// What '\' escapes: any ASCII character but NUL and DEL, as Telegram has it. A '\' before anything
// else (or at the very end) is an ordinary character.
bool escapable(char c) { return c > 0 && c <= 126; }

// Where a pre's language ends (Telegram's list; NUL included, as its parser stops at a C string's end).
bool ends_language(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' || c == '\0' || c == '`';
}

struct Open {
  Kind kind{};
  std::size_t position{};    // of its first marker byte in the input
  std::int32_t offset{};     // UTF-16 offset of its text
  std::size_t text_begin{};  // bytes of text before it: "[text]" without "(url)" links to its own text
  std::string language{};    // pre
};

struct Done {
  std::size_t depth{};
  Entity entity{};
};

// A single pass over the input with a stack of open entities. Whether a marker opens or closes an
// entity depends only on the innermost open one (so "*_*x*_*" nests bold in italic in bold), as in
// Telegram's parser, whose choices (and the errors it refuses) this follows.
class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  std::optional<FormatError> run() {
    while (i_ < in_.size()) {
      const char c = in_[i_];
      if (c == '\\' && escapable(next(1))) {
        const char escaped = in_[i_ + 1];
        append(std::string_view(&escaped, 1));
        if (escaped != '\r') line_start_ = escaped == '\n';
        i_ += 2;
        continue;
      }
      const bool reserved = verbatim() ? c == '`' : kReserved.find(c) != std::string_view::npos;
      if (!reserved) {
        const auto byte = static_cast<unsigned char>(c);
        // A '\r' between a line break and '>' still lets the '>' start a quote (CRLF text).
        if ((byte & 0xC0) != 0x80 && c != '\r') line_start_ = false;
        append(in_.substr(i_, 1));
        ++i_;
        continue;
      }
      std::optional<FormatError> error;
      if (c == '\n' && in_quote_ && next(1) != '>') {
        error = end_quote_line();
      } else if (closes_top(c)) {
        error = close();
      } else {
        error = open(c);
      }
      if (error) return error;
    }
    return finish();
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
  // The byte `k` places on, or NUL past the end: lookahead never needs a bounds check of its own.
  char next(std::size_t k) const { return i_ + k < in_.size() ? in_[i_ + k] : '\0'; }

  bool verbatim() const {
    return !stack_.empty() && (stack_.back().kind == Kind::kCode || stack_.back().kind == Kind::kPre);
  }

  void append(std::string_view s) {
    text_ += s;
    utf16_ += static_cast<std::int32_t>(utf16_length_unchecked(s));
  }

  static FormatError reserved_error(std::size_t position, char c, std::string_view hint = {}) {
    std::string message =
        "character '" + std::string(1, c) + "' is reserved and must be escaped with the preceding '\\'";
    if (!hint.empty()) message += " (" + std::string(hint) + ")";
    return FormatError{position, std::move(message)};
  }

  bool closes_top(char c) const {
    if (stack_.empty()) return false;
    switch (stack_.back().kind) {
      case Kind::kBold:
        return c == '*';
      case Kind::kItalic:
        // "__" is always underline, read greedily: an italic ends only at a '_' not followed by one.
        return c == '_' && next(1) != '_';
      case Kind::kUnderline:
        return c == '_' && next(1) == '_';
      case Kind::kStrike:
        return c == '~';
      case Kind::kSpoiler:
        return c == '|' && next(1) == '|';
      case Kind::kCode:
        return c == '`';
      case Kind::kPre:
        return c == '`' && next(1) == '`' && next(2) == '`';
      case Kind::kLink:
      case Kind::kCustomEmoji:
        return c == ']';
      case Kind::kBlockquote:
        return false;  // only a line break ends it (end_quote_line)
    }
    return false;
  }

  std::optional<FormatError> open(char c) {
    const std::size_t start = i_;
    Open entity{.kind = Kind::kBold, .position = start, .offset = 0, .text_begin = 0, .language = {}};
    switch (c) {
      case '*':
        ++i_;
        break;
      case '_':
        entity.kind = next(1) == '_' ? Kind::kUnderline : Kind::kItalic;
        i_ += entity.kind == Kind::kUnderline ? 2 : 1;
        break;
      case '~':
        entity.kind = Kind::kStrike;
        ++i_;
        break;
      case '|':
        if (next(1) != '|') return reserved_error(start, c, "a spoiler is '||'");
        entity.kind = Kind::kSpoiler;
        i_ += 2;
        break;
      case '[':
        entity.kind = Kind::kLink;
        ++i_;
        break;
      case '!':
        if (next(1) != '[') return reserved_error(start, c);
        entity.kind = Kind::kCustomEmoji;
        i_ += 2;
        break;
      case '`':
        if (verbatim()) {
          // Inside pre a '`' that does not close it. Telegram would start a code entity inside the
          // pre and drop it later; its rules say to escape it, so this says so.
          const Open& pre = stack_.back();
          return FormatError{start, "character '`' inside the " + std::string(name_of(pre.kind)) +
                                        " opened at " + at(pre.position) +
                                        " must be escaped with the preceding '\\'"};
        }
        if (next(1) == '`' && next(2) == '`') {
          entity.kind = Kind::kPre;
          open_pre(entity);
        } else {
          entity.kind = Kind::kCode;
          ++i_;
        }
        break;
      case '\n':
        // A line break inside a quote, followed by the next line's '>'.
        append("\n");
        line_start_ = true;
        ++i_;
        return std::nullopt;
      case '>':
        if (!line_start_) return reserved_error(start, c, "a block quote's '>' must start a line");
        ++i_;
        if (in_quote_) return std::nullopt;  // the '>' of a continued line
        entity.kind = Kind::kBlockquote;
        in_quote_ = true;
        break;
      case ']':
        // A link is open below something unclosed: say which one.
        for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
          if (it->kind == Kind::kLink || it->kind == Kind::kCustomEmoji) {
            const Open& top = stack_.back();
            return reserved_error(start, c,
                                  "or close the " + std::string(name_of(top.kind)) + " opened at " +
                                      at(top.position) + " first");
          }
        }
        return reserved_error(start, c);
      default:
        return reserved_error(start, c);
    }
    entity.offset = utf16_;
    entity.text_begin = text_.size();
    stack_.push_back(std::move(entity));
    return std::nullopt;
  }

  // At "```": the language (up to a space or line break, if one follows it) and one line break after
  // it are markup, not text.
  void open_pre(Open& pre) {
    i_ += 3;
    std::size_t end = i_;
    while (end < in_.size() && !ends_language(in_[end])) ++end;
    if (end > i_ && end < in_.size() && in_[end] != '`') {
      pre.language = std::string(in_.substr(i_, end - i_));
      i_ = end;
    }
    const char first = next(0);
    if (first == '\n' || first == '\r') {
      const char second = next(1);
      i_ += (second == '\n' || second == '\r') && second != first ? 2 : 1;
    }
  }

  // At '(' after a link's or custom emoji's ']': the URL, with '\' escapes, up to the ')'.
  std::variant<std::string, FormatError> url() {
    const std::size_t paren = i_;
    ++i_;
    std::string out;
    while (i_ < in_.size() && in_[i_] != ')') {
      if (in_[i_] == '\\' && escapable(next(1))) {
        out += in_[i_ + 1];
        i_ += 2;
      } else {
        out += in_[i_++];
      }
    }
    if (i_ >= in_.size()) return FormatError{paren, "unclosed URL '(' opened at " + at(paren)};
    ++i_;
    return out;
  }

  void record(Entity entity) {
    if (entity.length > 0) done_.push_back(Done{.depth = stack_.size(), .entity = std::move(entity)});
  }

  std::optional<FormatError> close() {
    Open open = std::move(stack_.back());
    stack_.pop_back();
    Entity e;
    e.offset = open.offset;
    e.length = utf16_ - open.offset;
    switch (open.kind) {
      case Kind::kBold:
        e.type = kBold;
        ++i_;
        break;
      case Kind::kItalic:
        e.type = kItalic;
        ++i_;
        break;
      case Kind::kUnderline:
        e.type = kUnderline;
        i_ += 2;
        break;
      case Kind::kStrike:
        e.type = kStrike;
        ++i_;
        break;
      case Kind::kSpoiler:
        e.type = kSpoiler;
        i_ += 2;
        break;
      case Kind::kCode:
        e.type = kCode;
        ++i_;
        break;
      case Kind::kPre:
        e.type = kPre;
        e.language = std::move(open.language);
        i_ += 3;
        break;
      case Kind::kLink: {
        ++i_;
        std::size_t url_position = open.position;
        std::string link;
        if (next(0) == '(') {
          url_position = i_;
          auto read = url();
          if (auto* error = std::get_if<FormatError>(&read)) return std::move(*error);
          link = std::get<std::string>(std::move(read));
          if (link.empty()) return FormatError{url_position, "empty URL '()' at " + at(url_position)};
        } else {
          // "[text]" alone links to the text itself, as Telegram reads it.
          link = text_.substr(open.text_begin);
          if (link.empty()) return std::nullopt;
        }
        if (const auto id_text = user_link_id(link)) {
          const auto id = parse_positive_id(*id_text);
          if (!id) return FormatError{url_position, "bad user id in URL \"" + link + "\""};
          e.type = kMentionName;
          e.user_id = *id;
        } else {
          e.type = kTextUrl;
          e.url = std::move(link);
        }
        break;
      }
      case Kind::kCustomEmoji: {
        ++i_;
        if (next(0) != '(') {
          return FormatError{i_ - 1, "custom emoji '![' opened at " + at(open.position) +
                                         " needs (tg://emoji?id=N) after its ']'"};
        }
        const std::size_t paren = i_;
        auto read = url();
        if (auto* error = std::get_if<FormatError>(&read)) return std::move(*error);
        const std::string& link = std::get<std::string>(read);
        const auto id_text = emoji_link_id(link);
        const auto id = id_text ? parse_positive_id(*id_text) : std::nullopt;
        if (!id)
          return FormatError{paren, "bad custom emoji URL \"" + link + "\" (tg://emoji?id=N expected)"};
        e.type = kCustomEmoji;
        e.document_id = *id;
        break;
      }
      case Kind::kBlockquote:
        break;  // closes_top never picks it
    }
    record(std::move(e));
    return std::nullopt;
  }

  // At a line break inside a quote whose next line does not start with '>': the quote ends after this
  // line break. "||" right before it (the last line's end) makes the quote expandable; anything else
  // still open inside the quote is an error.
  std::optional<FormatError> end_quote_line() {
    const std::size_t line_break = i_;
    bool collapsed = false;
    if (stack_.back().kind == Kind::kSpoiler) {
      const std::size_t mark = stack_.back().position;
      if (mark + 2 == line_break || (mark + 3 == line_break && in_[line_break - 1] == '\r')) {
        stack_.pop_back();
        collapsed = true;
      }
    }
    if (stack_.back().kind != Kind::kBlockquote) {
      const Open& top = stack_.back();
      return FormatError{top.position,
                         std::string(name_of(top.kind)) + " opened at " + at(top.position) +
                             " is not closed before the block quote ends at the line break at " +
                             at(line_break)};
    }
    append("\n");
    ++i_;
    line_start_ = true;
    close_quote(collapsed);
    return std::nullopt;
  }

  void close_quote(bool collapsed) {
    Open open = std::move(stack_.back());
    stack_.pop_back();
    in_quote_ = false;
    record(Entity{.type = std::string(kBlockquote),
                  .offset = open.offset,
                  .length = utf16_ - open.offset,
                  .collapsed = collapsed});
  }

  std::optional<FormatError> finish() {
    if (in_quote_) {
      // The text ends the quote; "||" at the very end makes it expandable.
      bool collapsed = false;
      if (stack_.back().kind == Kind::kSpoiler && stack_.back().position + 2 == in_.size()) {
        stack_.pop_back();
        collapsed = true;
      }
      if (stack_.back().kind == Kind::kBlockquote) close_quote(collapsed);
    }
    if (!stack_.empty()) {
      const Open& top = stack_.back();
      return FormatError{top.position,
                         "unclosed " + std::string(name_of(top.kind)) + " opened at " + at(top.position)};
    }
    return std::nullopt;
  }

  std::string_view in_;
  std::size_t i_ = 0;
  std::string text_;
  std::int32_t utf16_ = 0;
  bool line_start_ = true;  // only markers (and '\r') since the last line break: a '>' starts a quote
  bool in_quote_ = false;   // one quote at a time: a '>' at a line start inside one continues it
  std::vector<Open> stack_;
  std::vector<Done> done_;
};

// ---- to_markdown

bool is_verbatim(std::string_view type) { return type == kCode || type == kPre; }

// Types whose markers toggle: one directly inside another of its type would read as its end.
bool toggles(std::string_view type) {
  return type == kBold || type == kItalic || type == kUnderline || type == kStrike || type == kSpoiler;
}

bool has_markdown_form(const Entity& e) {
  if (e.type == kTextUrl || e.type == kMentionName || e.type == kCustomEmoji) return link_writes_back(e);
  return e.type == kBold || e.type == kItalic || e.type == kUnderline || e.type == kStrike ||
         e.type == kSpoiler || e.type == kCode || e.type == kPre || e.type == kBlockquote;
}

// A language parse_markdown reads back: it ends at the first space, line break or '`'.
bool writable_language(std::string_view language) {
  return !language.empty() && std::none_of(language.begin(), language.end(), ends_language);
}

void escape_into(std::string& out, std::string_view s, std::string_view specials) {
  for (const char c : s) {
    if (specials.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
}

std::string opening(const Entity& e) {
  if (e.type == kBold) return "*";
  if (e.type == kItalic) return "_";
  if (e.type == kUnderline) return "__";
  if (e.type == kStrike) return "~";
  if (e.type == kSpoiler) return "||";
  if (e.type == kCode) return "`";
  // The line break after ``` (and the language) is markup: the content starts after it.
  if (e.type == kPre) return "```" + (writable_language(e.language) ? e.language : std::string()) + "\n";
  if (e.type == kTextUrl || e.type == kMentionName) return "[";
  if (e.type == kCustomEmoji) return "![";
  if (e.type == kBlockquote) return ">";
  return {};
}

std::string closing(const Entity& e) {
  if (e.type == kBold) return "*";
  if (e.type == kItalic) return "_";
  if (e.type == kUnderline) return "__";
  if (e.type == kStrike) return "~";
  if (e.type == kSpoiler) return "||";
  if (e.type == kCode) return "`";
  if (e.type == kPre) return "```";
  if (e.type == kTextUrl) {
    std::string out = "](";
    escape_into(out, e.url, ")\\");
    return out + ")";
  }
  if (e.type == kMentionName) return "](tg://user?id=" + std::to_string(e.user_id) + ")";
  if (e.type == kCustomEmoji) return "](tg://emoji?id=" + std::to_string(e.document_id) + ")";
  if (e.type == kBlockquote) return e.collapsed ? "||" : "";
  return {};
}

// One entity to write, over UTF-16 units [begin, end) of the text.
struct Item {
  Entity entity{};
  std::int64_t begin{};
  std::int64_t end{};
  // Quotes: the line break that ends it (the last unit), or -1 when it runs to the end of the text.
  std::int64_t line_break = -1;
  // Among equal spans: a quote running to the text's end holds the others (nothing can close after
  // it), a quote ended by its line break sits inside them (nothing inside it may hold that line
  // break); the rest keep the caller's order, which parse_markdown makes outer first.
  int rank = 1;
  std::size_t order{};
};

class Writer {
 public:
  Writer(std::string_view text, const std::vector<Entity>& entities) : text_(text) {
    index_text();
    collect(entities);
  }

  std::string run() && {
    out_.reserve(text_.size() + 8 * items_.size());
    std::int64_t position = 0;
    std::size_t i = 0;
    while (i < text_.size()) {
      sync(position);
      const Utf8Char c = utf8_char_at(text_, i);
      write_char(position, text_.substr(i, c.bytes));
      position += c.utf16;
      i += c.bytes;
    }
    sync(position);
    while (!open_.empty()) close_top();
    return std::move(out_);
  }

 private:
  struct OpenItem {
    const Item* item{};
    std::int64_t opened_at{};
  };

  // ascii_[u]: the character starting at UTF-16 unit u when it is ASCII, else 0.
  void index_text() {
    for (std::size_t i = 0; i < text_.size(); ++i) {
      const auto c = static_cast<unsigned char>(text_[i]);
      if ((c & 0xC0) == 0x80) continue;
      ascii_.push_back(c < 0x80 ? static_cast<char>(c) : '\0');
      if (c >= 0xF0) ascii_.push_back('\0');
    }
  }
  std::int64_t units() const { return static_cast<std::int64_t>(ascii_.size()); }
  char ascii_at(std::int64_t u) const { return ascii_[static_cast<std::size_t>(u)]; }

  void collect(const std::vector<Entity>& entities) {
    std::vector<Item> quotes;
    std::vector<Item> others;
    for (std::size_t k = 0; k < entities.size(); ++k) {
      const Entity& e = entities[k];
      if (e.offset < 0 || e.length <= 0 || !has_markdown_form(e)) continue;
      const std::int64_t begin = e.offset;
      const std::int64_t end = std::min<std::int64_t>(std::int64_t{e.offset} + e.length, units());
      if (begin >= end) continue;
      Item item{.entity = e, .begin = begin, .end = end, .line_break = -1, .rank = 1, .order = k};
      if (e.type == kBlockquote) {
        widen_quote(item);
        quotes.push_back(std::move(item));
      } else {
        others.push_back(std::move(item));
      }
    }
    merge_quotes(quotes);
    for (Item& quote : quotes) {
      // A quote ending with the text's last line break may be closed by it (then nothing inside the
      // quote holds it) or run on to the text's end (then nothing outside can hold the quote). An
      // entity inside the quote holding that line break decides for the latter.
      if (quote.end != units() || quote.line_break < 0) continue;
      const bool inner_holds_it = std::any_of(others.begin(), others.end(), [&](const Item& other) {
        return other.end == units() &&
               (other.begin > quote.begin || (other.begin == quote.begin && other.order > quote.order));
      });
      if (inner_holds_it) {
        quote.line_break = -1;
        quote.rank = 0;
      }
    }
    for (const Item& quote : quotes) others = split_around(std::move(others), quote);
    items_ = std::move(quotes);
    items_.insert(items_.end(), std::make_move_iterator(others.begin()),
                  std::make_move_iterator(others.end()));
    std::stable_sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) {
      if (a.begin != b.begin) return a.begin < b.begin;
      if (a.end != b.end) return a.end > b.end;
      if (a.rank != b.rank) return a.rank < b.rank;
      return a.order < b.order;
    });
  }

  // MarkdownV2 quotes are whole lines: '>' only starts one at a line's start (after nothing but
  // '\r'), and only a line break not followed by '>' ends one, that line break included.
  void widen_quote(Item& quote) const {
    std::int64_t before = quote.begin;
    while (before > 0 && ascii_at(before - 1) == '\r') --before;
    if (before > 0 && ascii_at(before - 1) != '\n') {
      while (quote.begin > 0 && ascii_at(quote.begin - 1) != '\n') --quote.begin;
    }
    if (quote.end < units() && ascii_at(quote.end - 1) != '\n') {
      while (quote.end < units() && ascii_at(quote.end) != '\n') ++quote.end;
      if (quote.end < units()) ++quote.end;
    }
  }

  void merge_quotes(std::vector<Item>& quotes) const {
    std::stable_sort(quotes.begin(), quotes.end(),
                     [](const Item& a, const Item& b) { return a.begin < b.begin; });
    std::vector<Item> merged;
    for (Item& quote : quotes) {
      if (!merged.empty() && quote.begin < merged.back().end) {
        merged.back().end = std::max(merged.back().end, quote.end);
        merged.back().entity.collapsed = merged.back().entity.collapsed || quote.entity.collapsed;
      } else {
        merged.push_back(std::move(quote));
      }
    }
    for (Item& quote : merged) {
      quote.line_break = ascii_at(quote.end - 1) == '\n' ? quote.end - 1 : -1;
      quote.rank = quote.line_break >= 0 ? 2 : 0;
    }
    quotes = std::move(merged);
  }

  // Cuts the entities that straddle a quote's edges at them. Inside a quote an entity must end before
  // its closing line break; around a quote that runs to the text's end nothing can close at all.
  static std::vector<Item> split_around(std::vector<Item> items, const Item& quote) {
    const std::int64_t inner_end = quote.line_break >= 0 ? quote.line_break : quote.end;
    std::vector<Item> out;
    const auto piece = [&](const Item& item, std::int64_t begin, std::int64_t end) {
      if (begin >= end) return;
      Item copy = item;
      copy.begin = begin;
      copy.end = end;
      out.push_back(std::move(copy));
    };
    for (const Item& item : items) {
      const std::int64_t a = item.begin;
      const std::int64_t b = item.end;
      if (b <= quote.begin || a >= quote.end) {
        out.push_back(item);
      } else if (a <= quote.begin && b >= quote.end) {
        if (quote.line_break >= 0) {
          out.push_back(item);  // holds the quote
        } else {
          piece(item, a, quote.begin);
          piece(item, quote.begin, b);
        }
      } else if (a < quote.begin) {
        piece(item, a, quote.begin);
        piece(item, quote.begin, b);
      } else if (b <= inner_end) {
        out.push_back(item);
      } else {
        piece(item, a, inner_end);
        piece(item, quote.end, b);
      }
    }
    return out;
  }

  const OpenItem* open_verbatim() const {
    return !open_.empty() && is_verbatim(open_.back().item->entity.type) ? &open_.back() : nullptr;
  }

  bool can_open(const Item& item) const {
    if (open_verbatim() != nullptr) return false;  // Telegram keeps code and pre verbatim
    if (open_.empty()) return true;
    return !(toggles(item.entity.type) && open_.back().item->entity.type == item.entity.type);
  }

  // Markers that would run together and read differently get an empty pair of markers between them
  // (as Telegram's own docs advise for "___"): an italic's '_' before another '_' marker would make
  // "__", an underline; a quote's '>' right after the line break that ended another quote would
  // continue it. The pair must not be the innermost open entity's marker, which would close it.
  void marker(std::string_view s) {
    if (s.empty()) return;
    if ((after_underscore_ && s.front() == '_') || (after_quote_ && s.front() == '>')) {
      const bool bold_on_top = !open_.empty() && open_.back().item->entity.type == kBold;
      out_ += bold_on_top ? "~~" : "**";
    }
    out_ += s;
    after_underscore_ = s.back() == '_';
    after_quote_ = false;
  }

  void text(std::string_view s) {
    out_ += s;
    after_underscore_ = false;
    after_quote_ = false;
  }

  void open(const Item& item, std::int64_t position) {
    marker(opening(item.entity));
    open_.push_back(OpenItem{.item = &item, .opened_at = position});
  }

  void close_top() {
    marker(closing(open_.back().item->entity));
    open_.pop_back();
  }

  // Brings the open entities to UTF-16 position p: closes what ends there (closing and reopening any
  // entity opened inside one that ends, when the two overlap), then opens what starts there.
  void sync(std::int64_t p) {
    const auto first_ending =
        std::find_if(open_.begin(), open_.end(), [&](const OpenItem& o) { return o.item->end <= p; });
    if (first_ending != open_.end()) {
      const auto k = static_cast<std::size_t>(first_ending - open_.begin());
      std::vector<const Item*> reopen;
      while (open_.size() > k) {
        if (open_.back().item->end > p) reopen.push_back(open_.back().item);
        close_top();
      }
      for (auto it = reopen.rbegin(); it != reopen.rend(); ++it) {
        if (can_open(**it)) open(**it, p);
      }
    }
    while (next_ < items_.size() && items_[next_].begin <= p) {
      const Item& item = items_[next_++];
      if (item.end <= p) continue;  // began inside a surrogate pair and ends there: nothing to mark
      if (can_open(item)) open(item, p);
    }
  }

  void write_char(std::int64_t p, std::string_view c) {
    if (const OpenItem* verbatim = open_verbatim()) {
      const Item& item = *verbatim->item;
      if (c == "`" || c == "\\") {
        text("\\");
      } else if (c == "\n") {
        // A line break ending code or pre (but for '\r's) is escaped: an escaped one lets a '>' right
        // after the entity start a quote, a plain one inside code does not.
        std::int64_t k = p + 1;
        while (k < item.end && ascii_at(k) == '\r') ++k;
        if (k == item.end) text("\\");
      } else if (c == "\r" && item.entity.type == kPre && p == verbatim->opened_at) {
        text("\\");  // else it would pair with the line break after ``` and be skipped with it
      }
      text(c);
      return;
    }
    if (c == "\n") {
      const auto quote = std::find_if(open_.begin(), open_.end(),
                                      [](const OpenItem& o) { return o.item->entity.type == kBlockquote; });
      if (quote == open_.end()) {
        text(c);
      } else if (quote->item->line_break == p) {
        // The quote's own last line break ends it; "||" before it makes it expandable.
        while (open_.end() - quote > 1) close_top();
        marker(closing(quote->item->entity));
        open_.pop_back();
        text(c);
        after_quote_ = true;
      } else {
        text("\n>");
      }
      return;
    }
    if (c.size() == 1 && (kReserved.find(c[0]) != std::string_view::npos || c[0] == '\\')) text("\\");
    text(c);
  }

  std::string_view text_;
  std::vector<char> ascii_;
  std::vector<Item> items_;
  std::size_t next_ = 0;
  std::vector<OpenItem> open_;
  std::string out_;
  bool after_underscore_ = false;  // the last byte written is a '_' marker
  bool after_quote_ = false;       // the last byte written is the line break that ended a quote
};

}  // namespace

std::variant<FormattedText, FormatError> parse_markdown(std::string_view utf8) {
  if (auto error = unparsable_input(utf8)) return *std::move(error);
  Parser parser(utf8);
  if (auto error = parser.run()) return *std::move(error);
  return std::move(parser).result();
}

std::string to_markdown(std::string_view text, const std::vector<Entity>& entities) {
  return Writer(text, entities).run();
}

}  // namespace tgd::format
