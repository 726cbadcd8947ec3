#pragma once
// End-to-end harness for Telegram sessions: a three-DC local test DC (with its accounts), a state
// directory with tgd's SQLite store, and a SessionManager whose sessions target the test DC — all
// on one io_context, as in the daemon. restart() tears the manager and the store down and brings
// them back from the same directory, as a daemon restart does.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "daemon/session/session_manager.hpp"
#include "daemon/store/store.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "tests/e2e/client_harness.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/testdc/world.hpp"

namespace tgd::e2e {

inline const tl::Schemas& schemas() {
  static const tl::Schemas s = tl::load_embedded_schemas();
  return s;
}

class SessionHarness {
 public:
  static constexpr int kDcs = 3;

  explicit SessionHarness(const std::function<void(session::InvokerOptions&)>& tweak = {}) {
    dc = std::make_unique<testdc::TestDc>(io, testdc::Options{"127.0.0.1", 0, kDcs, server_key()});
    auto error = dc->start();
    REQUIRE_MESSAGE(!error, error.value_or(""));
    std::vector<session::DcEndpoint> endpoints;
    for (const auto& e : dc->endpoints()) endpoints.push_back({e.id, e.host, e.port});
    auto target = session::DcTarget::custom(endpoints, server_key()->public_key().to_pem());
    REQUIRE(std::holds_alternative<session::DcTarget>(target));
    defaults.target = std::get<session::DcTarget>(target);
    defaults.layer = schemas().api.layer();
    defaults.params.api_id = 12345;
    defaults.params.api_hash = "0123456789abcdef0123456789abcdef";
    // Loopback needs no long pauses; keep the fault tests fast.
    defaults.retry_delay = 20ms;
    defaults.reconnect_initial = 5ms;
    defaults.reconnect_max = 100ms;
    defaults.call_timeout = 5s;
    if (tweak) tweak(defaults);
    open();
  }

  ~SessionHarness() { close(); }

  testdc::World& world() { return dc->world(); }

  // Sessions publish their updates to `sink` from now on (and after restarts).
  void use_update_sink(session::UpdateSink* sink) {
    update_sink = sink;
    manager->set_update_sink(sink);
  }
  mtproto::server::Dispatcher& dispatcher(int id) { return dc->dispatcher(id); }

  // A new session named `name` (state New).
  session::Session& add(const std::string& name,
                        session::SessionOrigin origin = session::SessionOrigin::Api) {
    auto added = manager->add(name, std::nullopt, origin);
    const std::string error = std::holds_alternative<std::string>(added) ? std::get<std::string>(added) : "";
    REQUIRE_MESSAGE(std::holds_alternative<session::Session*>(added), error);
    return *std::get<session::Session*>(added);
  }

  // Stops the sessions, commits the store, closes it, then opens it again and restores.
  void restart() {
    close();
    open();
  }

  // Runs `body` to completion within `limit`; the session manager is stopped afterwards.
  void run(std::function<net::awaitable<void>()> body, std::chrono::milliseconds limit = 10s) {
    bool done = false;
    std::exception_ptr error;
    net::asio::co_spawn(
        io, [&]() -> net::awaitable<void> { co_await body(); },
        [&](std::exception_ptr e) {
          error = e;
          done = true;
        });
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < end) io.run_for(10ms);
    REQUIRE_MESSAGE(done, "the test body did not finish in time");
    if (error) std::rethrow_exception(error);
  }

  // The id the test DC knows session `s`'s key on `dc` by.
  static std::uint64_t key_id(session::Session& s, int dc) {
    const auto keys = s.invoker().auth_keys();
    const auto it = keys.find(dc);
    REQUIRE(it != keys.end());
    const auto key = crypto::AuthKey::from_bytes(it->second.key);
    REQUIRE(key);
    return static_cast<std::uint64_t>(key->id_value());
  }

  net::asio::io_context io;
  std::unique_ptr<testdc::TestDc> dc;
  test::TempDir state{"tgd-e2e"};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<session::SessionManager> manager;
  session::InvokerOptions defaults;
  session::UpdateSink* update_sink = nullptr;
  // The names a config declares, for the restores of restart() (null: restore every session).
  const std::vector<std::string>* declared = nullptr;

 private:
  void open() {
    auto opened = store::Store::open(state.path());
    REQUIRE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
    store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
    manager =
        std::make_unique<session::SessionManager>(io.get_executor(), schemas().api, store.get(), defaults);
    manager->set_update_sink(update_sink);
    auto restored = manager->restore(declared);
    const std::string error =
        std::holds_alternative<std::string>(restored) ? std::get<std::string>(restored) : "";
    REQUIRE_MESSAGE(error.empty(), error);
  }

  void close() {
    if (manager) manager->stop();
    io.run_for(20ms);  // let the stopped connections' handlers finish
    manager.reset();
    if (store) CHECK(store->flush());
    store.reset();
  }
};

inline bool is_state(const session::Session::LoginResult& r, session::SessionState s) {
  const auto* state = std::get_if<session::SessionState>(&r);
  return state != nullptr && *state == s;
}

inline std::string describe(const session::Session::LoginResult& r) {
  if (const auto* s = std::get_if<session::SessionState>(&r)) return std::string(session::to_string(*s));
  const auto& e = std::get<session::CallError>(r);
  return "error " + std::to_string(e.code) + " " + e.message;
}

inline std::string describe(const session::JsonResult& r) {
  if (const auto* json = std::get_if<std::string>(&r)) return *json;
  const auto& e = std::get<session::CallError>(r);
  return "error kind " + std::to_string(static_cast<int>(e.kind)) + " " + std::to_string(e.code) + " " +
         e.message;
}

}  // namespace tgd::e2e
