#include <doctest/doctest.h>

#include <set>

#include "protocol/base/hex.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/tl_to_json.hpp"
#include "sample_json.hpp"
#include "test_schemas.hpp"

using namespace tgd;
using namespace tgd::tl;

namespace {

// MTProto's msg_copy wraps a Message, whose only constructor (`message`) has no id, so it has no
// boxed form; the docs call msg_copy unused. gzip_packed is never decoded as itself: the decoder
// unpacks it in place (its own tests are in codec_layout_test.cpp).
const std::set<std::string> kNoBoxedForm = {"msg_copy", "gzip_packed"};

// sample JSON -> bytes -> JSON -> bytes: the bytes must be identical, and so must the JSON of the
// second decode. Returns the number of combinators checked.
int round_trip_all(const Schema& schema, testing::Optionals optionals) {
  JsonToTl encoder(schema);
  TlToJson decoder(schema);
  testing::SampleJson samples(schema, 7);
  int checked = 0;
  for (const auto& c : schema.combinators()) {
    if (!c.has_id || kNoBoxedForm.count(c.name)) continue;
    std::string sample = samples.combinator(c, optionals);
    Bytes first;
    auto err = encoder.encode_object_text(sample, first);
    REQUIRE_MESSAGE(!err, c.name << ": " << (err ? err->to_string() : "") << "\n" << sample);
    std::string json;
    err = decoder.decode_object(first, json);
    REQUIRE_MESSAGE(!err, c.name << ": " << (err ? err->to_string() : ""));
    Bytes second;
    err = encoder.encode_object_text(json, second);
    REQUIRE_MESSAGE(!err, c.name << ": " << (err ? err->to_string() : "") << "\n" << json);
    CHECK_MESSAGE(first == second, c.name);
    std::string again;
    REQUIRE(!decoder.decode_object(second, again));
    CHECK_MESSAGE(json == again, c.name);
    ++checked;
  }
  return checked;
}

}  // namespace

TEST_CASE("every API constructor and method round-trips byte-identically with all optional fields") {
  CHECK(round_trip_all(testing::schemas().api, testing::Optionals::All) == 1549 + 766);
}

TEST_CASE("every API constructor and method round-trips byte-identically without optional fields") {
  CHECK(round_trip_all(testing::schemas().api, testing::Optionals::None) == 1549 + 766);
}

TEST_CASE("every MTProto service constructor and function round-trips byte-identically") {
  // 41 constructors + 10 functions, less the id-less `message`, msg_copy and gzip_packed.
  CHECK(round_trip_all(testing::schemas().mtproto, testing::Optionals::All) == 48);
  CHECK(round_trip_all(testing::schemas().mtproto, testing::Optionals::None) == 48);
}

TEST_CASE("decoded JSON writes int64 as strings, bytes as base64 and omits flag words") {
  const Schema& api = testing::schemas().api;
  JsonToTl encoder(api);
  TlToJson decoder(api);
  Bytes tl;
  REQUIRE(!encoder.encode_object_text(
      R"({"_":"inputPeerUser","user_id":9007199254740993,"access_hash":"-5"})", tl));
  std::string json;
  REQUIRE(!decoder.decode_object(tl, json));
  CHECK(json == R"({"_":"inputPeerUser","user_id":"9007199254740993","access_hash":"-5"})");

  tl.clear();
  REQUIRE(!encoder.encode_object_text(
      R"({"_":"messages.sendMessage","silent":true,"noforwards":false,"peer":{"_":"inputPeerSelf"},)"
      R"("message":"hi","random_id":"1","flags":12345})",
      tl));
  json.clear();
  REQUIRE(!decoder.decode_object(tl, json));
  CHECK(
      json ==
      R"({"_":"messages.sendMessage","silent":true,"peer":{"_":"inputPeerSelf"},"message":"hi","random_id":"1"})");
}
