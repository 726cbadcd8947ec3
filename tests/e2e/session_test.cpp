// End to end: tgd's sessions (SessionManager → Session → Invoker → MtprotoClient) against the local
// test DC's accounts, with the SQLite store: every login path, restarts without a new key or
// login, migrations, flood waits, retries, revoked authorizations and isolation between sessions.
#include <doctest/doctest.h>

#include "daemon/version.hpp"
#include "tests/e2e/session_harness.hpp"

using namespace tgd;
using namespace tgd::e2e;
using session::CallError;
using session::SessionState;

namespace {

constexpr const char* kSelf = R"({"id":[{"_":"inputUserSelf"}]})";

bool is_ok(const session::JsonResult& r) { return std::holds_alternative<std::string>(r); }

const CallError* error_of(const session::JsonResult& r) { return std::get_if<CallError>(&r); }

}  // namespace

TEST_CASE("a bot logs in, and after a restart it is Ready with the same auth key and no new login") {
  SessionHarness h;
  std::uint64_t key_before = 0;
  h.run([&]() -> net::awaitable<void> {
    session::Session& bot = h.add("bot");
    const auto r = co_await bot.bot_login("123456:secret-token");
    REQUIRE_MESSAGE(is_state(r, SessionState::Ready), describe(r));
    CHECK(bot.kind() == "bot");
    CHECK(bot.self_user_id() == 123456);
    const auto self = co_await bot.call("users.getUsers", kSelf);
    REQUIRE_MESSAGE(is_ok(self), describe(self));
    CHECK(std::get<std::string>(self).find(R"("id":"123456")") != std::string::npos);
    key_before = SessionHarness::key_id(bot, bot.invoker().main_dc());
    // The connection was initialized with tgd's parameters (initConnection inside invokeWithLayer).
    const testdc::ConnectionInit* init = h.world().connection_init(1, key_before);
    REQUIRE(init != nullptr);
    CHECK(init->layer == schemas().api.layer());
    CHECK(init->api_id == 12345);
    CHECK(init->device_model == "tgd");
    CHECK(init->app_version == TGD_VERSION);
  });
  h.restart();
  h.run([&]() -> net::awaitable<void> {
    session::Session* bot = h.manager->find("bot");
    REQUIRE(bot != nullptr);
    CHECK(bot->state() == SessionState::Ready);
    CHECK(bot->kind() == "bot");
    CHECK(bot->self_user_id() == 123456);
    const auto self = co_await bot->call("users.getUsers", kSelf);
    REQUIRE_MESSAGE(is_ok(self), describe(self));
    CHECK(SessionHarness::key_id(*bot, bot->invoker().main_dc()) == key_before);
  });
  // help.getConfig ran in the background and its dc_options were persisted.
  REQUIRE(h.store->flush());
  auto loaded = h.store->load_sessions();
  REQUIRE(std::holds_alternative<std::vector<store::SessionSnapshot>>(loaded));
  const auto& rows = std::get<std::vector<store::SessionSnapshot>>(loaded);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].session.dc_options_json.find(R"("ip_address":"127.0.0.1")") != std::string::npos);
  CHECK(rows[0].session.state == "ready");
}

TEST_CASE(
    "a session the config made leaves with its declaration and comes back logged in when declared again") {
  SessionHarness h;
  std::uint64_t key_before = 0;
  h.run([&]() -> net::awaitable<void> {
    session::Session& made = h.add("from_config", session::SessionOrigin::Config);
    const auto r = co_await made.bot_login("123456:secret-token");
    REQUIRE_MESSAGE(is_state(r, SessionState::Ready), describe(r));
    key_before = SessionHarness::key_id(made, made.invoker().main_dc());
    h.add("from_api");
    // A reload whose config no longer declares it: unloaded, nothing else touched.
    REQUIRE_FALSE(h.manager->unload("from_config"));
    CHECK(h.manager->find("from_config") == nullptr);
    CHECK(h.manager->unload("from_config") == "no session 'from_config'");
    // Declared again: back from the store, as it was (restore reads committed rows, as the
    // daemon's reload does after a flush off the event loop).
    REQUIRE(h.store->flush());
    const std::vector<std::string> declared{"from_config"};
    auto restored = h.manager->restore(&declared);
    REQUIRE(std::holds_alternative<std::vector<std::string>>(restored));
    CHECK(std::get<std::vector<std::string>>(restored) == std::vector<std::string>{"from_config"});
    session::Session* back = h.manager->find("from_config");
    REQUIRE(back != nullptr);
    CHECK(back->state() == SessionState::Ready);
    CHECK(back->origin() == session::SessionOrigin::Config);
    CHECK(SessionHarness::key_id(*back, back->invoker().main_dc()) == key_before);
    const auto self = co_await back->call("users.getUsers", kSelf);
    CHECK_MESSAGE(is_ok(self), describe(self));
  });
  // A restart with a config that does not declare it: not loaded; the API's session is.
  const std::vector<std::string> none;
  h.declared = &none;
  h.restart();
  CHECK(h.manager->find("from_config") == nullptr);
  CHECK(h.manager->find("from_api") != nullptr);
  // Declared again at the next start: Ready with the same key, no new login.
  const std::vector<std::string> declared{"from_config"};
  h.declared = &declared;
  h.restart();
  h.run([&]() -> net::awaitable<void> {
    session::Session* back = h.manager->find("from_config");
    REQUIRE(back != nullptr);
    CHECK(back->state() == SessionState::Ready);
    CHECK(SessionHarness::key_id(*back, back->invoker().main_dc()) == key_before);
    const auto self = co_await back->call("users.getUsers", kSelf);
    CHECK_MESSAGE(is_ok(self), describe(self));
  });
}

