#include <doctest/doctest.h>

#include <string>

#include "protocol/tl/json_out.hpp"

using namespace tgd::tl;

namespace {
std::string reference_escape(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string quoted(const std::string& s) {
  std::string out = "prefix:";
  JsonOut json(out, 0);
  json.quoted_string(s);
  json.finish();
  return out.substr(7);
}
}  // namespace

TEST_CASE("JSON strings escape quotes, backslashes and control bytes at every position") {
  const std::string specials = std::string("\"\\\n\r\t\b\f\x01\x1f", 9) + std::string(1, '\0');
  for (std::size_t len = 0; len < 70; ++len) {
    for (char special : specials) {
      for (std::size_t at = 0; at < len; at += 7) {
        std::string s(len, 'a');
        s[at] = special;
        if (len > 3) s[len - 1] = special;
        REQUIRE(quoted(s) == reference_escape(s));
      }
    }
  }
  CHECK(quoted("ünïcödé ✓ 😀 and DEL \x7f stay as they are") ==
        "\"ünïcödé ✓ 😀 and DEL \x7f stay as they are\"");
}

TEST_CASE("JsonOut grows past its initial guess and abandon restores the original text") {
  std::string out = "keep";
  {
    JsonOut json(out, 0);
    json.put(std::string(100000, 'x'));
    json.abandon();
  }
  CHECK(out == "keep");
  JsonOut json(out, 1);
  json.put(std::string(100000, 'y'));
  json.finish();
  CHECK(out.size() == 100004);
}
