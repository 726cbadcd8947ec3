#pragma once
// One Telegram account held by the daemon: its Invoker (connections, routing, flood waits), its
// login state machine, its peer cache and its persistence.
//
//   New ──bot_login──────────────────────────────────────────────► Ready
//    │ └─phone_login─► WaitingCode ──complete_phone_login──────────► Ready
//    │                    │  ├─(SESSION_PASSWORD_NEEDED)► WaitingPassword ──complete_2fa──► Ready
//    │                    │  └─(sign-up required)──────► WaitingSignUp ──complete_signup──► Ready
//   Ready ──logout / AUTH_KEY_UNREGISTERED / SESSION_REVOKED / ...──► LoggedOut(reason)
//   LoggedOut ──bot_login / phone_login──► (as from New)
//
// A failed step leaves the state as it was (a wrong code can be retried). Every state change is
// persisted and reported to on_state_change. Calls other than logins made while not Ready are still
// sent (Telegram answers AUTH_KEY_UNREGISTERED), except in LoggedOut, where they fail at once with
// the reason — a revoked session does not loop.
//
// Owned by shared_ptr (SessionManager): calls in flight keep it alive after it is removed; they
// then end with CallError::Kind::Failed ("session stopped").
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/session/invoker.hpp"
#include "daemon/session/tl_json.hpp"
#include "daemon/session/update_sink.hpp"
#include "daemon/store/store.hpp"

namespace boost::asio {
class thread_pool;
}

namespace tgd::session {

class UpdateDriver;

// Who put a session in the daemon: a client's addSession (it stays until removeSession), or the
// config's [[session]] list (it leaves the running daemon when its declaration leaves the config;
// its saved state stays, to come back if declared again). Persisted with the session.
enum class SessionOrigin : bool { Api, Config };

// What a session's update driver did (Session::update_stats).
struct UpdateDriverStats {
  std::uint64_t pushes = 0;       // Updates objects pushed by the server
  std::uint64_t undecodable = 0;  // pushes the codec could not read (each asks for a difference)
  std::uint64_t requests = 0;     // getState / getDifference / getChannelDifference made
  std::uint64_t request_failures = 0;
  std::uint64_t published = 0;  // updates handed to the sink
  std::uint64_t shed = 0;       // pushes dropped while the sink was overloaded (fetched again later)
  std::string last_failure;     // the last failed request: method and error
};

enum class SessionState : std::uint8_t { New, WaitingCode, WaitingPassword, WaitingSignUp, Ready, LoggedOut };
std::string_view to_string(SessionState state);
std::optional<SessionState> session_state_from(std::string_view name);

// What sessions share: the event loop, the codec, the store, and a pool for CPU-heavy work (the
// 2FA key derivation) so it never stalls the loop.
struct SessionContext {
  boost::asio::any_io_executor executor;
  TlJson* tl = nullptr;
  store::Store* store = nullptr;            // nullptr: nothing is persisted (tests)
  boost::asio::thread_pool* cpu = nullptr;  // nullptr: CPU-heavy work runs inline
  // Where Ready sessions publish their updates (journal + subscribers); nullptr: updates are not
  // tracked (no update engine runs).
  UpdateSink* updates = nullptr;
};

// The outcome of a call made with JSON: the answer as JSON text, or the error.
using JsonResult = std::variant<std::string, CallError>;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // A new session, or one restored from the store (snapshot); `options` carries the DC target,
  // initConnection parameters and policies (a snapshot's keys, main DC and login state override
  // the corresponding fields).
  // A restored session (`snapshot`) keeps the origin it was saved with.
  Session(SessionContext context, std::string name, InvokerOptions options,
          const store::SessionSnapshot* snapshot = nullptr, SessionOrigin origin = SessionOrigin::Api);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& name() const { return name_; }
  SessionState state() const { return state_; }
  // stop() was called (the daemon is stopping or the session was removed).
  bool stopped() const { return stopped_; }
  SessionOrigin origin() const { return origin_; }
  const std::string& logout_reason() const { return logout_reason_; }
  std::optional<std::int64_t> self_user_id() const { return self_user_id_; }
  const std::string& kind() const { return kind_; }  // "user", "bot", or "" before any login
  void on_state_change(std::function<void(const Session&)> handler) { on_state_change_ = std::move(handler); }
  void on_update(std::function<void(ByteSpan)> handler) { on_update_ = std::move(handler); }

