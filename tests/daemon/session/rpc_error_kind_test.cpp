#include <doctest/doctest.h>

#include "daemon/session/rpc_error_kind.hpp"

using namespace tgd::session;

TEST_CASE("flood waits of every kind are waits of X seconds, and X=0 counts as 1") {
  for (const char* m :
       {"FLOOD_WAIT_7", "FLOOD_PREMIUM_WAIT_7", "FLOOD_TEST_PHONE_WAIT_7", "SLOWMODE_WAIT_7"}) {
    CAPTURE(m);
    const ErrorClass c = classify_rpc_error(420, m);
    CHECK(c.action == ErrorAction::FloodWait);
    CHECK(c.value == 7);
  }
  CHECK(classify_rpc_error(420, "FLOOD_WAIT_0").value == 1);
}

TEST_CASE("PHONE, NETWORK and USER_MIGRATE move the main DC, FILE and STATS_MIGRATE route one call") {
  CHECK(classify_rpc_error(303, "PHONE_MIGRATE_4").action == ErrorAction::MigrateMain);
  CHECK(classify_rpc_error(303, "NETWORK_MIGRATE_1").action == ErrorAction::MigrateMain);
  CHECK(classify_rpc_error(303, "USER_MIGRATE_5").value == 5);
  CHECK(classify_rpc_error(303, "FILE_MIGRATE_2").action == ErrorAction::RouteCall);
  CHECK(classify_rpc_error(303, "STATS_MIGRATE_3").action == ErrorAction::RouteCall);
  CHECK(classify_rpc_error(303, "PHONE_MIGRATE_0").action == ErrorAction::None);
}

TEST_CASE("a malformed numeric suffix is not acted on") {
  CHECK(classify_rpc_error(420, "FLOOD_WAIT_").action == ErrorAction::None);
  CHECK(classify_rpc_error(420, "FLOOD_WAIT_12x").action == ErrorAction::None);
  CHECK(classify_rpc_error(420, "FLOOD_WAIT_-3").action == ErrorAction::None);
  CHECK(classify_rpc_error(303, "USER_MIGRATE_99999999999").action == ErrorAction::None);
  CHECK_FALSE(error_suffix("FLOOD_WAIT_", "FLOOD_WAIT_"));
  CHECK(error_suffix("FLOOD_WAIT_42", "FLOOD_WAIT_") == 42);
}

TEST_CASE("authorization losses log out, AUTH_KEY_DUPLICATED also kills the key, 5xx and -503 retry") {
  for (const char* m :
       {"AUTH_KEY_UNREGISTERED", "SESSION_REVOKED", "SESSION_EXPIRED", "USER_DEACTIVATED_BAN"}) {
    CAPTURE(m);
    CHECK(classify_rpc_error(401, m).action == ErrorAction::LoggedOut);
  }
  CHECK(classify_rpc_error(406, "AUTH_KEY_DUPLICATED").action == ErrorAction::KeyDuplicated);
  CHECK(classify_rpc_error(-503, "Timeout").action == ErrorAction::Retry);
  CHECK(classify_rpc_error(500, "INTERNAL").action == ErrorAction::Retry);
  CHECK(classify_rpc_error(400, "PEER_ID_INVALID").action == ErrorAction::None);
  CHECK(classify_rpc_error(401, "SESSION_PASSWORD_NEEDED").action == ErrorAction::None);
}

TEST_CASE("RANDOM_ID_DUPLICATE is final although it is a 500: the message was sent already") {
  CHECK(classify_rpc_error(500, "RANDOM_ID_DUPLICATE").action == ErrorAction::None);
}
