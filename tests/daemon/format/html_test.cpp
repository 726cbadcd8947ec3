#include <doctest/doctest.h>

#include <random>
#include <string>
#include <variant>
#include <vector>

#include "daemon/format/entities_json.hpp"
#include "daemon/format/html.hpp"
#include "daemon/format/utf16.hpp"
#include "tests/daemon/format/entity_builders.hpp"

namespace tgd::format::test {
namespace {

std::string describe(const std::vector<Entity>& entities) { return entities_json(entities); }

struct Good {
  std::string_view html;
  std::string text;
  std::vector<Entity> entities;
};

// Every successful parse in the tests; each is also round-tripped through to_html.
std::vector<Good> good_cases() {
  return {
      {"hello", "hello", {}},
      {"", "", {}},
      {"<b>bold</b> x", "bold x", {plain(kBold, 0, 4)}},
      {"<strong>a</strong><i>b</i><em>c</em><u>d</u><ins>e</ins><s>f</s><strike>g</strike><del>h</del>",
       "abcdefgh",
       {plain(kBold, 0, 1), plain(kItalic, 1, 1), plain(kItalic, 2, 1), plain(kUnderline, 3, 1),
        plain(kUnderline, 4, 1), plain(kStrike, 5, 1), plain(kStrike, 6, 1), plain(kStrike, 7, 1)}},
      {"<B>x</B><Strong>y</STRONG><TG-SPOILER>z</tg-spoiler>",
       "xyz",
       {plain(kBold, 0, 1), plain(kBold, 1, 1), plain(kSpoiler, 2, 1)}},
      {"<b >x</b >", "x", {plain(kBold, 0, 1)}},
      // Astral characters count 2 UTF-16 units, before and inside an entity; 2- and 3-byte ones 1.
      {"\xF0\x9F\x98\x80 <b>hi</b>", "\xF0\x9F\x98\x80 hi", {plain(kBold, 3, 2)}},
      {"a<i>\xF0\x9F\x98\x80"
       "b</i>c",
       "a\xF0\x9F\x98\x80"
       "bc",
       {plain(kItalic, 1, 3)}},
      {"\xD0\xB6\xE4\xB8\xAD<u>x</u>", "\xD0\xB6\xE4\xB8\xADx", {plain(kUnderline, 2, 1)}},
      // Nesting: bold in italic, the same span twice (outer first), a link around bold.
      {"<i>a<b>b</b>c</i>", "abc", {plain(kItalic, 0, 3), plain(kBold, 1, 1)}},
      {"<b><i>x</i></b>", "x", {plain(kBold, 0, 1), plain(kItalic, 0, 1)}},
      {"<a href=\"https://x.y/?a=1&amp;b=2\">go <b>now</b></a>",
       "go now",
       {text_url(0, 6, "https://x.y/?a=1&b=2"), plain(kBold, 3, 3)}},
      {"<a href='https://x.y' target=\"_blank\">x</a>", "x", {text_url(0, 1, "https://x.y")}},
      {"<a href=https://x.y>x</a>", "x", {text_url(0, 1, "https://x.y")}},
      {"<a HREF=\"tg://user?id=123\">Bob</a>", "Bob", {mention(0, 3, 123)}},
      {"<pre>int x;</pre>", "int x;", {pre(0, 6, "")}},
      {"<pre><code class=\"language-python\">print(1)</code></pre>", "print(1)", {pre(0, 8, "python")}},
      {"<pre><code>x</code></pre>", "x", {pre(0, 1, "")}},
      {"<code class=\"language-c\">a&lt;b</code>", "a<b", {plain(kCode, 0, 3)}},
      {"<b>x<code>y</code></b>", "xy", {plain(kBold, 0, 2), plain(kCode, 1, 1)}},
      {"<blockquote>q</blockquote>", "q", {blockquote(0, 1, false)}},
      {"<blockquote expandable>\xF0\x9F\x98\x80q</blockquote>",
       "\xF0\x9F\x98\x80q",
       {blockquote(0, 3, true)}},
      {"<tg-spoiler>s</tg-spoiler> <span class=\"tg-spoiler\">t</span>",
       "s t",
       {plain(kSpoiler, 0, 1), plain(kSpoiler, 2, 1)}},
      {"<tg-emoji emoji-id=\"5368324170671202286\">\xF0\x9F\x91\x8D</tg-emoji>",
       "\xF0\x9F\x91\x8D",
       {custom_emoji(0, 2, 5368324170671202286)}},
      {"&lt;&gt;&amp;&quot;&apos;", "<>&\"'", {}},
      {"&#65;&#x42;&#X43;&#128512;<b>&#x1F600;</b>",
       "ABC\xF0\x9F\x98\x80\xF0\x9F\x98\x80",
       {plain(kBold, 5, 2)}},
      {"<b></b>x<i></i>", "x", {}},
      {"a > b", "a > b", {}},
      {"line1\nline2 <s>\n</s>", "line1\nline2 \n", {plain(kStrike, 12, 1)}},
  };
}

TEST_CASE(
    "formatting: parse_html gives the exact text and entities with UTF-16 offsets for every supported tag") {
  for (const Good& c : good_cases()) {
    INFO("input: " << c.html);
    const auto parsed = parse_html(c.html);
    if (const auto* error = std::get_if<FormatError>(&parsed)) {
      FAIL_CHECK("error at " << error->position << ": " << error->message);
      continue;
    }
    const auto& got = std::get<FormattedText>(parsed);
    CHECK(got.text == c.text);
    CHECK(describe(got.entities) == describe(c.entities));
    CHECK(got.entities == c.entities);
  }
}

TEST_CASE("formatting: parse_html of to_html gives every parsed text and entity list back") {
  for (const Good& c : good_cases()) {
    const std::string html = to_html(c.text, c.entities);
    INFO("input: " << c.html << "  to_html: " << html);
    const auto parsed = parse_html(html);
    REQUIRE(std::holds_alternative<FormattedText>(parsed));
    CHECK(std::get<FormattedText>(parsed) == FormattedText{.text = c.text, .entities = c.entities});
  }
}

struct Bad {
  std::string_view html;
  std::size_t position;
  std::string message;
};

TEST_CASE("formatting: parse_html rejects malformed input with the byte position and a precise message") {
  const std::vector<Bad> cases = {
      {"abcd<b>x", 4, "unclosed <b> opened at 4"},
      {"<i><b>x</b>", 0, "unclosed <i> opened at 0"},
      {"<b>x</i>", 4, "</i> closes <b> opened at 0"},
      {"<strong>x</b>", 9, "</b> closes <strong> opened at 0"},
      {"x</b>", 1, "</b> closes no open tag"},
      {"<blink>x</blink>", 0, "unknown tag <blink>"},
      {"a<br>b", 1, "unknown tag <br>"},
      {"a<BR/>b", 1, "unknown tag <br>"},
      {"a &foo; b", 2, "bad entity &foo;"},
      {"&LT;", 0, "bad entity &LT;"},
      {"&nbsp;", 0, "bad entity &nbsp;"},
      {"&#xD800;", 0, "bad entity &#xD800; (not a Unicode scalar value other than 0)"},
      {"&#0;", 0, "bad entity &#0; (not a Unicode scalar value other than 0)"},
      {"&#x110000;", 0, "bad entity &#x110000; (not a Unicode scalar value other than 0)"},
      {"&#xZZ;", 0, "bad entity &#xZZ; (not a Unicode scalar value other than 0)"},
      {"AT&T", 2, "bare & at 2 (not part of an entity; write &amp;)"},
      {"x & y", 2, "bare & at 2 (not part of an entity; write &amp;)"},
      {"x&", 1, "bare & at 1 (not part of an entity; write &amp;)"},
      {"&amp", 0, "bare & at 0 (not part of an entity; write &amp;)"},
      {"<a href=\"a&b\">x</a>", 10, "bare & at 10 (not part of an entity; write &amp;)"},
      {"ab\xC3(", 2, "invalid UTF-8 at byte 2"},
      {"\xED\xA0\x80", 0, "invalid UTF-8 at byte 0"},
      {"\xC0\xAF", 0, "invalid UTF-8 at byte 0"},
      {"ok\xF0\x9F", 2, "invalid UTF-8 at byte 2"},
      {"\xF4\x90\x80\x80", 0, "invalid UTF-8 at byte 0"},
      {"<b>\xFF</b>", 3, "invalid UTF-8 at byte 3"},
      {"<code>a<b>x</b></code>", 7, "<b> inside <code> opened at 0"},
      {"<pre>a<i>x</i></pre>", 6, "<i> inside <pre> opened at 0"},
      {"<pre><code class=\"language-c\"><b>x</b></code></pre>", 30, "<b> inside <code> opened at 5"},
      {"a < b", 2, "'<' at 2 starts no tag (write &lt;)"},
      {"<b", 0, "unterminated <b at 0"},
      {"x</b", 1, "unterminated </b at 1"},
      {"<b/>", 2, "unexpected '/' in <b>"},
      {"</b x>", 4, "unexpected 'x' in </b>"},
      {"<a href=\"x>y</a>", 8, "unclosed quote of href in <a>"},
      {"<a>x</a>", 0, "<a> opened at 0 has no href"},
      {"<a href=\"tg://user?id=abc\">x</a>", 0, "bad user id in <a href=\"tg://user?id=abc\"> opened at 0"},
      {"<span>x</span>", 0, "<span> opened at 0 needs class=\"tg-spoiler\""},
      {"<tg-emoji>x</tg-emoji>", 0, "<tg-emoji> opened at 0 needs a numeric emoji-id"},
  };
  for (const Bad& c : cases) {
    INFO("input: " << c.html);
    const auto parsed = parse_html(c.html);
    REQUIRE(std::holds_alternative<FormatError>(parsed));
    const auto& error = std::get<FormatError>(parsed);
    CHECK(error.position == c.position);
    CHECK(error.message == c.message);
  }
}

TEST_CASE(
    "formatting: parse_html of random tag soup either fails with a position inside the input or "
    "round-trips") {
  // Pieces that form tags, references and multi-byte characters when glued at random: exercises the
  // paths the tables do not spell out (odd nesting, entities at the very end, empty spans).
  const std::vector<std::string_view> pieces = {"<b>",
                                                "</b>",
                                                "<i>",
                                                "</i>",
                                                "<code>",
                                                "</code>",
                                                "<pre>",
                                                "</pre>",
                                                "<code class=\"language-go\">",
                                                "<a href=\"https://x.y\">",
                                                "</a>",
                                                "<tg-spoiler>",
                                                "</tg-spoiler>",
                                                "<blockquote expandable>",
                                                "</blockquote>",
                                                "&amp;",
                                                "&#x1F600;",
                                                "&",
                                                "<",
                                                ">",
                                                "x",
                                                " ",
                                                "\xF0\x9F\x98\x80",
                                                "\xD0\xB6",
                                                "\xC3"};
  std::mt19937 random(8);
  std::size_t successes = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    const int count = static_cast<int>(random() % 12);
    for (int k = 0; k < count; ++k) input += pieces[random() % pieces.size()];
    INFO("input: " << input);
    const auto parsed = parse_html(input);
    if (const auto* error = std::get_if<FormatError>(&parsed)) {
      CHECK(error->position < input.size());
      CHECK(!error->message.empty());
      continue;
    }
    ++successes;
    const auto& got = std::get<FormattedText>(parsed);
    const auto again = parse_html(to_html(got.text, got.entities));
    REQUIRE(std::holds_alternative<FormattedText>(again));
    CHECK(std::get<FormattedText>(again) == got);
  }
  CHECK(successes > 1000);
}

TEST_CASE("formatting: to_html escapes the text, counts UTF-16 units and splits overlapping entities") {
  CHECK(to_html("a<b & \"c\" 'd'", {}) == "a&lt;b &amp; &quot;c&quot; 'd'");
  CHECK(to_html("\xF0\x9F\x98\x80 hi", {plain(kBold, 3, 2)}) == "\xF0\x9F\x98\x80 <b>hi</b>");
  CHECK(to_html("abcdefgh", {plain(kBold, 0, 5), plain(kItalic, 3, 5)}) == "<b>abc<i>de</i></b><i>fgh</i>");
  CHECK(to_html("abc", {plain(kItalic, 1, 2), plain(kBold, 0, 3)}) == "<b>a<i>bc</i></b>");
  CHECK(to_html("print(1)", {pre(0, 8, "python")}) ==
        "<pre><code class=\"language-python\">print(1)</code></pre>");
  CHECK(to_html("x", {text_url(0, 1, "https://x.y/?a=1&b=\"2\"")}) ==
        "<a href=\"https://x.y/?a=1&amp;b=&quot;2&quot;\">x</a>");
  CHECK(to_html("Bob", {mention(0, 3, 123)}) == "<a href=\"tg://user?id=123\">Bob</a>");
  CHECK(to_html("q", {blockquote(0, 1, true)}) == "<blockquote expandable>q</blockquote>");
  // No HTML form (detected by Telegram), empty, or formatting inside code: left out.
  CHECK(to_html("https://x.y", {plain("messageEntityUrl", 0, 11)}) == "https://x.y");
  CHECK(to_html("ab", {plain(kBold, 0, 0), plain(kCode, 0, 2), plain(kBold, 1, 1)}) == "<code>ab</code>");
  // An entity running past the end of the text is closed at the end.
  CHECK(to_html("ab", {plain(kBold, 1, 5)}) == "a<b>b</b>");
}

TEST_CASE("formatting: to_html leaves out links that would not parse back, keeping their text") {
  for (const char* url : {"tg://user?id=abc", "TG://USER?ID=0", "tg://user?id=", ""}) {
    INFO("url: " << url);
    const std::string html = to_html("Bob", {text_url(0, 3, url), plain(kBold, 0, 1)});
    CHECK(html == "<b>B</b>ob");
    CHECK(std::holds_alternative<FormattedText>(parse_html(html)));
  }
  CHECK(to_html("Bob", {mention(0, 3, 0)}) == "Bob");
  CHECK(to_html("Bob", {mention(0, 3, -5)}) == "Bob");
  CHECK(to_html("xy", {custom_emoji(0, 2, 0)}) == "xy");
  // A valid tg://user text URL is written (it parses back as a mention by id).
  CHECK(to_html("Bob", {text_url(0, 3, "tg://user?id=42")}) == "<a href=\"tg://user?id=42\">Bob</a>");
}

TEST_CASE(
    "formatting: entities_json writes each constructor with its own fields, ids as strings, collapsed only "
    "when set") {
  CHECK(entities_json({}) == "[]");
  CHECK(
      entities_json({plain(kBold, 0, 5), text_url(6, 4, "https://x.y"), mention(0, 3, 123),
                     pre(0, 3, "python"), custom_emoji(0, 2, 5368324170671202286), blockquote(0, 3, true)}) ==
      R"([{"_":"messageEntityBold","offset":0,"length":5},)"
      R"({"_":"messageEntityTextUrl","offset":6,"length":4,"url":"https://x.y"},)"
      R"({"_":"messageEntityMentionName","offset":0,"length":3,"user_id":"123"},)"
      R"({"_":"messageEntityPre","offset":0,"length":3,"language":"python"},)"
      R"({"_":"messageEntityCustomEmoji","offset":0,"length":2,"document_id":"5368324170671202286"},)"
      R"({"_":"messageEntityBlockquote","offset":0,"length":3,"collapsed":true}])");
  CHECK(entities_json({blockquote(1, 2, false), pre(0, 1, ""), text_url(0, 1, "a\"b\\c")}) ==
        R"([{"_":"messageEntityBlockquote","offset":1,"length":2},)"
        R"({"_":"messageEntityPre","offset":0,"length":1,"language":""},)"
        R"({"_":"messageEntityTextUrl","offset":0,"length":1,"url":"a\"b\\c"}])");
}

TEST_CASE("formatting: utf16_length counts surrogate pairs as 2 and refuses invalid UTF-8") {
  CHECK(utf16_length("") == 0u);
  CHECK(utf16_length("abc") == 3u);
  CHECK(utf16_length("\xD0\xB6\xE4\xB8\xAD") == 2u);
  CHECK(utf16_length("\xF0\x9F\x98\x80x") == 3u);
  CHECK(utf16_length("\xE2\x82") == std::nullopt);
  CHECK(first_invalid_utf8("ab\x80") == 2u);
  CHECK(first_invalid_utf8("\xEF\xBF\xBF\xF4\x8F\xBF\xBF") == std::nullopt);
}

}  // namespace
}  // namespace tgd::format::test
