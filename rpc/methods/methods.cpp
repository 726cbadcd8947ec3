// Methods: dispatch (daemon methods by name, else TL functions by name), the TL call path with its
// conveniences, session selection, username resolution and "did you mean".
#include "rpc/methods/methods.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "daemon/loop/stall_watchdog.hpp"
#include "protocol/base/edit_distance.hpp"
#include "protocol/tl/json_fields.hpp"
#include "protocol/tl/json_out.hpp"
#include "rpc/methods/errors.hpp"
#include "rpc/methods/json_builder.hpp"
#include "rpc/methods/methods_impl.hpp"
#include "rpc/methods/parse_mode.hpp"

namespace tgd::rpc {

using boost::asio::awaitable;
using methods::JsonObject;
using session::CallError;
using session::Session;

namespace {
constexpr std::size_t kMaxQueueName = 256;
// Named queues nobody holds a place in are forgotten once there are twice this many.
constexpr std::size_t kIdleQueuesKept = 64;
}  // namespace

Methods::Methods(session::SessionManager& sessions, const tl::Schema& api, store::Store* store,
                 MethodsOptions options)
    : impl_(std::make_unique<Impl>(sessions, api, store, std::move(options))) {
  if (impl_->options.stalls != nullptr)
    impl_->options.stalls->set_context([impl = impl_.get()] { return impl->in_flight_summary(); });
}

Methods::~Methods() {
  if (impl_->options.stalls != nullptr) impl_->options.stalls->set_context({});
}

std::uint64_t Methods::in_flight() const { return impl_->in_flight; }

awaitable<Outcome> Methods::call(const Request& request, std::shared_ptr<Caller> caller) {
  // Own copies: the request is only borrowed, and this frame may outlive the server's view of it.
  std::string method = request.method;
  std::string params = request.params;
  if (refusing_) co_return Error{codes::kStopping, "tgd is stopping: no new calls", {}};
  Impl& impl = *impl_;
  Impl::MethodStats& stats = impl.stats_of(method);
  ++impl.in_flight;
  ++stats.in_flight;
  struct Leave {
    Impl& impl;
    Impl::MethodStats& stats;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    Impl::MethodStats::Result result = Impl::MethodStats::Result::Error;  // kept if the call threw
    ~Leave() {
      --impl.in_flight;
      --stats.in_flight;
      stats.record(result, std::chrono::steady_clock::now() - start);
    }
  } leave{impl, stats};
  Outcome outcome = co_await impl.call(std::move(method), std::move(params), std::move(caller));
  leave.result = Impl::MethodStats::result_of(outcome);
  co_return std::move(outcome);
}

Methods::Impl::MethodStats& Methods::Impl::stats_of(std::string_view method) {
  if (auto it = method_stats.find(method); it != method_stats.end()) return it->second;
  bool known = find_daemon_method(method) != nullptr;
  if (!known) {
    const tl::Combinator* c = schema.find(method);
    known = c != nullptr && c->is_function && !is_wrapper(*c);
  }
  if (!known) return unknown_method_stats;
  return method_stats.try_emplace(std::string(method)).first->second;
}

Methods::Impl::MethodStats::Result Methods::Impl::MethodStats::result_of(const Outcome& outcome) {
  const Error* e = std::get_if<Error>(&outcome);
  if (e == nullptr) return Result::Ok;
  // tgd's codes are JSON-RPC's (-32768..-32000); any other is Telegram's, passed on.
  return e->code >= -32768 && e->code <= -32000 ? Result::Error : Result::TelegramError;
}

void Methods::Impl::MethodStats::record(Result result, std::chrono::steady_clock::duration took) {
  switch (result) {
    case Result::Ok:
      ++ok;
      break;
    case Result::TelegramError:
      ++telegram_errors;
      break;
    case Result::Error:
      ++errors;
      break;
  }
  latency.observe(std::chrono::duration<double>(took).count());
}

awaitable<Outcome> Methods::Impl::call(std::string method, std::string params,
                                       std::shared_ptr<Caller> caller) {
  // Held until the call has ended: the next call in the queue waits for it.
  session::QueuePlace place;
  if (params.find("\"queue\"") != std::string::npos) {
    auto joined = join_queue(std::move(params));
    if (auto* e = std::get_if<Error>(&joined)) co_return std::move(*e);
    auto& queued = std::get<Queued>(joined);
    place = std::move(queued.place);
    params = std::move(queued.params);
  }
  if (const DaemonMethod* d = find_daemon_method(method)) {
    // Its own calls are not chained on the wire: it starts once the call before it has ended, and
    // the next one waits for it to end.
    if (place) co_await place.node()->previous_done();
    co_return co_await call_daemon(*d, std::move(params), std::move(caller));
  }
  const tl::Combinator* c = schema.find(method);
  if (c == nullptr) co_return methods::method_not_found("unknown method \"" + method + "\"", suggest(method));
  if (!c->is_function) {
    co_return methods::method_not_found("\"" + method +
                                        "\" is a constructor, not a method; help {\"method\":\"" + method +
                                        "\"} describes it");
  }
  if (is_wrapper(*c)) {
    co_return methods::method_not_found("\"" + method +
                                        "\" wraps another call and tgd manages it itself (layer, "
                                        "initConnection, updates, ordering); call the inner method by name");
  }
  co_return co_await call_tl(*c, std::move(params), place.node());
}

std::variant<Methods::Impl::Queued, Error> Methods::Impl::join_queue(std::string params) {
  // Synchronous: the parsed document lives in the shared parser.
  simdjson::dom::element root;
  simdjson::dom::object fields;
  if (parser.parse(params).get(root) != simdjson::SUCCESS)
    return methods::invalid_params("params: not valid JSON");
  if (root.get(fields) != simdjson::SUCCESS) return Queued{{}, std::move(params)};  // judged later
  std::string_view name;
  std::string rest = "{";
  bool has_queue = false;
  for (auto [key, value] : fields) {
    if (key == "queue") {
      if (value.get(name) != simdjson::SUCCESS || name.empty() || name.size() > kMaxQueueName) {
        return methods::invalid_params("params.queue: the queue's name expected (a string of 1 to " +
                                       std::to_string(kMaxQueueName) + " bytes)");
      }
      has_queue = true;
      continue;
    }
    if (rest.size() > 1) rest += ',';
    rest += tl::json_quoted(key);
    rest += ':';
    rest += simdjson::minify(value);
  }
  rest += '}';
  if (!has_queue) return Queued{{}, std::move(params)};
  if (queues.size() >= 2 * kIdleQueuesKept)
    std::erase_if(queues, [](const auto& q) { return q.second.idle(); });
  auto it = queues.find(name);
  if (it == queues.end())
    it = queues.emplace(std::string(name), session::CallQueue(manager.executor())).first;
  return Queued{it->second.join(), std::move(rest)};
}

bool Methods::Impl::is_wrapper(const tl::Combinator& method) {
  // Every `!X` parameter is a query to run inside: invokeWithLayer, initConnection, invokeAfterMsg(s),
  // invokeWithoutUpdates, invokeWithTakeout, invokeWithMessagesRange, invokeWithBusinessConnection...
  return std::any_of(method.params.begin(), method.params.end(),
                     [](const tl::Param& p) { return p.type.kind == tl::Kind::Any; });
}

std::variant<std::shared_ptr<Session>, Error> Methods::Impl::pick_session(const std::string* name) {
  if (name != nullptr) {
    if (Session* s = manager.find(*name)) return s->shared_from_this();
  } else {
    std::vector<Session*> all = manager.sessions();
    if (all.size() == 1) return all[0]->shared_from_this();
    if (all.empty()) {
      return Error{codes::kUnknownSession, "no sessions yet; add one with addSession",
                   JsonObject().raw("sessions", "[]").done()};
    }
  }
  methods::JsonArray names;
  for (Session* s : manager.sessions()) names.str(s->name());
  const std::string listed = names.done();
  if (name != nullptr) {
    return Error{codes::kUnknownSession, "no session '" + *name + "'; sessions: " + listed,
                 JsonObject().raw("sessions", listed).done()};
  }
  return Error{codes::kUnknownSession, "several sessions: name one with \"session\" (" + listed + ")",
               JsonObject().raw("sessions", listed).done()};
}

awaitable<Outcome> Methods::Impl::call_tl(const tl::Combinator& method, std::string params,
                                          session::QueueNode* queue) {
  using methods::ParamRewriter;
  if (params.find("\"parse_mode\"") != std::string::npos) {
    // Synchronous: the parsed document lives in the shared parser.
    simdjson::dom::element root;
    if (parser.parse(params).get(root) != simdjson::SUCCESS)
      co_return methods::invalid_params("params: not valid JSON");
    auto formatted = methods::apply_parse_mode(method, root);
    if (auto* e = std::get_if<Error>(&formatted)) co_return std::move(*e);
    if (auto& text = std::get<std::optional<std::string>>(formatted)) params = std::move(*text);
  }
  std::string session_name;
  std::shared_ptr<Session> session;
  std::string text;  // the params sent
  std::vector<ParamRewriter::Hole> holes;
  const bool walk = rewriter.relevant(tl::TypeRef{tl::Kind::Bare, schema.index_of(method)});
  if (!walk && params.find("\"session\"") == std::string::npos) {
    // Nothing to change: the codec reads the params as they came (and judges them).
    auto picked = pick_session(nullptr);
    if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
    session = std::move(std::get<std::shared_ptr<Session>>(picked));
    text = std::move(params);
  } else {
    // Synchronous: the parsed document lives in the shared parser.
    simdjson::dom::element root;
    if (parser.parse(params).get(root) != simdjson::SUCCESS)
      co_return methods::invalid_params("params: not valid JSON");
    if (!root.is_object())
      co_return methods::invalid_params("params: an object of the method's fields expected");
    simdjson::dom::element named;
    std::string_view name_view;
    const bool has_session = root["session"].get(named) == simdjson::SUCCESS;
    if (has_session) {
      if (named.get(name_view) != simdjson::SUCCESS)
        co_return methods::invalid_params("params.session: a session name (string) expected");
      session_name = std::string(name_view);
    }
    auto picked = pick_session(has_session ? &session_name : nullptr);
    if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
    session = std::move(std::get<std::shared_ptr<Session>>(picked));
    if (has_session || walk) {
      auto r = rewriter.rewrite(method, root, session->name(), session->self_user_id());
      if (r.error) co_return std::move(*r.error);
      if (r.changed) {
        text = std::move(r.json);
        holes = std::move(r.holes);
      } else {
        text = std::move(params);
      }
    } else {
      text = std::move(params);
    }
  }
  if (!holes.empty()) {
    std::vector<std::string> rendered;
    std::map<std::string, methods::ResolvedPeer> resolved;  // each username once
    for (const ParamRewriter::Hole& hole : holes) {
      if (!hole.upload_path.empty() || hole.username.empty()) {
        auto uploaded = co_await upload_for(session, hole);
        if (auto* e = std::get_if<Error>(&uploaded)) co_return std::move(*e);
        rendered.push_back(std::move(std::get<std::string>(uploaded)));
        continue;
      }
      auto it = resolved.find(hole.username);
      if (it == resolved.end()) {
        auto r = co_await resolve_username(session, hole.username, hole.path);
        if (auto* e = std::get_if<Error>(&r)) co_return std::move(*e);
        it = resolved.emplace(hole.username, std::move(std::get<methods::ResolvedPeer>(r))).first;
      }
      auto as_input = methods::render(it->second, hole.target);
      if (!as_input.error.empty())
        co_return methods::invalid_params(hole.path + ": @" + hole.username + ": " + as_input.error);
      rendered.push_back(std::move(as_input.json));
    }
    text = methods::fill_holes(text, holes, rendered);
  }
  session::JsonResult r = co_await session->call(method.name, text, {.queue = queue});
  if (auto* e = std::get_if<CallError>(&r)) {
    // A session that never logged in meets AUTH_KEY_UNREGISTERED: say so in tgd's words.
    if (e->kind == CallError::Kind::Rpc && e->code == 401 && e->message == "AUTH_KEY_UNREGISTERED" &&
        session->state() != session::SessionState::Ready) {
      co_return Error{codes::kNotLoggedIn,
                      "session '" + session->name() + "' is not logged in (state " +
                          std::string(session::to_string(session->state())) + "); log in first",
                      JsonObject()
                          .str("method", method.name)
                          .str("session", session->name())
                          .str("state", session::to_string(session->state()))
                          .done()};
    }
    co_return methods::to_rpc_error(*e, method.name, session->name());
  }
  co_return std::move(std::get<std::string>(r));
}

awaitable<std::variant<methods::ResolvedPeer, Error>> Methods::Impl::resolve_username(
    std::shared_ptr<Session> session, std::string username, std::string path) {
  using Result = std::variant<methods::ResolvedPeer, Error>;
  const auto not_found = [&](std::string why) -> Result {
    return Error{codes::kPeerNotFound, path + ": no peer @" + username + " (" + why + ")",
                 JsonObject().str("path", path).str("reference", "@" + username).done()};
  };
  if (auto cached = peers.from_cache_by_username(session->name(), username)) co_return std::move(*cached);
  const std::string params = R"({"username":)" + tl::json_quoted(username) + "}";
  session::JsonResult r = co_await session->call("contacts.resolveUsername", params);
  if (auto* e = std::get_if<CallError>(&r)) {
    if (e->kind == CallError::Kind::Rpc &&
        (e->message == "USERNAME_NOT_OCCUPIED" || e->message == "USERNAME_INVALID"))
      co_return not_found(e->message);
    co_return methods::to_rpc_error(*e, "contacts.resolveUsername", session->name());
  }
  simdjson::dom::element root, peer;
  std::string_view kind;
  if (parser.parse(std::get<std::string>(r)).get(root) != simdjson::SUCCESS ||
      root["peer"].get(peer) != simdjson::SUCCESS || peer["_"].get(kind) != simdjson::SUCCESS)
    co_return not_found("unreadable contacts.resolvedPeer");
  const bool user = kind == "peerUser";
  const auto id = tl::int64_field(peer, user ? "user_id" : kind == "peerChat" ? "chat_id" : "channel_id");
  simdjson::dom::array list;
  if (id && root[user ? "users" : "chats"].get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element object : list) {
      if (tl::int64_field(object, "id") != id) continue;
      if (auto p = methods::peer_from_object(object)) co_return std::move(*p);
    }
  }
  co_return not_found("the answer holds no usable access hash");
}

std::string Methods::Impl::suggest(std::string_view name) const {
  if (name.empty() || name.size() > 100) return {};
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 4) + 1;
  const auto consider = [&](std::string_view candidate) {
    const std::size_t d = edit_distance(name, candidate, LetterCase::Ignore);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(candidate);
    }
  };
  for (const DaemonMethod& d : daemon_methods()) consider(d.name);
  for (const tl::Combinator& c : schema.combinators()) {
    if (c.is_function && !is_wrapper(c)) consider(c.name);
  }
  return best;
}

}  // namespace tgd::rpc
