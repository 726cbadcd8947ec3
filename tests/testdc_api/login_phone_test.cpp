// Phone logins with the test-number conventions: 99966XYYYY lives on DC X, its code is X x5.
#include <doctest/doctest.h>

#include "tests/testdc_api/harness.hpp"

namespace tgd::testdc::testing {
namespace {

Answer send_code(Harness& h, Client& c, std::string_view phone) {
  return h.call(c, "auth.sendCode",
                R"({"phone_number":")" + std::string(phone) +
                    R"(","api_id":12345,"api_hash":"0123456789abcdef","settings":{}})");
}

Answer sign_in(Harness& h, Client& c, std::string_view phone, std::string_view hash, std::string_view code) {
  return h.call(c, "auth.signIn",
                R"({"phone_number":")" + std::string(phone) + R"(","phone_code_hash":")" + std::string(hash) +
                    R"(","phone_code":")" + std::string(code) + "\"}");
}

}  // namespace

TEST_CASE(
    "auth.sendCode answers auth.sentCode (app, 5 digits, random hash), signIn logs an existing user in") {
  Harness h;
  const std::int64_t id = h.world().create_user("9996621234", "Alice", "Smith").id;
  Client c = h.client(2);
  Answer sent = send_code(h, c, "+999 66 2 1234");
  REQUIRE(sent.ok);
  CHECK(sent.type() == "auth.sentCode");
  CHECK(sent.str("/type/_") == "auth.sentCodeTypeApp");
  CHECK(sent.num("/type/length") == 5);
  const std::string hash = sent.str("/phone_code_hash");
  CHECK(hash.size() >= 8);
  Answer again = send_code(h, c, "9996621234");
  CHECK(again.str("/phone_code_hash") != hash);  // a new code, a new hash
  Answer in = sign_in(h, c, "9996621234", again.str("/phone_code_hash"), "22222");
  REQUIRE(in.ok);
  CHECK(in.type() == "auth.authorization");
  CHECK(in.id("/user/id") == id);
  CHECK(in.str("/user/first_name") == "Alice");
  CHECK(in.str("/user/last_name") == "Smith");
  CHECK(in.str("/user/phone") == "9996621234");
  CHECK(in.at("/user/self").get_bool().value());
  CHECK(h.world().authorized_user(2, c.auth_key_id) == id);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE(
    "auth.signIn errors: PHONE_CODE_INVALID, PHONE_CODE_EMPTY, PHONE_CODE_HASH_EMPTY, PHONE_CODE_EXPIRED") {
  Harness h;
  h.world().create_user("9996611111", "Bob");
  Client c = h.client(1);
  const std::string hash = send_code(h, c, "9996611111").str("/phone_code_hash");
  CHECK(sign_in(h, c, "9996611111", hash, "22222").error == ApiError{400, "PHONE_CODE_INVALID"});
  CHECK(sign_in(h, c, "9996611111", hash, "").error == ApiError{400, "PHONE_CODE_EMPTY"});
  CHECK(
      h.call(c, "auth.signIn", R"({"phone_number":"9996611111","phone_code_hash":")" + hash + "\"}").error ==
      ApiError{400, "PHONE_CODE_EMPTY"});
  CHECK(sign_in(h, c, "9996611111", "", "11111").error == ApiError{400, "PHONE_CODE_HASH_EMPTY"});
  CHECK(sign_in(h, c, "9996611111", "0badc0de", "11111").error == ApiError{400, "PHONE_CODE_EXPIRED"});
  CHECK_FALSE(h.world().authorized_user(1, c.auth_key_id));
  // The right code still works after the failures; it is used up by the login.
  CHECK(sign_in(h, c, "9996611111", hash, "11111").ok);
  Client other = h.client(1);
  CHECK(sign_in(h, other, "9996611111", hash, "11111").error == ApiError{400, "PHONE_CODE_EXPIRED"});
}

TEST_CASE("a phone number of another DC gets 303 PHONE_MIGRATE_X, non-test numbers PHONE_NUMBER_INVALID") {
  Harness h;
  Client c = h.client(1);
  CHECK(send_code(h, c, "9996631234").error == ApiError{303, "PHONE_MIGRATE_3"});
  CHECK(sign_in(h, c, "9996631234", "abc", "33333").error == ApiError{303, "PHONE_MIGRATE_3"});
  CHECK(send_code(h, c, "15551234567").error == ApiError{400, "PHONE_NUMBER_INVALID"});
  CHECK(send_code(h, c, "9996641234").error == ApiError{400, "PHONE_NUMBER_INVALID"});  // no DC 4 here
  Client on3 = h.client(3);
  CHECK(send_code(h, on3, "9996631234").ok);
}