  // Any API method by its TL name with params in tgd's JSON form; the answer as JSON. The users and
  // chats in it feed the peer cache, and the updates in it the update engine.
  boost::asio::awaitable<JsonResult> call(std::string_view method, std::string_view params,
                                          InvokeOptions options = {}) {
    return call_json(method, params, options, /*feed_updates=*/true);
  }

  // Logins (facts §6). Each returns the new state, or the error (state unchanged).
  using LoginResult = std::variant<SessionState, CallError>;
  boost::asio::awaitable<LoginResult> bot_login(std::string token);
  boost::asio::awaitable<LoginResult> phone_login(std::string phone);
  boost::asio::awaitable<LoginResult> complete_phone_login(std::string code);
  boost::asio::awaitable<LoginResult> complete_2fa(std::string password);
  boost::asio::awaitable<LoginResult> complete_signup(std::string first_name, std::string last_name);
  boost::asio::awaitable<LoginResult> logout();

  // Fetches help.getConfig and adopts its dc_options (persisted). Done once after every login or
  // restore, then at the config's expiry.
  boost::asio::awaitable<std::optional<CallError>> refresh_config();

  // Connects and keeps the DC list fresh: help.getConfig now and then hourly (every minute while
  // it fails), until stop().
  void start();

  Invoker& invoker() { return *invoker_; }
  // The update engine's driver counters; nullopt while no engine runs (not Ready, or no sink).
  std::optional<UpdateDriverStats> update_stats() const;
  // The update sink's viewed_channels() may have grown (a subscription naming channels): the
  // update engine starts polling the new ones now rather than at its next timer.
  void viewed_channels_changed();
  // Persists the keys' current salts and time offsets and closes every connection.
  void stop();

 private:
  friend class UpdateDriver;  // calls without feeding itself, the peer cache, the context

  boost::asio::awaitable<JsonResult> call_json(std::string_view method, std::string_view params,
                                               InvokeOptions options, bool feed_updates);
  boost::asio::awaitable<JsonResult> call_unfed(std::string_view method, std::string_view params,
                                                InvokeOptions options) {
    return call_json(method, params, options, /*feed_updates=*/false);
  }
  // The update engine runs while the session is Ready, started and given a sink.
  void start_updates();
  void stop_updates();
  InvokerHooks hooks();
  void set_state(SessionState state, std::string reason = {});
  void persist();
  void persist_keys();
  std::string settings_json() const;
  void load_settings(std::string_view json);
  void feed_peers(std::string_view json);
  // auth.authorization (from signIn, signUp, checkPassword, importBotAuthorization): Ready.
  LoginResult logged_in(const std::string& authorization_json, std::string kind);
  CallError wrong_state(std::string_view what) const;
  boost::asio::awaitable<LoginResult> login_call(std::string_view method, std::string params,
                                                 std::string kind);

  SessionContext context_;
  std::string name_;
  std::unique_ptr<Invoker> invoker_;
  SessionState state_ = SessionState::New;
  std::string logout_reason_;
  std::string kind_;
  std::optional<std::int64_t> self_user_id_;
  // A phone login in progress (persisted, so a restart can still complete it).
  std::string phone_;
  std::string phone_code_hash_;
  SessionOrigin origin_ = SessionOrigin::Api;
  std::string dc_options_json_ = "[]";
  bool stopped_ = false;
  struct Refresher;  // the config refresh loop's timer (session.cpp)
  std::shared_ptr<Refresher> refresher_;
  std::function<void(const Session&)> on_state_change_;
  std::function<void(ByteSpan)> on_update_;
  bool started_ = false;
  std::shared_ptr<UpdateDriver> updates_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // hooks outliving the session check it
};

}  // namespace tgd::session
