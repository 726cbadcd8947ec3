// Bot logins: auth.importBotAuthorization creates the bot on its first login, on that DC.
#include <doctest/doctest.h>

#include "tests/testdc_api/harness.hpp"

namespace tgd::testdc::testing {

TEST_CASE("the first bot login creates the bot on that DC and authorizes the key") {
  Harness h;
  Client c = h.client(2);
  Answer a = h.login_bot(c, "4242:AAbbCCdd_ee-FF");
  REQUIRE(a.ok);
  CHECK(a.type() == "auth.authorization");
  CHECK(a.str("/user/_") == "user");
  CHECK(a.id("/user/id") == 4242);
  CHECK(a.at("/user/self").get_bool().value());
  CHECK(a.at("/user/bot").get_bool().value());
  CHECK(a.has("/user/access_hash"));
  const Account* bot = h.world().find_account(4242);
  REQUIRE(bot);
  CHECK(bot->bot);
  CHECK(bot->home_dc == 2);
  CHECK(h.world().authorized_user(2, c.auth_key_id) == 4242);
  // Authorized now: updates.getState answers.
  Answer state = h.call(c, "updates.getState");
  REQUIRE(state.ok);
  CHECK(state.type() == "updates.state");
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("a bot logging in on another DC than its first login gets 303 USER_MIGRATE_X") {
  Harness h;
  Client first = h.client(3);
  REQUIRE(h.login_bot(first, "777:secretsecret").ok);
  Client elsewhere = h.client(1);
  Answer a = h.login_bot(elsewhere, "777:secretsecret");
  CHECK(a.error == ApiError{303, "USER_MIGRATE_3"});
  CHECK_FALSE(h.world().authorized_user(1, elsewhere.auth_key_id));
  // A second key on the home DC logs in fine.
  Client again = h.client(3);
  CHECK(h.login_bot(again, "777:secretsecret").ok);
}

TEST_CASE("bad bot tokens get ACCESS_TOKEN_INVALID: short secret, no id, wrong secret") {
  Harness h;
  Client c = h.client(1);
  CHECK(h.login_bot(c, "777:short").error == ApiError{400, "ACCESS_TOKEN_INVALID"});
  CHECK(h.login_bot(c, ":secretsecret").error == ApiError{400, "ACCESS_TOKEN_INVALID"});
  CHECK(h.login_bot(c, "abc:secretsecret").error == ApiError{400, "ACCESS_TOKEN_INVALID"});
  CHECK(h.login_bot(c, "777").error == ApiError{400, "ACCESS_TOKEN_INVALID"});
  REQUIRE(h.login_bot(c, "777:secretsecret").ok);
  Client other = h.client(1);
  CHECK(h.login_bot(other, "777:othersecret").error == ApiError{400, "ACCESS_TOKEN_INVALID"});
  CHECK(h.world().accounts().size() == 1);
}

TEST_CASE("World::create_bot makes a bot that logs in on its given home DC only") {
  Harness h;
  h.world().create_bot("5555:tokentoken", 2);
  Client on1 = h.client(1);
  CHECK(h.login_bot(on1, "5555:tokentoken").error == ApiError{303, "USER_MIGRATE_2"});
  Client on2 = h.client(2);
  CHECK(h.login_bot(on2, "5555:tokentoken").ok);
}

TEST_CASE("calls needing an account on a key that never logged in get 401 AUTH_KEY_UNREGISTERED") {
  Harness h;
  Client c = h.client(1);
  CHECK(h.call(c, "updates.getState").error == ApiError{401, "AUTH_KEY_UNREGISTERED"});
  CHECK(h.call(c, "auth.logOut").error == ApiError{401, "AUTH_KEY_UNREGISTERED"});
  CHECK(h.call(c, "auth.exportAuthorization", R"({"dc_id":2})").error ==
        ApiError{401, "AUTH_KEY_UNREGISTERED"});
  CHECK(h.call(c, "account.getPassword").error == ApiError{401, "AUTH_KEY_UNREGISTERED"});
}

TEST_CASE("auth.logOut answers auth.loggedOut and the key is unauthorized afterwards") {
  Harness h;
  Client c = h.client(1);
  REQUIRE(h.login_bot(c, "31337:secretsecret").ok);
  Answer out = h.call(c, "auth.logOut");
  REQUIRE(out.ok);
  CHECK(out.type() == "auth.loggedOut");
  CHECK_FALSE(h.world().authorized_user(1, c.auth_key_id));
  CHECK(h.call(c, "updates.getState").error == ApiError{401, "AUTH_KEY_UNREGISTERED"});
}

}  // namespace tgd::testdc::testing
