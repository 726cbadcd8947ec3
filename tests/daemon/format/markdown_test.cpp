#include <doctest/doctest.h>

#include <random>
#include <string>
#include <variant>
#include <vector>

#include "daemon/format/entities_json.hpp"
#include "daemon/format/markdown.hpp"
#include "daemon/format/utf16.hpp"
#include "tests/daemon/format/entity_builders.hpp"

namespace tgd::format::test {
namespace {

struct Good {
  std::string_view markdown;
  std::string text;
  std::vector<Entity> entities;
};

// Every successful parse in the tests; each is also round-tripped through to_markdown.
std::vector<Good> good_cases() {
  return {
      {"hello", "hello", {}},
      {"", "", {}},
      {"*bold* x", "bold x", {plain(kBold, 0, 4)}},
      {"_i_ __u__ ~s~ ||p|| `c`",
       "i u s p c",
       {plain(kItalic, 0, 1), plain(kUnderline, 2, 1), plain(kStrike, 4, 1), plain(kSpoiler, 6, 1),
        plain(kCode, 8, 1)}},
      // Every reserved character and '\' escaped; '\' escapes any ASCII character, and before anything
      // else (or at the end) is itself.
      {R"(\_\*\[\]\(\)\~\`\>\#\+\-\=\|\{\}\.\!\\)", R"(_*[]()~`>#+-=|{}.!\)", {}},
      {R"(\a\1\ \")", R"(a1 ")", {}},
      {"\\\xC3\xA9 a\\", "\\\xC3\xA9 a\\", {}},
      // Astral characters count 2 UTF-16 units, before and inside an entity; 2- and 3-byte ones 1.
      {"\xF0\x9F\x98\x80 *hi*", "\xF0\x9F\x98\x80 hi", {plain(kBold, 3, 2)}},
      {"a_\xF0\x9F\x98\x80"
       "b_c",
       "a\xF0\x9F\x98\x80"
       "bc",
       {plain(kItalic, 1, 3)}},
      {"\xD0\xB6\xE4\xB8\xAD__x__", "\xD0\xB6\xE4\xB8\xADx", {plain(kUnderline, 2, 1)}},
      // Nesting: bold in italic, the same span twice (outer first), bold in italic in bold (a marker
      // closes only the innermost entity, so the inner '*' opens a second bold).
      {"_a*b*c_", "abc", {plain(kItalic, 0, 3), plain(kBold, 1, 1)}},
      {"*_x_*", "x", {plain(kBold, 0, 1), plain(kItalic, 0, 1)}},
      {"*_*a*_*", "a", {plain(kBold, 0, 1), plain(kItalic, 0, 1), plain(kBold, 0, 1)}},
      {"~||x||~", "x", {plain(kStrike, 0, 1), plain(kSpoiler, 0, 1)}},
      {"*a\\*b*", "a*b", {plain(kBold, 0, 3)}},
      // The Bot API documentation's own example.
      {"*bold _italic bold ~italic bold strikethrough ||italic bold strikethrough spoiler||~ __underline "
       "italic bold___ bold*",
       "bold italic bold italic bold strikethrough italic bold strikethrough spoiler underline italic bold "
       "bold",
       {plain(kBold, 0, 103), plain(kItalic, 5, 93), plain(kStrike, 17, 59), plain(kSpoiler, 43, 33),
        plain(kUnderline, 77, 21)}},
      // "__" is read greedily as underline: "___" opens underline then italic, and closes underline
      // then italic; an empty bold separates italic's end from underline's.
      {"___a_**__", "a", {plain(kUnderline, 0, 1), plain(kItalic, 0, 1)}},
      {"_a__b___", "ab", {plain(kItalic, 0, 2), plain(kUnderline, 1, 1)}},
      {"__a_b_c__", "abc", {plain(kUnderline, 0, 3), plain(kItalic, 1, 1)}},
      {"__a____b__", "ab", {plain(kUnderline, 0, 1), plain(kUnderline, 1, 1)}},
      // Links: the URL's ')' and '\' escaped, anything else as it is; tg://user?id= a mention by id
      // (in any case); "[text]" alone links to its text.
      {"[inline URL](http://www.example.com/)", "inline URL", {text_url(0, 10, "http://www.example.com/")}},
      {"[inline mention of a user](tg://user?id=123456789)",
       "inline mention of a user",
       {mention(0, 24, 123456789)}},
      {"[Bob](TG://USER?ID=5)", "Bob", {mention(0, 3, 5)}},
      {R"([x](https://x.y/a\)b\\c))", "x", {text_url(0, 1, R"(https://x.y/a)b\c)")}},
      {"[x](https://x.y/?a=1&b=_*.(!)", "x", {text_url(0, 1, "https://x.y/?a=1&b=_*.(!")}},
      {"[https://t\\.me]", "https://t.me", {text_url(0, 12, "https://t.me")}},
      {"[go *now*](https://x.y)", "go now", {text_url(0, 6, "https://x.y"), plain(kBold, 3, 3)}},
      {"[](https://x.y)x", "x", {}},
      {"![\xF0\x9F\x91\x8D](tg://emoji?id=5368324170671202286)",
       "\xF0\x9F\x91\x8D",
       {custom_emoji(0, 2, 5368324170671202286)}},
      // Code and pre: only '`' and '\' need escaping inside; the language ends at a space or line break
      // and one line break after it (or after ```) is markup.
      {"`a_*.\\`\\\\`", "a_*.`\\", {plain(kCode, 0, 6)}},
      {"`a\nb`", "a\nb", {plain(kCode, 0, 3)}},
      {"```\nint x;\n```", "int x;\n", {pre(0, 7, "")}},
      {"```python\nprint(1)\n```", "print(1)\n", {pre(0, 9, "python")}},
      {"```python```", "python", {pre(0, 6, "")}},
      {"```c++ x```", " x", {pre(0, 2, "c++")}},
      {"```\r\nx```", "x", {pre(0, 1, "")}},
      {"```\n\nx```", "\nx", {pre(0, 2, "")}},
      {"```\na_*[.]!>\\`\\\\```", "a_*[.]!>`\\", {pre(0, 10, "")}},
      {"*x```\ny```*", "xy", {plain(kBold, 0, 2), pre(1, 1, "")}},
      // Block quotes: lines starting with '>', ended (with that line break) by a line not starting
      // with one; "||" at the end of the last line makes it expandable; an empty bold separates two.
      {">quote\n>more\nafter", "quote\nmore\nafter", {blockquote(0, 11, false)}},
      {">a\n>b||", "a\nb", {blockquote(0, 3, true)}},
      {">a||\nx", "a\nx", {blockquote(0, 2, true)}},
      {">a||\r\nx", "a\r\nx", {blockquote(0, 3, true)}},
      {">Block quotation started\n>Block quotation continued\n**>The expandable block\n>hidden||",
       "Block quotation started\nBlock quotation continued\nThe expandable block\nhidden",
       {blockquote(0, 50, false), blockquote(50, 27, true)}},
      {">*a\n>b*", "a\nb", {blockquote(0, 3, false), plain(kBold, 0, 3)}},
      {"*>a\n*b", "a\nb", {plain(kBold, 0, 2), blockquote(0, 2, false)}},
      {">a\r\n>b", "a\r\nb", {blockquote(0, 4, false)}},
      {"x\n>q", "x\nq", {blockquote(2, 1, false)}},
      {"x\n\r>q", "x\n\rq", {blockquote(3, 1, false)}},
      {"x\\\n>q", "x\nq", {blockquote(2, 1, false)}},
      {">a\n\\>b", "a\n>b", {blockquote(0, 2, false)}},
      {">\n", "\n", {blockquote(0, 1, false)}},
      // A quote ending with the text's last line break: closed by it (a bold around it), or running on
      // to the end past an escaped one (an underline inside it holding it).
      {"*>a\n*", "a\n", {plain(kBold, 0, 2), blockquote(0, 2, false)}},
      {">__a\\\n__", "a\n", {blockquote(0, 2, false), plain(kUnderline, 0, 2)}},
      {">```\nx\ny```\nz", "x\ny\nz", {blockquote(0, 4, false), pre(0, 3, "")}},
      {">", "", {}},
      // Empty entities are dropped.
      {"**x****", "x", {}},
      {"a\nb", "a\nb", {}},
  };
}

TEST_CASE("formatting: markdown parse gives the exact text and entities with UTF-16 offsets") {
  for (const Good& c : good_cases()) {
    INFO("input: " << c.markdown);
    const auto parsed = parse_markdown(c.markdown);
    if (const auto* error = std::get_if<FormatError>(&parsed)) {
      FAIL_CHECK("error at " << error->position << ": " << error->message);
      continue;
    }
    const auto& got = std::get<FormattedText>(parsed);
    CHECK(got.text == c.text);
    CHECK(entities_json(got.entities) == entities_json(c.entities));
    CHECK(got.entities == c.entities);
  }
}

TEST_CASE("formatting: markdown parse of to_markdown gives every parsed text and entity list back") {
  for (const Good& c : good_cases()) {
    const std::string markdown = to_markdown(c.text, c.entities);
    INFO("input: " << c.markdown << "  to_markdown: " << markdown);
    const auto parsed = parse_markdown(markdown);
    if (const auto* error = std::get_if<FormatError>(&parsed)) {
      FAIL_CHECK("error at " << error->position << ": " << error->message);
      continue;
    }
    CHECK(std::get<FormattedText>(parsed) == FormattedText{.text = c.text, .entities = c.entities});
  }
}

struct Bad {
  std::string_view markdown;
  std::size_t position;
  std::string message;
};

TEST_CASE("formatting: markdown parse rejects bad markup with the byte position and a precise message") {
  const std::string reserved = "is reserved and must be escaped with the preceding '\\'";
  const std::vector<Bad> cases = {
      {"a.b", 1, "character '.' " + reserved},
      {"1+1=2", 1, "character '+' " + reserved},
      {"x=", 1, "character '=' " + reserved},
      {"a-b", 1, "character '-' " + reserved},
      {"#tag", 0, "character '#' " + reserved},
      {"{", 0, "character '{' " + reserved},
      {"x}", 1, "character '}' " + reserved},
      {"(x", 0, "character '(' " + reserved},
      {"x)", 1, "character ')' " + reserved},
      {"a]", 1, "character ']' " + reserved},
      {"a!", 1, "character '!' " + reserved},
      {"a|b", 1, "character '|' " + reserved + " (a spoiler is '||')"},
      {"a>b", 1, "character '>' " + reserved + " (a block quote's '>' must start a line)"},
      {"`a\n`>b", 4, "character '>' " + reserved + " (a block quote's '>' must start a line)"},
      {"[*a](https://x.y)", 3, "character ']' " + reserved + " (or close the bold '*' opened at 1 first)"},
      {"*a", 0, "unclosed bold '*' opened at 0"},
      {"ab_c", 2, "unclosed italic '_' opened at 2"},
      {"__u", 0, "unclosed underline '__' opened at 0"},
      {"x~s", 1, "unclosed strikethrough '~' opened at 1"},
      {"||s", 0, "unclosed spoiler '||' opened at 0"},
      {"`c", 0, "unclosed code '`' opened at 0"},
      {"```\nx", 0, "unclosed pre '```' opened at 0"},
      {"[a", 0, "unclosed link '[' opened at 0"},
      {"![a", 0, "unclosed custom emoji '![' opened at 0"},
      {"*a_b*", 4, "unclosed bold '*' opened at 4"},
      {"___a___", 6, "unclosed italic '_' opened at 6"},
      {"[a](http://x", 3, "unclosed URL '(' opened at 3"},
      {"[a](x\\)", 3, "unclosed URL '(' opened at 3"},
      {"[a]()", 3, "empty URL '()' at 3"},
      {"[a](tg://user?id=abc)", 3, "bad user id in URL \"tg://user?id=abc\""},
      {"[a](tg://user?id=0)", 3, "bad user id in URL \"tg://user?id=0\""},
      {"[tg://user?id\\=x]", 0, "bad user id in URL \"tg://user?id=x\""},
      {"![a]", 3, "custom emoji '![' opened at 0 needs (tg://emoji?id=N) after its ']'"},
      {"![a](https://x.y)", 4, "bad custom emoji URL \"https://x.y\" (tg://emoji?id=N expected)"},
      {"```\na`b```", 5,
       "character '`' inside the pre '```' opened at 0 must be escaped with the preceding '\\'"},
      {">*a\nb*", 1, "bold '*' opened at 1 is not closed before the block quote ends at the line break at 3"},
      {">a ||b\nc", 3,
       "spoiler '||' opened at 3 is not closed before the block quote ends at the line break at 6"},
      {"*>a||", 0, "unclosed bold '*' opened at 0"},
      {"ab\xC3(", 2, "invalid UTF-8 at byte 2"},
      {"*\xED\xA0\x80*", 1, "invalid UTF-8 at byte 1"},
  };
  for (const Bad& c : cases) {
    INFO("input: " << c.markdown);
    const auto parsed = parse_markdown(c.markdown);
    REQUIRE(std::holds_alternative<FormatError>(parsed));
    const auto& error = std::get<FormatError>(parsed);
    CHECK(error.position == c.position);
    CHECK(error.message == c.message);
  }
}

TEST_CASE(
    "formatting: markdown of random pieces either fails with a position inside the input or round-trips") {
  // Pieces that form markers, escapes, quotes and multi-byte characters when glued at random:
  // exercises the paths the tables do not spell out (odd nesting, "___", quotes ending mid-entity).
  const std::vector<std::string_view> pieces = {"*",
                                                "_",
                                                "__",
                                                "~",
                                                "||",
                                                "`",
                                                "```",
                                                "```go\n",
                                                "[",
                                                "](https://x.y)",
                                                "](tg://user?id=5)",
                                                "![",
                                                "](tg://emoji?id=7)",
                                                ">",
                                                "\n",
                                                "\n>",
                                                "\r",
                                                "\\\n",
                                                "||\n",
                                                "**>",
                                                "\\.",
                                                "\\\\",
                                                "\\",
                                                ".",
                                                "x",
                                                " ",
                                                "\xF0\x9F\x98\x80",
                                                "\xD0\xB6"};
  std::mt19937 random(8);
  std::size_t successes = 0;
  for (int round = 0; round < 40000; ++round) {
    std::string input;
    const int count = static_cast<int>(random() % 12);
    for (int k = 0; k < count; ++k) input += pieces[random() % pieces.size()];
    INFO("input: " << input);
    const auto parsed = parse_markdown(input);
    if (const auto* error = std::get_if<FormatError>(&parsed)) {
      CHECK(error->position < input.size());
      CHECK(!error->message.empty());
      continue;
    }
    ++successes;
    const auto& got = std::get<FormattedText>(parsed);
    const std::string markdown = to_markdown(got.text, got.entities);
    INFO("to_markdown: " << markdown);
    const auto again = parse_markdown(markdown);
    REQUIRE(std::holds_alternative<FormattedText>(again));
    CHECK(std::get<FormattedText>(again) == got);
  }
  CHECK(successes > 2000);
}

TEST_CASE(
    "formatting: markdown to_markdown of any entity list gives markup that parses back to the same text") {
  // Entities as a Telegram message or a script may carry them: overlapping, out of range, quotes
  // mid-line, code around everything. The markup must parse, to the same text.
  const std::vector<std::string_view> chars = {
      "a", " ", "\n", "\r", "`", "_", "*", ">", "|", "\\", "\xF0\x9F\x98\x80"};
  const std::vector<std::string_view> types = {kBold,        kItalic,      kUnderline,  kStrike,
                                               kSpoiler,     kCode,        kPre,        kTextUrl,
                                               kMentionName, kCustomEmoji, kBlockquote, "messageEntityUrl"};
  std::mt19937 random(9);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int length = static_cast<int>(random() % 10);
    for (int k = 0; k < length; ++k) text += chars[random() % chars.size()];
    const auto units = static_cast<std::int32_t>(utf16_length_unchecked(text));
    std::vector<Entity> entities;
    const int count = static_cast<int>(random() % 6);
    for (int k = 0; k < count; ++k) {
      Entity e = plain(types[random() % types.size()], static_cast<std::int32_t>(random() % (units + 2)) - 1,
                       static_cast<std::int32_t>(random() % (units + 2)));
      e.url = random() % 4 == 0 ? "" : "https://x.y/)";
      e.user_id = static_cast<std::int64_t>(random() % 3);
      e.document_id = static_cast<std::int64_t>(random() % 3);
      e.language = random() % 3 == 0 ? "a b" : "go";
      e.collapsed = random() % 2 == 0;
      entities.push_back(std::move(e));
    }
    const std::string markdown = to_markdown(text, entities);
    INFO("text: " << text << "  entities: " << entities_json(entities) << "  to_markdown: " << markdown);
    const auto parsed = parse_markdown(markdown);
    if (const auto* error = std::get_if<FormatError>(&parsed)) {
      FAIL_CHECK("error at " << error->position << ": " << error->message);
      continue;
    }
    CHECK(std::get<FormattedText>(parsed).text == text);
  }
}

TEST_CASE(
    "formatting: markdown to_markdown escapes, separates ambiguous markers and widens quotes to lines") {
  CHECK(to_markdown("a.b_c\\ (1+1=2) #x {y} [z] ~!|`>*-", {}) ==
        R"(a\.b\_c\\ \(1\+1\=2\) \#x \{y\} \[z\] \~\!\|\`\>\*\-)");
  CHECK(to_markdown("\xF0\x9F\x98\x80 hi", {plain(kBold, 3, 2)}) == "\xF0\x9F\x98\x80 *hi*");
  // Overlapping entities are closed and reopened.
  CHECK(to_markdown("abcdefgh", {plain(kBold, 0, 5), plain(kItalic, 3, 5)}) == "*abc_de_*_fgh_");
  // Italic and underline markers that would run together into "___" get an empty pair between them,
  // "~~" when "**" would close an open bold.
  CHECK(to_markdown("a", {plain(kUnderline, 0, 1), plain(kItalic, 0, 1)}) == "__**_a_**__");
  CHECK(to_markdown("ab", {plain(kItalic, 0, 1), plain(kItalic, 1, 1)}) == "_a_**_b_");
  CHECK(to_markdown("ab", {plain(kBold, 0, 2), plain(kItalic, 0, 1), plain(kUnderline, 1, 1)}) ==
        "*_a_~~__b__*");
  // Only '`' and '\' are escaped in code and pre; the language goes after ``` when it can be read back.
  CHECK(to_markdown("a`b\\c.", {plain(kCode, 0, 6)}) == "`a\\`b\\\\c.`");
  CHECK(to_markdown("print(1)", {pre(0, 8, "python")}) == "```python\nprint(1)```");
  CHECK(to_markdown("x", {pre(0, 1, "two words")}) == "```\nx```");
  CHECK(to_markdown("\rx", {pre(0, 2, "")}) == "```\n\\\rx```");
  // Links: ')' and '\' escaped in the URL; mentions and custom emoji as tg:// links.
  CHECK(to_markdown("x", {text_url(0, 1, "https://x.y/(a)\\b")}) == R"([x](https://x.y/(a\)\\b))");
  CHECK(to_markdown("Bob", {mention(0, 3, 123)}) == "[Bob](tg://user?id=123)");
  CHECK(to_markdown("\xF0\x9F\x91\x8D", {custom_emoji(0, 2, 5368324170671202286)}) ==
        "![\xF0\x9F\x91\x8D](tg://emoji?id=5368324170671202286)");
  // Quotes: '>' on every line, "||" at the end of an expandable one, an empty bold between two.
  CHECK(to_markdown("a\nb\nc", {blockquote(0, 4, false)}) == ">a\n>b\nc");
  CHECK(to_markdown("a\nb", {blockquote(0, 3, true)}) == ">a\n>b||");
  CHECK(to_markdown("a\nb", {blockquote(0, 2, true)}) == ">a||\nb");
  CHECK(to_markdown("a\nb", {blockquote(0, 2, false), blockquote(2, 1, false)}) == ">a\n**>b");
  // A quote that starts or ends mid-line covers its whole lines; one that stops short of its line
  // break takes it (Telegram's quotes usually do).
  CHECK(to_markdown("xy\nz", {blockquote(1, 1, false)}) == ">xy\nz");
  CHECK(to_markdown("q\nz", {blockquote(0, 1, false)}) == ">q\nz");
  // A line break ending a pre is escaped so that a quote can start right after it.
  CHECK(to_markdown("x\ny", {pre(0, 2, ""), blockquote(2, 1, false)}) == "```\nx\\\n```>y");
  // Left out: types without a MarkdownV2 form, empty URLs, formatting in code, a bold directly in a bold.
  CHECK(to_markdown("https://x.y", {plain("messageEntityUrl", 0, 11)}) == R"(https://x\.y)");
  CHECK(to_markdown("x", {text_url(0, 1, "")}) == "x");
  CHECK(to_markdown("ab", {plain(kCode, 0, 2), plain(kBold, 1, 1)}) == "`ab`");
  CHECK(to_markdown("ab", {plain(kBold, 0, 2), plain(kBold, 0, 1)}) == "*ab*");
  // An entity running past the end of the text is closed at the end.
  CHECK(to_markdown("ab", {plain(kBold, 1, 5)}) == "a*b*");
}

}  // namespace
}  // namespace tgd::format::test
