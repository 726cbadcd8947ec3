#pragma once
// Methods' insides, shared by methods.cpp (dispatch, TL calls, queues), daemon_methods.cpp (the
// daemon method table, sessions and logins) and the daemon methods' files: info_methods.cpp
// (getSelf, getInfo, status, sleep, help), update_methods.cpp, file_methods.cpp, parse_mode.cpp,
// helper_methods.cpp, log_methods.cpp, and metrics_methods.cpp (GET /metrics).
//
// One simdjson parser serves every request: documents parsed with it are read synchronously and
// never held across a co_await (another request may reuse the parser meanwhile).
#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/files/media_locator.hpp"
#include "daemon/session/session.hpp"
#include "daemon/transfers/transfers.hpp"
#include "protocol/base/histogram.hpp"
#include "rpc/methods/methods.hpp"
#include "rpc/methods/param_rewriter.hpp"
#include "rpc/methods/peers.hpp"

namespace tgd::rpc {

namespace methods {

// Daemon method parameters: what `help` shows and what the dispatcher checks before the handler runs.
// List: a JSON array, or one value standing for an array of one; Json: any JSON value. Both (and
// PeerRef) reach the handler as minified JSON text.
enum class ArgType : std::uint8_t { String, Number, Bool, PeerRef, List, Json };
std::string_view to_string(ArgType type);

struct ArgSpec {
  std::string_view name;
  ArgType type = ArgType::String;
  bool required = false;
  std::string_view doc;
};

struct Arg {
  ArgType type = ArgType::String;
  std::string text;  // String: the value; PeerRef: the raw JSON
  double number = 0;
  bool flag = false;
};

struct Args {
  std::map<std::string, Arg, std::less<>> values;
  std::shared_ptr<Caller> caller;  // the connection the request came on; may be null (tests)
  const std::string* text(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second.text;
  }
  std::optional<double> number(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<double>(it->second.number);
  }
  std::optional<bool> flag(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<bool>(it->second.flag);
  }
};

}  // namespace methods

struct Methods::Impl {
  using Handler = boost::asio::awaitable<Outcome> (Impl::*)(methods::Args);
  struct DaemonMethod {
    std::string_view name;
    std::vector<methods::ArgSpec> params;
    std::string_view doc;
    std::string_view example;  // params of a one-line example, JSON
    Handler handler = nullptr;
  };

  Impl(session::SessionManager& m, const tl::Schema& s, store::Store* st, MethodsOptions o)
      : manager(m), schema(s), store(st), options(std::move(o)), peers(s, st), rewriter(s, peers) {}

  session::SessionManager& manager;
  const tl::Schema& schema;
  store::Store* store;
  MethodsOptions options;
  methods::PeerClassifier peers;
  methods::ParamRewriter rewriter;
  simdjson::dom::parser parser;
  std::uint64_t in_flight = 0;
  // Requests in flight by method (MethodStats::in_flight), "3 request(s) in flight:
  // messages.sendMessage x2, sleep": what a stall warning lists.
  std::string in_flight_summary() const;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  // JSON-RPC requests by method (GET /metrics: tgd_rpc_method_requests_total and
  // tgd_rpc_method_duration_seconds). Keyed by known method names only — daemon methods and
  // callable TL functions, a bounded set — so a client cannot add label values: any other name
  // counts in unknown_method_stats ("(unknown)"). Entries are never erased (references stay valid).
  struct MethodStats {
    std::uint64_t ok = 0;
    std::uint64_t telegram_errors = 0;  // errors with Telegram's code (an rpc_error passed on)
    std::uint64_t errors = 0;           // tgd's own errors (JSON-RPC and -32000.. codes)
    std::uint64_t in_flight = 0;        // running now
    LatencyHistogram latency;
    enum class Result : std::uint8_t { Ok, TelegramError, Error };
    static Result result_of(const Outcome& outcome);
    void record(Result result, std::chrono::steady_clock::duration took);
  };
  std::map<std::string, MethodStats, std::less<>> method_stats;
  MethodStats unknown_method_stats;
  // The entry of `method`: one map lookup once the name has been seen.
  MethodStats& stats_of(std::string_view method);

  static const std::vector<DaemonMethod>& daemon_methods();
  static const DaemonMethod* find_daemon_method(std::string_view name);

  boost::asio::awaitable<Outcome> call(std::string method, std::string params,
                                       std::shared_ptr<Caller> caller);
  // `queue`: the call's place in an ordered queue (the "queue" option), or null.
  boost::asio::awaitable<Outcome> call_tl(const tl::Combinator& method, std::string params,
                                          session::QueueNode* queue = nullptr);
  boost::asio::awaitable<Outcome> call_daemon(const DaemonMethod& method, std::string params,
                                              std::shared_ptr<Caller> caller);

  // The "queue" option (daemon/session/call_queue.hpp): the call joins the named queue at once —
  // before anything is awaited, so the order is the order of arrival — and the option leaves the
  // params. An empty place: no "queue" in the params. Names are the daemon's, not a session's: a
  // queue may hold calls of several sessions (one waits for the other's answer then).
  struct Queued {
    session::QueuePlace place;
    std::string params;
  };
  std::variant<Queued, Error> join_queue(std::string params);
  // Named queues; entries of idle ones are dropped as new ones come.
  std::map<std::string, session::CallQueue, std::less<>> queues;

  // The session a request names, or the only one.
  std::variant<std::shared_ptr<session::Session>, Error> pick_session(const std::string* name);
  // "did you mean" for an unknown method name; empty when nothing is close.
  std::string suggest(std::string_view name) const;
  // A TL function tgd manages itself (invokeWithLayer, initConnection, invokeAfterMsg, ...).
  static bool is_wrapper(const tl::Combinator& method);

