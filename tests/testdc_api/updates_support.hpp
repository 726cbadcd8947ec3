#pragma once
// Params and setups the updates tests share.
#include <string>
#include <string_view>

#include "tests/testdc_api/harness.hpp"

namespace tgd::testdc::testing {

inline std::string send_to(const std::string& peer, std::string_view text, std::int64_t random_id) {
  return R"({"peer":)" + peer + R"(,"message":")" + std::string(text) + R"(","random_id":")" +
         std::to_string(random_id) + "\"}";
}

inline std::string difference_params(int pts, std::string_view extra = "") {
  return R"({"pts":)" + std::to_string(pts) + R"(,"date":1,"qts":0)" + std::string(extra) + "}";
}

inline std::string channel_difference_params(const std::string& channel, int pts, int limit) {
  return R"({"channel":)" + channel + R"(,"filter":{"_":"channelMessagesFilterEmpty"},"pts":)" +
         std::to_string(pts) + R"(,"limit":)" + std::to_string(limit) + "}";
}

// Alice and Bob, each logged in with a client that made a call (so it gets pushes).
struct TwoUsers {
  Harness& h;
  std::int64_t alice = 0, bob = 0;
  Client a, b;
  explicit TwoUsers(Harness& harness) : h(harness) {
    a = h.user("9996611000", "Alice", &alice);
    b = h.user("9996621000", "Bob", &bob);
    REQUIRE(h.call(a, "updates.getState").ok);
    REQUIRE(h.call(b, "updates.getState").ok);
  }
  Answer alice_says(std::string_view text, std::int64_t random_id) {
    return h.call(a, "messages.sendMessage", send_to(input_peer_user(h, alice, bob), text, random_id));
  }
};

}  // namespace tgd::testdc::testing
