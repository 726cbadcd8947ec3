// World's test controls: injected rpc errors, revocation, direct account creation.
#include <doctest/doctest.h>

#include <stdexcept>

#include "tests/testdc_api/harness.hpp"

namespace tgd::testdc::testing {

TEST_CASE("World::inject_error fails the next N calls of a method with the given rpc error, then stops") {
  Harness h;
  std::int64_t alice = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  h.world().inject_error("updates.getState", ApiError{420, "FLOOD_WAIT_3"}, 2);
  CHECK(h.call(a, "updates.getState").error == ApiError{420, "FLOOD_WAIT_3"});
  CHECK(h.call(a, "users.getUsers", R"({"id":[{"_":"inputUserSelf"}]})").ok);  // other methods unaffected
  CHECK(h.call(a, "updates.getState").error == ApiError{420, "FLOOD_WAIT_3"});
  CHECK(h.call(a, "updates.getState").ok);

  const std::string send = R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":"1"})";
  h.world().inject_error("messages.sendMessage", ApiError{420, "SLOWMODE_WAIT_10"});
  CHECK(h.call(a, "messages.sendMessage", send).error == ApiError{420, "SLOWMODE_WAIT_10"});
  CHECK(h.world().find_account(alice)->messages.empty());  // the call did not run
  CHECK(h.call(a, "messages.sendMessage", send).ok);

  h.world().inject_error("", ApiError{500, "INTERNAL"}, 1, 2);  // any method, DC 2 only
  CHECK(h.call(a, "updates.getState").ok);                      // Alice is on DC 1
  Client on2 = h.client(2);
  CHECK(h.call(on2, "help.getNearestDc").error == ApiError{500, "INTERNAL"});
  CHECK(h.call(on2, "help.getNearestDc").ok);

  h.world().inject_error("updates.getState", ApiError{-503, "Timeout"}, 5);
  CHECK(h.call(a, "updates.getState").error == ApiError{-503, "Timeout"});
  h.world().clear_injected_errors();
  CHECK(h.call(a, "updates.getState").ok);
}

TEST_CASE("World::inject_drop drops the connection of every Nth call of a method, after it ran, N times") {
  Harness h;
  std::int64_t alice = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  REQUIRE(h.call(a, "updates.getState").ok);
  h.world().inject_drop("messages.sendMessage", 2, 2);
  std::vector<bool> dropped;
  for (int i = 1; i <= 6; ++i) {
    const std::string send =
        R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":")" + std::to_string(i) + "\"}";
    REQUIRE(h.call(a, "messages.sendMessage", send).ok);  // it runs and has its answer
    dropped.push_back(h.last_hints(a.dc).drop_connection);
    CHECK_FALSE((h.call(a, "updates.getState").ok && h.last_hints(a.dc).drop_connection));  // other methods
  }
  CHECK(dropped == std::vector<bool>{false, true, false, true, false, false});
  CHECK(h.world().find_account(alice)->messages.size() == 6);
  h.world().inject_drop("", 1, 5);
  h.world().clear_injected_errors();  // drops too
  CHECK(h.call(a, "updates.getState").ok);
  CHECK_FALSE(h.last_hints(a.dc).drop_connection);
}

TEST_CASE("injected errors come after the CONNECTION_NOT_INITED check") {
  Harness h;
  h.world().inject_error("updates.getState", ApiError{420, "FLOOD_WAIT_1"});
  Client c = h.client(1);
  CHECK(h.call(c, "updates.getState", "{}", false).error.message == "CONNECTION_NOT_INITED");
  CHECK(h.call(c, "updates.getState").error.message == "FLOOD_WAIT_1");
}

TEST_CASE(
    "revoked authorizations: SESSION_REVOKED on the next call of each key, then AUTH_KEY_UNREGISTERED") {
  Harness h;
  std::int64_t alice = 0;
  Client home = h.user("9996611000", "Alice", &alice);
  Answer exported = h.call(home, "auth.exportAuthorization", R"({"dc_id":2})");
  Client on2 = h.client(2);
  REQUIRE(h.call(on2, "auth.importAuthorization",
                 R"({"id":")" + exported.str("/id") + R"(","bytes":")" + exported.str("/bytes") + "\"}")
              .ok);
  std::int64_t bob = 0;
  Client other = h.user("9996611001", "Bob", &bob);

  h.world().revoke_authorizations(alice);
  CHECK_FALSE(h.world().authorized_user(1, home.auth_key_id));
  CHECK(h.call(home, "updates.getState").error == ApiError{401, "SESSION_REVOKED"});
  CHECK(h.call(home, "updates.getState").error == ApiError{401, "AUTH_KEY_UNREGISTERED"});
  CHECK(h.call(on2, "users.getUsers", R"({"id":[{"_":"inputUserSelf"}]})").error ==
        ApiError{401, "SESSION_REVOKED"});
  CHECK(h.call(on2, "users.getUsers", R"({"id":[{"_":"inputUserSelf"}]})").error ==
        ApiError{401, "AUTH_KEY_UNREGISTERED"});
  CHECK(h.call(other, "updates.getState").ok);  // Bob is untouched
  // Logging in again on the same key works.
  CHECK(h.login_phone(home, "9996611000").ok);
  CHECK(h.call(home, "updates.getState").ok);
}

TEST_CASE("World lists and creates accounts directly, test phone numbers only") {
  Harness h;
  CHECK(h.world().accounts().empty());
  Account& u = h.world().create_user("9996632222", "Zed");
  CHECK(u.home_dc == 3);
  CHECK_FALSE(u.bot);
  Account& bot = h.world().create_bot("900:botsecret1", 1);
  CHECK(bot.bot);
  CHECK(bot.id == 900);
  CHECK(h.world().accounts().size() == 2);
  CHECK(h.world().find_by_phone("9996632222") == &u);
  CHECK_THROWS_AS(h.world().create_user("9996632222", "Again"), std::invalid_argument);
  CHECK_THROWS_AS(h.world().create_user("12345", "Bad"), std::invalid_argument);
  CHECK_THROWS_AS(h.world().create_bot("900:botsecret1", 1), std::invalid_argument);
  CHECK(test_phone_code(2) == "22222");
  CHECK(test_phone_dc("9996621234", 3) == 2);
  CHECK(test_phone_dc("9996641234", 3) == 0);
}

}  // namespace tgd::testdc::testing