  // A username through the cache, then contacts.resolveUsername. `path` names the parameter.
  // A peer reference (JSON text: "@name", "me", a Bot-API id, a Peer/User/Chat or message object)
  // through the cache, then contacts.resolveUsername. `path` names the parameter in errors.
  boost::asio::awaitable<std::variant<methods::ResolvedPeer, Error>> resolve_reference(
      std::shared_ptr<session::Session> session, std::string reference, std::string path);
  boost::asio::awaitable<std::variant<methods::ResolvedPeer, Error>> resolve_username(
      std::shared_ptr<session::Session> session, std::string username, std::string path);
  // What the peer helpers start with: the session `params.session` names (or the only one) and
  // the peer `params.peer` refers to, resolved in it.
  struct SessionAndPeer {
    std::shared_ptr<session::Session> session;
    methods::ResolvedPeer peer;
  };
  boost::asio::awaitable<std::variant<SessionAndPeer, Error>> session_and_peer(const methods::Args& args);

  // JSON of a session for listSessions and the login methods.
  static std::string session_json(session::Session& s);

  // Daemon methods (daemon_methods.cpp, info_methods.cpp).
  boost::asio::awaitable<Outcome> list_sessions(methods::Args args);
  boost::asio::awaitable<Outcome> add_session(methods::Args args);
  boost::asio::awaitable<Outcome> remove_session(methods::Args args);
  boost::asio::awaitable<Outcome> bot_login(methods::Args args);
  boost::asio::awaitable<Outcome> phone_login(methods::Args args);
  boost::asio::awaitable<Outcome> complete_phone_login(methods::Args args);
  boost::asio::awaitable<Outcome> complete_2fa_login(methods::Args args);
  boost::asio::awaitable<Outcome> complete_signup(methods::Args args);
  boost::asio::awaitable<Outcome> logout(methods::Args args);
  boost::asio::awaitable<Outcome> get_self(methods::Args args);
  boost::asio::awaitable<Outcome> get_info(methods::Args args);
  boost::asio::awaitable<Outcome> status(methods::Args args);
  boost::asio::awaitable<Outcome> sleep(methods::Args args);
  boost::asio::awaitable<Outcome> help(methods::Args args);
  // setLogLevel (log_methods.cpp), and the running logger's level as log.level names it.
  boost::asio::awaitable<Outcome> set_log_level(methods::Args args);
  static std::string_view log_level();
  // Updates (update_methods.cpp): over MethodsOptions::updates.
  boost::asio::awaitable<Outcome> subscribe(methods::Args args);
  boost::asio::awaitable<Outcome> unsubscribe(methods::Args args);
  boost::asio::awaitable<Outcome> get_updates(methods::Args args);

  // Helpers (helper_methods.cpp), MadelineProto-style: getFullInfo, getDialogs / getDialogIds and
  // getHistory with the pagination done for the caller, sendMessage answering the sent message.
  // Their Telegram calls go through call_tl (call_in), as the TL methods do.
  boost::asio::awaitable<Outcome> get_full_info(methods::Args args);
  boost::asio::awaitable<Outcome> get_dialogs(methods::Args args);
  boost::asio::awaitable<Outcome> get_dialog_ids(methods::Args args);
  boost::asio::awaitable<Outcome> dialogs(methods::Args args, bool ids_only);
  boost::asio::awaitable<Outcome> get_history(methods::Args args);
  boost::asio::awaitable<Outcome> send_message(methods::Args args);
  // A TL method by name in the named session, down call_tl's path; `fields`: the params object
  // without "session".
  boost::asio::awaitable<Outcome> call_in(std::string session, std::string method, std::string fields);

  // Files (file_methods.cpp): over MethodsOptions::transfers.
  boost::asio::awaitable<Outcome> get_download_info(methods::Args args);
  boost::asio::awaitable<Outcome> download_to_file(methods::Args args);
  boost::asio::awaitable<Outcome> download_to_dir(methods::Args args);
  boost::asio::awaitable<Outcome> download(methods::Args args, bool into_dir);
  boost::asio::awaitable<Outcome> upload_file(methods::Args args);
  boost::asio::awaitable<Outcome> cancel_transfer(methods::Args args);
  // Formatting (parse_mode.cpp's rules): parseText, messageToHtml, messageToMarkdown.
  boost::asio::awaitable<Outcome> parse_text(methods::Args args);
  boost::asio::awaitable<Outcome> message_to_html(methods::Args args);
  boost::asio::awaitable<Outcome> message_to_markdown(methods::Args args);
  // params.file: what holds the media.
  std::variant<files::DownloadInfo, Error> media_of(const methods::Args& args);
  // params.progress: progress notifications to the calling connection, when asked for.
  std::variant<transfers::ProgressFn, Error> progress_of(const methods::Args& args);
  // A path where an InputFile goes (ParamRewriter's upload hole): uploaded, its InputFile JSON.
  boost::asio::awaitable<std::variant<std::string, Error>> upload_for(
      std::shared_ptr<session::Session> session, const methods::ParamRewriter::Hole& hole);
  // Fetches a message again for a fresh file reference, through `session`.
  transfers::RefreshFn refresher(std::string session);

  // A login step's outcome: the session's JSON, or the error (`what` names the daemon method).
  Outcome login_outcome(session::Session& s, const session::Session::LoginResult& r, std::string_view what);
};

}  // namespace tgd::rpc
