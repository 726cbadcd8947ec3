#pragma once
// Every account the daemon holds: adds and removes sessions at runtime, restores them all from the
// store at start-up (the same auth keys, no new login), and keeps them isolated — each has its own
// Invoker and connections, so one session's flood wait, dead DC or slow login never slows another.
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/session/invoker.hpp"
#include "daemon/session/session.hpp"
#include "daemon/store/store.hpp"
#include "protocol/tl/schema.hpp"

namespace tgd::session {

class SessionManager {
 public:
  // `defaults`: initConnection parameters, policies and the DC target of new sessions. `store` may
  // be null (nothing persisted).
  SessionManager(boost::asio::any_io_executor executor, const tl::Schema& api, store::Store* store,
                 InvokerOptions defaults);
  ~SessionManager();
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  // Where Ready sessions publish their updates (the daemon's update stream); set it before
  // restore() and add(). Without one, sessions run no update engine.
  void set_update_sink(UpdateSink* sink);
  // Brings back the stored sessions not running yet, as they were: each one, or with `declared`
  // (the names the config declares) all but those the config made and no longer declares, which
  // stay in the store only. The names of the sessions brought back; an error only if the store
  // cannot be read. A blocking read of committed rows: for start-up.
  std::variant<std::vector<std::string>, std::string> restore(
      const std::vector<std::string>* declared = nullptr);
  // The same from `saved` (Store::load_sessions after a flush, read off the event loop).
  std::vector<std::string> restore(const std::vector<store::SessionSnapshot>& saved,
                                   const std::vector<std::string>* declared);
  // A new session in state New, targeting `target` (else the defaults' target).
  std::variant<Session*, std::string> add(std::string name, std::optional<DcTarget> target = std::nullopt,
                                          SessionOrigin origin = SessionOrigin::Api);
  // Forgets a session here and in the store (its auth keys with it); log out first to end it on
  // Telegram's side too. An error if there is no such session.
  std::optional<std::string> remove(std::string_view name);
  // Stops a session and lets it go from the running daemon, its saved state (auth keys, login,
  // peers, journal) kept in the store for a later restore(). An error if there is no such session.
  std::optional<std::string> unload(std::string_view name);
  Session* find(std::string_view name);
  const boost::asio::any_io_executor& executor() const;
  std::vector<Session*> sessions();
  // Stops every session (keys, salts and offsets persisted).
  void stop();

  // [A-Za-z0-9_.-], 1..64 characters: names appear in file-free places only, but stay tame.
  static bool valid_name(std::string_view name);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tgd::session
