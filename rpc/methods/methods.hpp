#pragma once
// What tgd serves over JSON-RPC: every Telegram API method by its TL name, and the daemon's own
// methods (camelCase, no dot). The JSON-RPC server (rpc/server) calls Methods::call once per
// request, in its own coroutine on the daemon's event loop.
//
//   TL methods    "messages.sendMessage" with params in tgd's JSON form (README), plus "session"
//                 (default: the only session). Peer references and random_id are filled in
//                 (param_rewriter.hpp); the answer is the decoded TL result, unchanged.
//   daemon        sessions and logins, information (getSelf, getInfo, status, help), updates
//                 (subscribe, getUpdates), files (downloadToDir, uploadFile...), formatting
//                 (parseText, messageToHtml...), helpers (getDialogs, getHistory...), sleep,
//                 setLogLevel: the table in daemon_methods.cpp is the list (`help` prints it;
//                 README's table documents each). Daemon methods see the Caller (Args::caller):
//                 subscribe pushes to it.
//   errors        errors.hpp: Telegram's code and message for rpc errors, tgd's -320xx otherwise.
//
// Lifetime: the SessionManager, the schema, the store and the Methods object must outlive every
// call in flight (the server drains or cancels its calls before they go). A call holds its Session
// by shared_ptr, so removeSession during a call is safe (the call ends with -32004 "session
// stopped"). Cancelling a call's coroutine (the client went away) cancels the Telegram call
// through the Invoker, or the sleep timer.
#include <chrono>
#include <memory>
#include <optional>

#include "daemon/session/dc_target.hpp"
#include "daemon/session/session_manager.hpp"
#include "daemon/store/store.hpp"
#include "protocol/tl/schema.hpp"
#include "rpc/jsonrpc/method_handler.hpp"

namespace tgd::stream {
class UpdateStream;
}
namespace tgd::transfers {
class Transfers;
}
namespace tgd::loop {
class StallWatchdog;
}

namespace tgd::rpc {

struct MethodsOptions {
  // addSession with network "default" or "custom" (or none): this target; nullopt: the
  // SessionManager's default target.
  std::optional<session::DcTarget> default_target;
  // `sleep`: allowed at all, and its longest wait.
  bool allow_sleep = true;
  std::chrono::milliseconds max_sleep{600'000};
  // subscribe, unsubscribe and getUpdates; nullptr: they answer that updates are not enabled. Must
  // outlive the Methods.
  stream::UpdateStream* updates = nullptr;
  // downloadToFile, downloadToDir, uploadFile, cancelTransfer; nullptr: they answer that transfers
  // are not enabled. Must outlive the Methods.
  transfers::Transfers* transfers = nullptr;
  // The event loop's stall watchdog: its histogram goes into metrics(), and its warnings name the
  // requests in flight. nullptr: none. Must outlive the Methods.
  loop::StallWatchdog* stalls = nullptr;
};

class Methods : public MethodHandler {
 public:
  Methods(session::SessionManager& sessions, const tl::Schema& api, store::Store* store,
          MethodsOptions options = {});
  ~Methods() override;
  Methods(const Methods&) = delete;
  Methods& operator=(const Methods&) = delete;

  boost::asio::awaitable<Outcome> call(const Request& request, std::shared_ptr<Caller> caller) override;
  // GET /metrics (Prometheus text): what `status` reports, as counters and gauges (metrics_methods.cpp).
  std::string metrics() override;

  // Requests being served now (every method, TL and daemon).
  std::uint64_t in_flight() const;
  // A graceful stop began: calls in flight go on, new ones are refused (-32014).
  void refuse_new_calls() { refusing_ = true; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  bool refusing_ = false;
};

}  // namespace tgd::rpc