TEST_CASE("a new phone number: PHONE_MIGRATE moves the main DC, then code and sign-up make it Ready") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& alice = h.add("alice");
    CHECK(alice.invoker().main_dc() == 1);
    auto r = co_await alice.phone_login("+999 66 2 0001");  // lives on DC 2
    REQUIRE_MESSAGE(is_state(r, SessionState::WaitingCode), describe(r));
    CHECK(alice.invoker().main_dc() == 2);
    r = co_await alice.complete_phone_login("11111");
    REQUIRE(std::holds_alternative<CallError>(r));
    CHECK(std::get<CallError>(r).message == "PHONE_CODE_INVALID");
    CHECK(alice.state() == SessionState::WaitingCode);  // a wrong code can be retried
    r = co_await alice.complete_phone_login("22222");
    REQUIRE_MESSAGE(is_state(r, SessionState::WaitingSignUp), describe(r));
    r = co_await alice.complete_signup("Alice", "Liddell");
    REQUIRE_MESSAGE(is_state(r, SessionState::Ready), describe(r));
    CHECK(alice.kind() == "user");
    const testdc::Account* account = h.world().find_by_phone("9996620001");
    REQUIRE(account != nullptr);
    CHECK(alice.self_user_id() == account->id);
    CHECK(account->first_name == "Alice");
  });
  h.restart();
  session::Session* alice = h.manager->find("alice");
  REQUIRE(alice != nullptr);
  CHECK(alice->state() == SessionState::Ready);
  CHECK(alice->invoker().main_dc() == 2);
}

TEST_CASE("code then 2FA: a wrong password is refused and retried, the right one logs in") {
  SessionHarness h;
  testdc::Account& bob = h.world().create_user("9996610002", "Bob");
  h.world().set_password(bob.id, "correct horse");
  h.run(
      [&]() -> net::awaitable<void> {
        session::Session& s = h.add("bob");
        auto r = co_await s.phone_login("9996610002");
        REQUIRE_MESSAGE(is_state(r, SessionState::WaitingCode), describe(r));
        r = co_await s.complete_phone_login("11111");
        REQUIRE_MESSAGE(is_state(r, SessionState::WaitingPassword), describe(r));
        r = co_await s.complete_2fa("battery staple");
        REQUIRE(std::holds_alternative<CallError>(r));
        CHECK(std::get<CallError>(r).message == "PASSWORD_HASH_INVALID");
        CHECK(s.state() == SessionState::WaitingPassword);
        r = co_await s.complete_2fa("correct horse");
        REQUIRE_MESSAGE(is_state(r, SessionState::Ready), describe(r));
        CHECK(s.self_user_id() == bob.id);
      },
      20s);
}

TEST_CASE("a bot living on another DC: USER_MIGRATE moves the main DC during login") {
  SessionHarness h;
  h.world().create_bot("555000:secret-token", 3);
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("migrating-bot");
    const auto r = co_await s.bot_login("555000:secret-token");
    REQUIRE_MESSAGE(is_state(r, SessionState::Ready), describe(r));
    CHECK(s.invoker().main_dc() == 3);
  });
}

TEST_CASE("FILE_MIGRATE routes one call to another DC, authorized there once by export/import") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("router");
    REQUIRE(is_state(co_await s.bot_login("700:secret-token"), SessionState::Ready));
    h.world().inject_error("users.getUsers", {303, "FILE_MIGRATE_2"}, 1, 1);
    const auto routed = co_await s.call("users.getUsers", kSelf);
    REQUIRE_MESSAGE(is_ok(routed), describe(routed));
    CHECK(s.invoker().main_dc() == 1);  // routing one call does not move the session
    CHECK(s.invoker().authorized_dcs().contains(2));
    CHECK(h.world().authorized_user(2, SessionHarness::key_id(s, 2)) == 700);
    // Later calls to DC 2 reuse the authorization.
    const auto again = co_await s.call("users.getUsers", kSelf, {.dc = 2});
    REQUIRE_MESSAGE(is_ok(again), describe(again));
  });
  h.restart();
  CHECK(h.manager->find("router")->invoker().authorized_dcs().contains(2));
}

