// The Invoker's per-connection numbers (GET /metrics: tgd_mtproto_*) against the test DC: bytes both
// ways once a call went through, and counters that never go back when a DC's connections are closed
// and made anew (AUTH_KEY_DUPLICATED drops the DC).
#include <doctest/doctest.h>

#include <optional>

#include "tests/e2e/session_harness.hpp"

using namespace tgd;
using namespace tgd::e2e;
using session::CallError;
using session::ConnectionKind;
using session::ConnectionStats;
using session::SessionState;

namespace {

constexpr const char* kSelf = R"({"id":[{"_":"inputUserSelf"}]})";

std::optional<ConnectionStats> main_connection(session::Session& s, std::int32_t dc) {
  for (const ConnectionStats& c : s.invoker().connections()) {
    if (c.dc == dc && c.kind == ConnectionKind::Main) return c;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE(
    "connection counters count bytes both ways and survive the DC's connection being dropped and made anew") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("counted");
    REQUIRE(is_state(co_await s.bot_login("740:secret-token"), SessionState::Ready));
    REQUIRE(std::holds_alternative<std::string>(co_await s.call("users.getUsers", kSelf)));
    const auto before = main_connection(s, 1);
    REQUIRE(before);
    CHECK(before->open);
    CHECK(before->connected);
    CHECK(before->bytes_sent > 0);
    CHECK(before->bytes_received > 0);
    CHECK(session::to_string(before->kind) == "main");

    h.world().inject_error("users.getUsers", {406, "AUTH_KEY_DUPLICATED"});
    const auto r = co_await s.call("users.getUsers", kSelf);
    REQUIRE(std::holds_alternative<CallError>(r));
    const auto dropped = main_connection(s, 1);
    REQUIRE(dropped);  // still reported, with what it moved
    CHECK_FALSE(dropped->open);
    CHECK_FALSE(dropped->connected);
    CHECK(dropped->bytes_sent > before->bytes_sent);  // the call that got the error
    CHECK(dropped->bytes_received > before->bytes_received);
    CHECK(dropped->reconnects >= before->reconnects);

    // A new login makes a new connection (and key) on DC 1: its counts add to the old ones.
    REQUIRE(is_state(co_await s.bot_login("740:secret-token"), SessionState::Ready));
    const auto again = main_connection(s, 1);
    REQUIRE(again);
    CHECK(again->open);
    CHECK(again->connected);
    CHECK(again->bytes_sent > dropped->bytes_sent);
    CHECK(again->bytes_received > dropped->bytes_received);
    CHECK(again->resends >= dropped->resends);
    CHECK(again->reconnects >= dropped->reconnects);
  });
}
