// The state's JSON form and the state each batch carries.
#include "engine_harness.hpp"

#include "daemon/updates/update_state.hpp"

using namespace tgd::updates;
using namespace tgd::updates::testing;

TEST_CASE("state JSON round trip with channels") {
  UpdateState s;
  s.pts = 120;
  s.qts = 4;
  s.date = 1700000000;
  s.seq = 37;
  s.channels[1234567890123] = 88;
  s.channels[5] = 1;
  const std::string json = state_to_json(s);
  CHECK(json == R"({"pts":120,"qts":4,"date":1700000000,"seq":37,"channels":{"5":1,"1234567890123":88}})");
  const auto back = state_from_json(json);
  REQUIRE(back);
  CHECK(*back == s);
  CHECK(state_to_json(UpdateState{}) == R"({"pts":0,"qts":0,"date":0,"seq":0})");
  CHECK(state_from_json(state_to_json(UpdateState{})) == UpdateState{});
}

TEST_CASE("state JSON that is incomplete or malformed is rejected") {
  CHECK_FALSE(state_from_json(R"({"pts":1,"qts":2,"date":3})"));
  CHECK_FALSE(state_from_json(R"({"pts":1,"qts":2,"date":3,"seq":"4"})"));
  CHECK_FALSE(state_from_json(R"({"pts":1,"qts":2,"date":3,"seq":4,"channels":{"x":1}})"));
  CHECK_FALSE(state_from_json(R"({"pts":1,"qts":2,"date":3,"seq":4,"channels":{"1":9999999999}})"));
  CHECK_FALSE(state_from_json("nope"));
}

TEST_CASE("each batch carries the state after it, and a restored engine continues from it") {
  Harness h;
  h.start();
  h.push(container({new_message(101), channel_message(900, 7)}, 51));
  REQUIRE(h.batches.size() == 1);
  const std::string saved = h.batches[0].state;
  CHECK(saved == R"({"pts":101,"qts":10,"date":1003,"seq":51,"channels":{"900":7}})");
  const auto state = state_from_json(saved);
  REQUIRE(state);
  Harness restored(*state);
  const auto r = restored.request();
  REQUIRE(r);
  CHECK(r->params == R"({"pts":101,"date":1003,"qts":10})");
}