TEST_CASE("a file connection to a DC shares its auth key and is separate from the main connection") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("files");
    REQUIRE(is_state(co_await s.bot_login("710:secret-token"), SessionState::Ready));
    const std::uint64_t key = SessionHarness::key_id(s, 1);
    const std::size_t before = s.invoker().open_connections();
    const auto r = co_await s.call("users.getUsers", kSelf, {.connection = session::ConnectionKind::File});
    REQUIRE_MESSAGE(is_ok(r), describe(r));
    CHECK(s.invoker().open_connections() == before + 1);
    CHECK(SessionHarness::key_id(s, 1) == key);  // no second key for the DC
    // A file connection to a DC without a key yet: the key is made on the main connection first.
    const auto other =
        co_await s.call("users.getUsers", kSelf, {.dc = 3, .connection = session::ConnectionKind::File});
    REQUIRE_MESSAGE(is_ok(other), describe(other));
    CHECK(s.invoker().authorized_dcs().contains(3));
    CHECK(h.world().authorized_user(3, SessionHarness::key_id(s, 3)) == 710);
  });
}

TEST_CASE("a flood wait under the threshold is waited out, above it the caller gets the seconds") {
  SessionHarness h([](session::InvokerOptions& o) { o.flood_wait_threshold = std::chrono::seconds(2); });
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("flooded");
    REQUIRE(is_state(co_await s.bot_login("701:secret-token"), SessionState::Ready));
    h.world().inject_error("users.getUsers", {420, "FLOOD_WAIT_1"});
    auto start = std::chrono::steady_clock::now();
    const auto waited = co_await s.call("users.getUsers", kSelf);
    REQUIRE_MESSAGE(is_ok(waited), describe(waited));
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::seconds(1));

    h.world().inject_error("users.getUsers", {420, "FLOOD_WAIT_30"});
    start = std::chrono::steady_clock::now();
    const auto refused = co_await s.call("users.getUsers", kSelf);
    const CallError* e = error_of(refused);
    REQUIRE(e != nullptr);
    CHECK(e->kind == CallError::Kind::FloodWait);
    CHECK(e->wait_seconds == 30);
    CHECK(e->message == "FLOOD_WAIT_30");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  });
}

TEST_CASE("-503 Timeout and INTERNAL are retried with backoff, a bounded number of times") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("retrying");
    REQUIRE(is_state(co_await s.bot_login("702:secret-token"), SessionState::Ready));
    h.world().inject_error("users.getUsers", {-503, "Timeout"}, 2);
    const auto recovered = co_await s.call("users.getUsers", kSelf);
    REQUIRE_MESSAGE(is_ok(recovered), describe(recovered));
    h.world().inject_error("users.getUsers", {500, "INTERNAL"}, 100);
    const auto given_up = co_await s.call("users.getUsers", kSelf);
    const CallError* e = error_of(given_up);
    REQUIRE(e != nullptr);
    CHECK(e->code == 500);
    CHECK(e->message == "INTERNAL");
    h.world().clear_injected_errors();
    const auto& m = s.invoker().metrics();
    std::uint64_t retries = 0;
    for (const auto& [id, method] : m) retries += method.retries;
    CHECK(retries == 2 + static_cast<std::uint64_t>(h.defaults.max_retries));
  });
}

TEST_CASE("a revoked authorization logs the session out with the reason, and later calls do not loop") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("revoked");
    REQUIRE(is_state(co_await s.bot_login("703:secret-token"), SessionState::Ready));
    std::vector<SessionState> seen;
    s.on_state_change([&](const session::Session& changed) { seen.push_back(changed.state()); });
    h.world().revoke_authorizations(703);
    const auto first = co_await s.call("users.getUsers", kSelf);
    const CallError* e = error_of(first);
    REQUIRE(e != nullptr);
    CHECK(e->kind == CallError::Kind::LoggedOut);
    CHECK(s.state() == SessionState::LoggedOut);
    CHECK(s.logout_reason() == "SESSION_REVOKED");
    CHECK(seen == std::vector{SessionState::LoggedOut});
    const auto queries = h.dispatcher(1).counters().queries;
    const auto later = co_await s.call("users.getUsers", kSelf);
    REQUIRE(error_of(later) != nullptr);
    CHECK(error_of(later)->kind == CallError::Kind::LoggedOut);
    CHECK(h.dispatcher(1).counters().queries == queries);  // answered locally, nothing sent
    // A new login brings it back.
    const auto again = co_await s.bot_login("703:secret-token");
    CHECK_MESSAGE(is_state(again, SessionState::Ready), describe(again));
  });
  h.restart();
  CHECK(h.manager->find("revoked")->state() == SessionState::Ready);
}

