#include <doctest/doctest.h>

#include <simdjson.h>

#include "protocol/base/hex.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/tl_to_json.hpp"
#include "test_schemas.hpp"

using namespace tgd;
using namespace tgd::tl;

namespace {

// Encodes a call and returns the error text ("" when it succeeded). The output buffer starts
// non-empty so that "nothing appended on error" is checked too.
std::string call_error(std::string_view method, std::string_view params) {
  const Schema& api = testing::schemas().api;
  JsonToTl encoder(api);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(params.data(), params.size()).get(doc) == simdjson::SUCCESS);
  Bytes out{1, 2, 3};
  auto err = encoder.encode_call(method, doc, out);
  if (!err) return "";
  CHECK(out == Bytes{1, 2, 3});
  return err->to_string();
}

std::string decode_error(const Schema& schema, const Bytes& tl) {
  TlToJson decoder(schema);
  std::string out = "keep";
  auto err = decoder.decode_object(tl, out, "result");
  if (!err) return "";
  CHECK(out == "keep");
  return err->to_string();
}

constexpr std::string_view kSend = "messages.sendMessage";

}  // namespace

TEST_CASE("a constructor of the wrong type is named with the expected type and the path") {
  CHECK(call_error(kSend, R"({"peer":{"_":"message","id":1},"message":"x","random_id":"1"})") ==
        R"(params.peer: expected InputPeer, got constructor "message")");
  CHECK(call_error(kSend, R"({"peer":{"_":"help.getConfig"},"message":"x","random_id":"1"})") ==
        R"(params.peer: expected InputPeer, got method "help.getConfig")");
}

TEST_CASE("numbers out of range for int or long are refused with the value") {
  std::string history = R"({"peer":{"_":"inputPeerSelf"},"offset_id":0,"offset_date":0,"add_offset":0,)"
                        R"("max_id":0,"min_id":0,"hash":"0","limit":1099511627776})";
  CHECK(call_error("messages.getHistory", history) == "params.limit: 1099511627776 does not fit int");
  CHECK(call_error(kSend,
                   R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":"9223372036854775808"})") ==
        R"(params.random_id: "9223372036854775808" does not fit long)");
  CHECK(
      call_error(kSend, R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":18446744073709551615})") ==
      "params.random_id: 18446744073709551615 does not fit long");
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":"12abc"})") ==
        R"(params.random_id: expected a decimal integer string, got "12abc")");
}

TEST_CASE("wrong JSON types name what was expected and what was given") {
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerSelf"},"message":5,"random_id":"1"})") ==
        "params.message: expected string, got integer");
  CHECK(call_error(kSend, R"({"peer":"me","message":"x","random_id":"1"})") ==
        "params.peer: expected InputPeer, got string");
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":1.5})") ==
        "params.random_id: expected long (a decimal string or an integer), got number");
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":"1","silent":1})") ==
        "params.silent: expected true or false, got integer");
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":"1","entities":{}})") ==
        "params.entities: expected array, got object");
}

TEST_CASE("unknown constructors, methods and fields are refused") {
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerNobody"},"message":"x","random_id":"1"})") ==
        R"(params.peer: unknown constructor "inputPeerNobody")");
  CHECK(call_error("messages.sendMessages", "{}") == R"(unknown method "messages.sendMessages")");
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerSelf"},"mesage":"x","random_id":"1"})") ==
        R"(params: unknown field "mesage" for messages.sendMessage)");
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerSelf"},"message":"x","message":"y","random_id":"1"})") ==
        R"(params: field "message" given twice)");
  CHECK(call_error(kSend, R"({"_":"messages.getHistory"})") ==
        R"(params: "_" must be "messages.sendMessage" here)");
}

TEST_CASE("missing required fields and half-given shared flag bits are refused") {
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerSelf"},"random_id":"1"})") ==
        R"(params: missing required field "message" of messages.sendMessage)");
  CHECK(call_error(kSend, R"({"peer":{"_":"inputPeerUser","user_id":"1"},"message":"x","random_id":"1"})") ==
        R"(params.peer: missing required field "access_hash" of inputPeerUser)");
  // account.password's srp_B and srp_id share flags.2 with current_algo.
  const Schema& api = testing::schemas().api;
  JsonToTl encoder(api);
  Bytes out;
  auto err = encoder.encode_object_text(
      R"({"_":"account.password","srp_B":"AAAA","new_algo":{"_":"passwordKdfAlgoUnknown"},)"
      R"("new_secure_algo":{"_":"securePasswordKdfAlgoUnknown"},"secure_random":""})",
      out, "x");
  REQUIRE(err);
  CHECK(err->to_string().find("it shares flags.2 with a field that is given") != std::string::npos);
}

