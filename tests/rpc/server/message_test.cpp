// JSON-RPC 2.0 messages without sockets: parsing, validation, id echo, response text.
#include <doctest/doctest.h>

#include "rpc/server/message.hpp"

using namespace tgd::rpc;
using Kind = ParsedMessage::Kind;

namespace {

ParsedMessage parse(std::string_view text) {
  static MessageParser parser;
  return parser.parse_copy(text);
}

}  // namespace

TEST_CASE("a request's method, params and id are read, params and id as raw text") {
  auto m = parse(
      R"({"jsonrpc":"2.0","method":"messages.sendMessage","params":{"peer":"me", "n":[1, 2.50]},"id":7})");
  REQUIRE(m.kind == Kind::kSingle);
  REQUIRE(m.entries.size() == 1);
  const auto& e = m.entries[0];
  CHECK_FALSE(e.invalid);
  CHECK(e.request.method == "messages.sendMessage");
  CHECK(e.request.params == R"({"peer":"me", "n":[1, 2.50]})");
  CHECK(e.request.id == "7");
}

TEST_CASE("params may come before method and may be an array, absent params are {}") {
  auto m = parse(R"( { "params" : [1,"two"] , "id":"x", "method":"m", "jsonrpc":"2.0" } )");
  REQUIRE(m.kind == Kind::kSingle);
  CHECK_FALSE(m.entries[0].invalid);
  CHECK(m.entries[0].request.params == R"([1,"two"])");
  CHECK(parse(R"({"jsonrpc":"2.0","method":"m","id":1})").entries[0].request.params == "{}");
}

TEST_CASE("ids of every allowed type are kept exactly as written") {
  for (const char* id : {"1", "-0", "12345678901234567890123456789", "1.50", "1e400", "-2.5E-3", "\"abc\"",
                         R"("\u00e9\"x")", "\"\"", "null"}) {
    CAPTURE(id);
    auto m = parse(std::string(R"({"jsonrpc":"2.0","method":"m","id":)") + id + "}");
    REQUIRE(m.kind == Kind::kSingle);
    CHECK_FALSE(m.entries[0].invalid);
    CHECK(m.entries[0].request.id == id);
  }
  auto spaced = parse("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":  42 \n }");
  CHECK(spaced.entries[0].request.id == "42");
}

TEST_CASE("a request without id is a notification") {
  auto m = parse(R"({"jsonrpc":"2.0","method":"m","params":{}})");
  CHECK_FALSE(m.entries[0].invalid);
  CHECK_FALSE(m.entries[0].request.id.has_value());
}

TEST_CASE("malformed JSON anywhere is a parse error") {
  for (const char* text :
       {"", "   ", "{", "not json", R"({"jsonrpc":"2.0","method":"m","id":1)",
        R"({"jsonrpc":"2.0","method":"m","params":{"a":},"id":1})",
        R"({"jsonrpc":"2.0","method":"m","params":[1 2],"id":1})",
        R"({"jsonrpc":"2.0","method":"m","extra":tru,"id":1})", R"({"jsonrpc":"2.0","method":"m","id":01})",
        R"({"jsonrpc":"2.0","method":"m"} x)", R"([{"jsonrpc":"2.0","method":"m","id":1},])", R"({"a":"\x"})",
        "[1,2", "nul", "-", "1 2", "{} {}", "\"a\" 1"}) {
    CAPTURE(text);
    CHECK(parse(text).kind == Kind::kParseError);
  }
}

TEST_CASE("invalid requests are answered -32600 with their id when it is valid, else null") {
  struct Case {
    const char* text;
    const char* id;
  };
  for (auto [text, id] : {
           Case{R"({"jsonrpc":"1.0","method":"m","id":1})", "1"},
           Case{R"({"method":"m","id":"a"})", "\"a\""},
           Case{R"({"jsonrpc":2.0,"method":"m","id":1})", "1"},
           Case{R"({"jsonrpc":"2.0","method":5,"id":1})", "1"},
           Case{R"({"jsonrpc":"2.0","id":1})", "1"},
           Case{R"({"jsonrpc":"2.0","method":"m","params":"x","id":1})", "1"},
           Case{R"({"jsonrpc":"2.0","method":"m","params":null,"id":1})", "1"},
           Case{R"({"jsonrpc":"2.0","method":"m","id":true})", "null"},
           Case{R"({"jsonrpc":"2.0","method":"m","id":{"a":1}})", "null"},
           Case{R"({"jsonrpc":"2.0","method":"m","id":[1]})", "null"},
           Case{R"({"jsonrpc":"2.0","method":5})", "null"},
           Case{"1", "null"},
           Case{"\"x\"", "null"},
           Case{"null", "null"},
           Case{"[]", "null"},
       }) {
    CAPTURE(text);
    auto m = parse(text);
    REQUIRE(m.kind == Kind::kSingle);
    REQUIRE(m.entries.size() == 1);
    REQUIRE(m.entries[0].invalid);
    CHECK(m.entries[0].invalid->code == codes::kInvalidRequest);
    CHECK(m.entries[0].request.id == id);
  }
}

TEST_CASE("a batch keeps its entries in order, valid and invalid") {
  auto m = parse(R"([{"jsonrpc":"2.0","method":"a","id":1}, 1, {"jsonrpc":"2.0","method":"b"},
                     {"jsonrpc":"2.0","method":"c","id":"z","params":[]}, {"foo":"bar"}])");
  REQUIRE(m.kind == Kind::kBatch);
  REQUIRE(m.entries.size() == 5);
  CHECK(m.entries[0].request.method == "a");
  CHECK(m.entries[1].invalid);
  CHECK(m.entries[1].request.id == "null");
  CHECK_FALSE(m.entries[2].invalid);
  CHECK_FALSE(m.entries[2].request.id);
  CHECK(m.entries[3].request.id == "\"z\"");
  CHECK(m.entries[3].request.params == "[]");
  CHECK(m.entries[4].invalid);
}

TEST_CASE("responses insert the id and the result verbatim and escape error messages") {
  CHECK(result_response("1.50", R"({"a": 1})") == R"({"jsonrpc":"2.0","id":1.50,"result":{"a": 1}})");
  CHECK(result_response("\"x\"", "") == R"({"jsonrpc":"2.0","id":"x","result":null})");
  CHECK(error_response("null", Error{-32700, "bad \"json\"\n", {}}) ==
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad \"json\"\n"}})");
  CHECK(error_response("2", Error{420, "FLOOD_WAIT_30", R"({"seconds":30})"}) ==
        R"({"jsonrpc":"2.0","id":2,"error":{"code":420,"message":"FLOOD_WAIT_30","data":{"seconds":30}}})");
}

TEST_CASE("JSON strings are escaped, invalid UTF-8 replaced") {
  std::string out;
  append_json_string(out, std::string("a\x01\xC3\xA9\xFF", 5));
  CHECK(out == "\"a\\u0001\xC3\xA9\xEF\xBF\xBD\"");
}

TEST_CASE("JSON number grammar") {
  for (const char* good : {"0", "-0", "1.5", "1e5", "1E+5", "-1.25e-10", "123456789012345678901234567890"})
    CHECK(is_json_number(good));
  for (const char* bad : {"", "-", "01", "1.", ".5", "1e", "+1", "1.5.5", "0x10", "NaN"})
    CHECK_FALSE(is_json_number(bad));
}