TEST_CASE("a new number: signIn answers authorizationSignUpRequired, auth.signUp creates the user") {
  Harness h;
  Client c = h.client(1);
  const std::string hash = send_code(h, c, "9996610001").str("/phone_code_hash");
  Answer in = sign_in(h, c, "9996610001", hash, "11111");
  REQUIRE(in.ok);
  CHECK(in.type() == "auth.authorizationSignUpRequired");
  CHECK_FALSE(h.world().authorized_user(1, c.auth_key_id));
  CHECK(h.call(c, "auth.signUp",
               R"({"phone_number":"9996610001","phone_code_hash":")" + hash +
                   R"(","first_name":" ","last_name":""})")
            .error == ApiError{400, "FIRST_NAME_INVALID"});
  Answer up = h.call(c, "auth.signUp",
                     R"({"phone_number":"9996610001","phone_code_hash":")" + hash +
                         R"(","first_name":"Carol","last_name":"Jones"})");
  REQUIRE(up.ok);
  CHECK(up.type() == "auth.authorization");
  CHECK(up.str("/user/first_name") == "Carol");
  CHECK(up.str("/user/last_name") == "Jones");
  const Account* a = h.world().find_by_phone("9996610001");
  REQUIRE(a);
  CHECK(a->home_dc == 1);
  CHECK(up.id("/user/id") == a->id);
  CHECK(h.world().authorized_user(1, c.auth_key_id) == a->id);
  // The number is taken now: the next login signs in.
  Client d = h.client(1);
  Answer again = h.login_phone(d, "9996610001");
  REQUIRE(again.ok);
  CHECK(again.type() == "auth.authorization");
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("auth.signUp without a verified code gets PHONE_CODE_EMPTY") {
  Harness h;
  Client c = h.client(2);
  const std::string hash = send_code(h, c, "9996620002").str("/phone_code_hash");
  CHECK(h.call(c, "auth.signUp",
               R"({"phone_number":"9996620002","phone_code_hash":")" + hash +
                   R"(","first_name":"X","last_name":""})")
            .error == ApiError{400, "PHONE_CODE_EMPTY"});
}

TEST_CASE(
    "auth.exportAuthorization on the home DC, auth.importAuthorization on the target DC logs that key in") {
  Harness h;
  std::int64_t id = 0;
  Client home = h.user("9996612345", "Dave", &id);
  CHECK(h.call(home, "auth.exportAuthorization", R"({"dc_id":1})").error == ApiError{400, "DC_ID_INVALID"});
  CHECK(h.call(home, "auth.exportAuthorization", R"({"dc_id":9})").error == ApiError{400, "DC_ID_INVALID"});
  Answer exported = h.call(home, "auth.exportAuthorization", R"({"dc_id":3})");
  REQUIRE(exported.ok);
  CHECK(exported.type() == "auth.exportedAuthorization");
  const std::string export_id = exported.str("/id");
  const std::string bytes = exported.str("/bytes");

  Client dc2 = h.client(2);
  CHECK(h.call(dc2, "auth.importAuthorization", R"({"id":")" + export_id + R"(","bytes":")" + bytes + "\"}")
            .error == ApiError{400, "AUTH_BYTES_INVALID"});  // exported for DC 3
  Client dc3 = h.client(3);
  CHECK(h.call(dc3, "auth.importAuthorization", R"({"id":")" + export_id + R"(","bytes":"AAAA"})").error ==
        ApiError{400, "AUTH_BYTES_INVALID"});
  Answer imported =
      h.call(dc3, "auth.importAuthorization", R"({"id":")" + export_id + R"(","bytes":")" + bytes + "\"}");
  REQUIRE(imported.ok);
  CHECK(imported.type() == "auth.authorization");
  CHECK(imported.id("/user/id") == id);
  CHECK(h.world().authorized_user(3, dc3.auth_key_id) == id);
  CHECK(h.call(dc3, "updates.getState").ok);
  CHECK(h.encoding_failures.empty());
}

}  // namespace tgd::testdc::testing