TEST_CASE("bad base64 and wrong int128 sizes are refused") {
  const Schema& mt = testing::schemas().mtproto;
  JsonToTl encoder(mt);
  Bytes out;
  auto err = encoder.encode_object_text(R"({"_":"req_pq_multi","nonce":"AAAA"})", out);
  REQUIRE(err);
  CHECK(err->to_string() == "nonce: expected 16 bytes (base64), got 3");
  err = encoder.encode_object_text(R"({"_":"req_pq_multi","nonce":"not base64!"})", out);
  REQUIRE(err);
  CHECK(err->to_string() == "nonce: invalid base64");
}

TEST_CASE("JSON text that is not valid JSON or not valid UTF-8 is refused before encoding") {
  JsonToTl encoder(testing::schemas().api);
  Bytes out;
  auto err = encoder.encode_object_text("{\"_\":\"error\",\"code\":1,\"text\":\"\xff\"}", out, "params");
  REQUIRE(err);
  CHECK(err->to_string().find("params: invalid JSON") == 0);
  CHECK(out.empty());
  err = encoder.encode_object_text("{\"_\":", out);
  REQUIRE(err);
}

TEST_CASE("decoding refuses truncated input, trailing bytes and oversized vectors") {
  const Schema& api = testing::schemas().api;
  // error#c4b9f9bb code:int text:string, with "hello"
  Bytes good = hex_bytes("bbf9b9c4 01000000 0568656c 6c6f0000");
  CHECK(decode_error(api, good) == "");
  Bytes truncated(good.begin(), good.end() - 3);
  CHECK(decode_error(api, truncated) == "result.text: truncated or malformed string at byte 8");
  Bytes trailing = good;
  trailing.insert(trailing.end(), {0, 0, 0, 0});
  CHECK(decode_error(api, trailing) == "result: 4 trailing bytes after the value (at byte 16)");
  // msgs_ack with a vector claiming 1000 longs in 8 bytes.
  Bytes big = hex_bytes("59b4d662 15c4b51c e8030000 0100000000000000");
  CHECK(decode_error(testing::schemas().mtproto, big) ==
        "result.msg_ids: vector length 1000 is larger than the input");
  CHECK(decode_error(api, hex_bytes("01020304")) == "result: unknown constructor id 0x4030201");
}

TEST_CASE("decoding names the innermost failing field and refuses invalid UTF-8 in strings") {
  const Schema& api = testing::schemas().api;
  // error with text = ff fe (not UTF-8)
  CHECK(decode_error(api, hex_bytes("bbf9b9c4 01000000 02fffe00")) ==
        "result.text: string is not valid UTF-8");
  // A Vector<int> result where a Bool is expected inside a boxed object: help.getConfig's answer
  // is not tested here; instead a wrong Bool id inside a constructor.
  // peerSettings? Use inputPeerNotifySettings#cacb6ae2 flags:# show_previews:flags.0?Bool ...
  const Combinator* settings = api.find("inputPeerNotifySettings");
  REQUIRE(settings);
  Bytes tl(4);
  std::memcpy(tl.data(), &settings->id, 4);
  Bytes rest = hex_bytes("01000000 11223344");
  tl.insert(tl.end(), rest.begin(), rest.end());
  CHECK(decode_error(api, tl) == "result.show_previews: expected Bool, got constructor id 0x44332211");
}

TEST_CASE("nesting beyond the limit is refused on both sides instead of exhausting the stack") {
  const Schema& api = testing::schemas().api;
  // jsonArray#f7444763 value:Vector<JSONValue> nests without bound.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += R"({"_":"jsonArray","value":[)";
  deep += R"({"_":"jsonNull"})";
  for (int i = 0; i < 100; ++i) deep += "]}";
  JsonToTl encoder(api);
  Bytes out;
  auto err = encoder.encode_object_text(deep, out);
  REQUIRE(err);
  CHECK(err->message == "nesting deeper than 64");

  Bytes tl;
  const Combinator* arr = api.find("jsonArray");
  const Combinator* null = api.find("jsonNull");
  for (int i = 0; i < 100; ++i) {
    Bytes level(12);
    std::uint32_t words[3] = {arr->id, 0x1cb5c415, 1};
    std::memcpy(level.data(), words, 12);
    tl.insert(tl.end(), level.begin(), level.end());
  }
  Bytes leaf(4);
  std::memcpy(leaf.data(), &null->id, 4);
  tl.insert(tl.end(), leaf.begin(), leaf.end());
  CHECK(decode_error(api, tl).find("nesting deeper than 64") != std::string::npos);
}
