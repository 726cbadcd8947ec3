#include "protocol/base/redact.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace tgd;

TEST_CASE("mask_phone keeps at most the first two and last two digits") {
  CHECK(mask_phone("+44 7700 900089") == "+44********89");
  CHECK(mask_phone("9996621234") == "+99******34");
  CHECK(mask_phone("123456") == "+1****6");
  CHECK(mask_phone("1234") == "+****");
  CHECK(mask_phone("") == "***");
  CHECK(mask_phone("+") == "***");
}

TEST_CASE("mask_bot_token keeps the bot id only, other tokens are masked whole") {
  CHECK(mask_bot_token("123456:AAE-secret_part") == "123456:***");
  CHECK(mask_bot_token("4242:secret-token") == "4242:***");
  CHECK(mask_bot_token("0f3a9c0e2b7d41aa9e0b4c1d2e3f4a5b") == "***");
  CHECK(mask_bot_token(":secret") == "***");
  CHECK(mask_bot_token("abc:secret") == "***");
  CHECK(mask_bot_token("") == "***");
}

TEST_CASE("redact_json masks login secrets by field name at any depth and stays valid JSON") {
  CHECK(
      redact_json(R"({"phone_number":"9996621234","api_id":1,"api_hash":"0123456789abcdef0123456789abcdef",)"
                  R"("settings":{"_":"codeSettings"}})") ==
      R"({"phone_number":"+99******34","api_id":1,"api_hash":"***","settings":{"_":"codeSettings"}})");
  CHECK(redact_json(R"({"phone_number":"9996621234","phone_code_hash":"abc","phone_code":"22222"})") ==
        R"({"phone_number":"+99******34","phone_code_hash":"***","phone_code":"***"})");
  CHECK(redact_json(R"({"flags":0,"bot_auth_token":"4242:secret-token"})") ==
        R"({"flags":0,"bot_auth_token":"4242:***"})");
  // A whole object in a secret field goes: the SRP proof.
  CHECK(redact_json(R"({"password":{"_":"inputCheckPasswordSRP","srp_id":"1","A":"QUJD","M1":"REVG"}})") ==
        R"({"password":"***"})");
  // Deep inside answers: a user's phone, exported authorization bytes; numbers and arrays too.
  CHECK(redact_json(R"({"_":"auth.authorization","user":{"_":"user","id":"5","phone":"9996621234"}})") ==
        R"({"_":"auth.authorization","user":{"_":"user","id":"5","phone":"+99******34"}})");
  CHECK(redact_json(R"([{"id":"1","bytes":"c2VjcmV0"},{"code":12345},{"code":[1,2]}])") ==
        R"([{"id":"1","bytes":"***"},{"code":"***"},{"code":"***"}])");
  // JSON-RPC params of the daemon's login methods.
  CHECK(redact_json(R"({"session":"alice","phone":"+9996621234"})") ==
        R"({"session":"alice","phone":"+99******34"})");
  CHECK(redact_json(R"({ "token" : "123:abcdefgh", "password" : "hunter2" })") ==
        R"({ "token" : "123:***", "password" : "***" })");
}

TEST_CASE("redact_json leaves strings that only look like keys and other fields alone") {
  const std::string text = R"({"message":"my \"code\": 22222, \"phone\":\"9996621234\"","hash":"77"})";
  CHECK(redact_json(text) == text);
  CHECK(redact_json(R"(["phone","code"])") == R"(["phone","code"])");
  CHECK(redact_json("") == "");
  CHECK(redact_json("{}") == "{}");
}

TEST_CASE("redact_json cuts long text after masking, on a character boundary, and names the size") {
  const std::string big = R"({"phone":"9996621234","message":")" + std::string(10000, 'x') + R"("})";
  const std::string cut = redact_json(big, 64);
  CHECK(cut.starts_with(R"({"phone":"+99******34","message":"xxx)"));
  CHECK(cut.ends_with("…(" + std::to_string(big.size()) + " bytes)"));
  CHECK(cut.size() < 100);
  const std::string utf8 = R"({"m":")" + std::string(30, 'a') + "\xc3\xa9\xc3\xa9\xc3\xa9" + R"("})";
  for (std::size_t max = 30; max < 40; ++max) {
    const std::string r = redact_json(utf8, max);
    const std::size_t body = r.find("…(");
    REQUIRE(body != std::string::npos);
    // No half of "é" before the marker.
    CHECK((static_cast<unsigned char>(r[body - 1]) & 0xE0) != 0xC0);
  }
  CHECK(redact_json(R"({"a":1})", 64) == R"({"a":1})");
}
