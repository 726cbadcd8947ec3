// initConnection bookkeeping: CONNECTION_NOT_INITED, the exempt help methods, per-key parameters.
#include <doctest/doctest.h>

#include "tests/testdc_api/harness.hpp"

namespace tgd::testdc::testing {

TEST_CASE("a query without initConnection on a fresh auth key gets 400 CONNECTION_NOT_INITED") {
  Harness h;
  Client c = h.client(2);
  Answer a = h.login_bot(c, "123456:secret-token");
  // login_bot wraps the first call; call it bare here instead.
  Client bare = h.client(2);
  Answer b = h.call(bare, "auth.importBotAuthorization",
                    R"({"flags":0,"api_id":1,"api_hash":"x","bot_auth_token":"123456:secret-token"})", false);
  CHECK_FALSE(b.ok);
  CHECK(b.error == ApiError{400, "CONNECTION_NOT_INITED"});
  CHECK(a.ok);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("help.getNearestDc and help.getConfig answer without initConnection (documented exemption)") {
  Harness h;
  Client c = h.client(3);
  Answer nearest = h.call(c, "help.getNearestDc", "{}", false);
  REQUIRE(nearest.ok);
  CHECK(nearest.type() == "nearestDc");
  CHECK(nearest.num("/this_dc") == 3);
  Answer config = h.call(c, "help.getConfig", "{}", false);
  REQUIRE(config.ok);
  CHECK(config.type() == "config");
  CHECK(config.num("/this_dc") == 3);
  CHECK(config.size("/dc_options") == 3);
  // Still not initialised: other methods are refused.
  CHECK(h.call(c, "updates.getState", "{}", false).error.message == "CONNECTION_NOT_INITED");
  CHECK(h.world().connection_init(3, c.auth_key_id) == nullptr);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("initConnection parameters are remembered per auth key and DC, later bare calls are accepted") {
  Harness h;
  Client c = h.client(1);
  Answer nearest = h.call(c, "help.getNearestDc");  // wrapped: initialises the key
  REQUIRE(nearest.ok);
  const ConnectionInit* init = h.world().connection_init(1, c.auth_key_id);
  REQUIRE(init);
  CHECK(init->layer == 223);
  CHECK(init->api_id == 12345);
  CHECK(init->device_model == "doctest");
  CHECK(init->lang_code == "en");
  CHECK(h.world().connection_init(2, c.auth_key_id) == nullptr);
  // A bare call on the same key (any session) now passes the check (and needs a login).
  Client other_session = c;
  other_session.session_id += 1;
  CHECK(h.call(other_session, "updates.getState", "{}", false).error ==
        ApiError{401, "AUTH_KEY_UNREGISTERED"});
}

TEST_CASE("initConnection outside invokeWithLayer gets CONNECTION_LAYER_INVALID") {
  Harness h;
  Client c = h.client(1);
  Answer a = h.call(
      c, "initConnection",
      R"({"api_id":1,"device_model":"d","system_version":"s","app_version":"1","system_lang_code":"en",)"
      R"("lang_pack":"","lang_code":"en","query":{"_":"help.getNearestDc"}})",
      false);
  CHECK(a.error == ApiError{400, "CONNECTION_LAYER_INVALID"});
}

}  // namespace tgd::testdc::testing