TEST_CASE("AUTH_KEY_DUPLICATED drops the DC's key and logs out, a new login makes a new key") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("duplicated");
    REQUIRE(is_state(co_await s.bot_login("711:secret-token"), SessionState::Ready));
    const std::uint64_t old_key = SessionHarness::key_id(s, 1);
    h.world().inject_error("users.getUsers", {406, "AUTH_KEY_DUPLICATED"});
    const auto r = co_await s.call("users.getUsers", kSelf);
    REQUIRE(error_of(r) != nullptr);
    CHECK(error_of(r)->kind == CallError::Kind::LoggedOut);
    CHECK(s.state() == SessionState::LoggedOut);
    CHECK(s.logout_reason() == "AUTH_KEY_DUPLICATED");
    CHECK_FALSE(s.invoker().auth_keys().contains(1));
    REQUIRE(is_state(co_await s.bot_login("711:secret-token"), SessionState::Ready));
    CHECK(SessionHarness::key_id(s, 1) != old_key);
  });
  h.restart();
  session::Session* s = h.manager->find("duplicated");
  REQUIRE(s != nullptr);
  CHECK(s->state() == SessionState::Ready);
  CHECK(s->invoker().auth_keys().size() == 1);
}

TEST_CASE("logout ends the authorization on the test DC and is persisted") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("leaving");
    REQUIRE(is_state(co_await s.bot_login("704:secret-token"), SessionState::Ready));
    const std::uint64_t key = SessionHarness::key_id(s, 1);
    CHECK(h.world().authorized_user(1, key) == 704);
    const auto r = co_await s.logout();
    CHECK(is_state(r, SessionState::LoggedOut));
    CHECK(s.logout_reason() == "logged out by request");
    CHECK_FALSE(h.world().authorized_user(1, key));
  });
  h.restart();
  CHECK(h.manager->find("leaving")->state() == SessionState::LoggedOut);
}

TEST_CASE("two sessions in parallel: one stalled on its DC does not slow the other") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& slow = h.add("slow");
    session::Session& fast = h.add("fast");
    fast.invoker().set_main_dc(2);
    REQUIRE(is_state(co_await slow.bot_login("705:secret-token"), SessionState::Ready));
    REQUIRE(is_state(co_await fast.bot_login("706:secret-token"), SessionState::Ready));
    h.dispatcher(1).faults().hold_answers = true;  // DC 1 stops answering: "slow" stalls
    bool slow_done = false;
    net::asio::co_spawn(
        h.io,
        [&]() -> net::awaitable<void> {
          const auto r = co_await slow.call("users.getUsers", kSelf);
          CHECK(is_ok(r));
          slow_done = true;
        },
        net::asio::detached);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
      const auto r = co_await fast.call("users.getUsers", kSelf);
      REQUIRE_MESSAGE(is_ok(r), describe(r));
    }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    CHECK_FALSE(slow_done);
    h.dispatcher(1).faults().hold_answers = false;
    h.dispatcher(1).release_answers();
    const bool finished = co_await wait_until([&] { return slow_done; });
    CHECK(finished);
  });
}

TEST_CASE("session names are checked and a second session of the same name is refused") {
  SessionHarness h;
  CHECK(std::holds_alternative<std::string>(h.manager->add("bad name")));
  CHECK(std::holds_alternative<std::string>(h.manager->add("")));
  h.add("one");
  const auto again = h.manager->add("one");
  REQUIRE(std::holds_alternative<std::string>(again));
  CHECK(std::get<std::string>(again).find("exists") != std::string::npos);
  CHECK(h.manager->remove("one") == std::nullopt);
  CHECK(h.manager->remove("one").has_value());
  h.restart();
  CHECK(h.manager->find("one") == nullptr);
}

TEST_CASE("login steps out of order are refused with the state named") {
  SessionHarness h;
  h.run([&]() -> net::awaitable<void> {
    session::Session& s = h.add("confused");
    const auto r = co_await s.complete_phone_login("22222");
    REQUIRE(std::holds_alternative<CallError>(r));
    CHECK(std::get<CallError>(r).kind == CallError::Kind::BadInput);
    CHECK(std::get<CallError>(r).message.find("is new") != std::string::npos);
    const auto bad_phone = co_await s.phone_login("call me");
    REQUIRE(std::holds_alternative<CallError>(bad_phone));
    CHECK(s.state() == SessionState::New);
  });
}
