// Daemon methods that describe things: getSelf, getInfo, status, help — and sleep.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "daemon/stream/update_stream.hpp"
#include "daemon/transfers/transfers.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/tl/json_fields.hpp"
#include "rpc/methods/errors.hpp"
#include "rpc/methods/json_builder.hpp"
#include "rpc/methods/methods_impl.hpp"

namespace tgd::rpc {

using boost::asio::awaitable;
using methods::Args;
using methods::JsonArray;
using methods::JsonObject;
using methods::ResolvedPeer;
using session::CallError;
using session::Session;

namespace {

// The first element of a JSON array, or of `key`'s array in an object; empty if none.
std::string first_of(simdjson::dom::parser& parser, const std::string& json, std::string_view key = {}) {
  simdjson::dom::element root;
  simdjson::dom::array list;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return {};
  if (key.empty() ? root.get(list) != simdjson::SUCCESS : root[key].get(list) != simdjson::SUCCESS) return {};
  for (simdjson::dom::element e : list) return simdjson::minify(e);
  return {};
}

// Doc comments keep the API site's links; help shows the text.
std::string plain(std::string_view doc) {
  std::string out;
  bool in_tag = false;
  for (char c : doc) {
    if (c == '<') in_tag = true;
    if (!in_tag) out += c;
    if (c == '>') in_tag = false;
  }
  return out;
}

}  // namespace

awaitable<Outcome> Methods::Impl::get_self(Args args) {
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto s = std::get<std::shared_ptr<Session>>(std::move(picked));
  const std::string params = R"({"id":[{"_":"inputUserSelf"}]})";
  session::JsonResult r = co_await s->call("users.getUsers", params);
  if (auto* e = std::get_if<CallError>(&r)) co_return methods::to_rpc_error(*e, "users.getUsers", s->name());
  std::string user = first_of(parser, std::get<std::string>(r));
  if (user.empty()) co_return Error{codes::kInternalError, "users.getUsers answered no user", {}};
  co_return user;
}

awaitable<std::variant<ResolvedPeer, Error>> Methods::Impl::resolve_reference(std::shared_ptr<Session> s,
                                                                              std::string reference,
                                                                              std::string path) {
  std::string username;  // to resolve over the network
  {
    // The shared parser's document is read before any suspension.
    simdjson::dom::element value;
    if (parser.parse(reference).get(value) != simdjson::SUCCESS)
      co_return methods::invalid_params(path + ": not valid JSON");
    methods::Classified c = peers.classify(value, s->name(), s->self_user_id(), nullptr);
    const auto data = [&] { return JsonObject().str("path", path).raw("reference", reference).done(); };
    if (auto* p = std::get_if<ResolvedPeer>(&c)) co_return std::move(*p);
    if (auto* u = std::get_if<methods::UsernameRef>(&c)) {
      username = std::move(u->username);
    } else if (auto* miss = std::get_if<methods::PeerMiss>(&c)) {
      co_return Error{codes::kPeerNotFound, path + ": " + miss->why, data()};
    } else if (auto* bad = std::get_if<methods::NotAReference>(&c)) {
      co_return Error{codes::kInvalidParams, path + ": " + bad->why, data()};
    } else {
      co_return Error{codes::kInvalidParams, path + ": not a peer reference", data()};
    }
  }
  auto r = co_await resolve_username(std::move(s), std::move(username), std::move(path));
  co_return r;
}

awaitable<std::variant<Methods::Impl::SessionAndPeer, Error>> Methods::Impl::session_and_peer(
    const Args& args) {
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto s = std::get<std::shared_ptr<Session>>(std::move(picked));
  const std::string path = "params.peer";  // named: a temporary argument trips g++ 12's coroutines
  auto resolved = co_await resolve_reference(s, *args.text("peer"), path);
  if (auto* e = std::get_if<Error>(&resolved)) co_return std::move(*e);
  co_return SessionAndPeer{std::move(s), std::get<ResolvedPeer>(std::move(resolved))};
}

awaitable<Outcome> Methods::Impl::get_info(Args args) {
  auto opened = co_await session_and_peer(args);
  if (auto* e = std::get_if<Error>(&opened)) co_return std::move(*e);
  auto s = std::move(std::get<SessionAndPeer>(opened).session);
  std::optional<ResolvedPeer> peer = std::move(std::get<SessionAndPeer>(opened).peer);
  // The object, for its name, unless the reference carried it (or the caller does not want it).
  if (args.flag("fetch").value_or(true) && peer->object.empty()) {
    std::string method, params, key;
    if (peer->kind == ResolvedPeer::Kind::Self || peer->kind == ResolvedPeer::Kind::User) {
      method = "users.getUsers";
      params = R"({"id":[)" + methods::render(*peer, methods::PeerTarget::InputUser).json + "]}";
    } else if (peer->kind == ResolvedPeer::Kind::Channel) {
      method = "channels.getChannels";
      params = R"({"id":[)" + methods::render(*peer, methods::PeerTarget::InputChannel).json + "]}";
      key = "chats";
    } else {
      method = "messages.getChats";
      params = R"({"id":[")" + std::to_string(peer->id) + R"("]})";
      key = "chats";
    }
    session::JsonResult r = co_await s->call(method, params);
    if (auto* e = std::get_if<CallError>(&r)) co_return methods::to_rpc_error(*e, method, s->name());
    std::string object = first_of(parser, std::get<std::string>(r), key);
    simdjson::dom::element o;
    if (!object.empty() && parser.parse(object).get(o) == simdjson::SUCCESS) {
      if (auto full = methods::peer_from_object(o)) {
        if (peer->kind == ResolvedPeer::Kind::Self) full->kind = ResolvedPeer::Kind::Self;
        peer = std::move(*full);
      } else if (peer->kind == ResolvedPeer::Kind::Self) {
        if (auto id = tl::int64_field(o, "id")) peer->id = *id;
      }
    }
  }
  if (peer->kind == ResolvedPeer::Kind::Self && peer->id == 0 && s->self_user_id())
    peer->id = *s->self_user_id();
  const store::PeerKind kind = peer->kind == ResolvedPeer::Kind::Chat      ? store::PeerKind::Chat
                               : peer->kind == ResolvedPeer::Kind::Channel ? store::PeerKind::Channel
                                                                           : store::PeerKind::User;
  JsonObject out;
  out.num("bot_api_id", methods::bot_api_id(kind, peer->id));
  out.str("id", std::to_string(peer->id));
  out.str("kind", methods::kind_name(*peer));
  out.raw("input_peer", methods::render(*peer, methods::PeerTarget::InputPeer).json);
  if (kind == store::PeerKind::User) {
    out.raw("input_user", methods::render(*peer, methods::PeerTarget::InputUser).json);
  } else if (kind == store::PeerKind::Channel) {
    out.raw("input_channel", methods::render(*peer, methods::PeerTarget::InputChannel).json);
  }
  if (peer->username.empty()) {
    out.null("username");
  } else {
    out.str("username", peer->username);
  }
  if (peer->name) {
    out.str("name", *peer->name);
  } else {
    out.null("name");
  }
  if (!peer->object.empty()) out.raw("object", peer->object);
  co_return out.done();
}

awaitable<Outcome> Methods::Impl::status(Args) {
  JsonArray sessions;
  std::size_t connections = 0;
  std::uint64_t calls = 0;
  for (Session* s : manager.sessions()) {
    session::Invoker& invoker = s->invoker();
    connections += invoker.open_connections();
    calls += invoker.in_flight();
    JsonObject counters;
    for (const auto& [id, m] : invoker.metrics()) {
      const tl::Combinator* c = schema.find(id);
      JsonObject one;
      one.num("calls", m.calls)
          .num("ok", m.ok)
          .num("rpc_errors", m.rpc_errors)
          .num("failed", m.failed)
          .num("flood_waits", m.flood_waits)
          .num("retries", m.retries)
          .num("migrations", m.migrations)
          .real("total_ms", std::chrono::duration<double, std::milli>(m.total_time).count());
      counters.raw(c != nullptr ? c->name : "#" + std::to_string(id), one.done());
    }
    std::string info = session_json(*s);
    info.pop_back();  // reopen the object
    info += R"(,"open_connections":)" + std::to_string(invoker.open_connections()) + R"(,"in_flight":)" +
            std::to_string(invoker.in_flight()) + R"(,"methods":)" + counters.done();
    // The update engine (while Ready): what came in, what it asked for, what it journaled.
    if (auto u = s->update_stats()) {
      JsonObject updates;
      updates.num("pushes", u->pushes)
          .num("undecodable", u->undecodable)
          .num("requests", u->requests)
          .num("request_failures", u->request_failures)
          .num("published", u->published)
          .num("shed", u->shed);
      if (!u->last_failure.empty()) updates.str("last_failure", u->last_failure);
      if (store != nullptr) {
        updates.num("journal_last_seq", static_cast<std::uint64_t>(store->last_journal_seq(s->name())))
            .num("journal_committed_seq",
                 static_cast<std::uint64_t>(store->committed_journal_seq(s->name())));
      }
      info += R"(,"updates":)" + updates.done();
    }
    info += "}";
    sessions.raw(info);
  }
  JsonObject out;
  out.raw("sessions", sessions.done());
  if (options.updates != nullptr) {
    // The update stream: subscriptions now, and what happened to them since the start.
    const stream::Stats u = options.updates->stats();
    JsonObject subs;
    subs.num("active", static_cast<std::uint64_t>(u.subscriptions))
        .num("notified", u.notified)
        .num("paced", u.paced)
        .num("lagged", u.lagged)
        .num("dropped", u.dropped);
    out.raw("subscriptions", subs.done());
  }
  if (options.transfers != nullptr) {
    // File transfers: running now, and totals since the start.
    const transfers::Stats t = options.transfers->stats();
    JsonObject files;
    files.num("active", static_cast<std::uint64_t>(t.active))
        .num("downloads", t.downloads)
        .num("uploads", t.uploads)
        .num("failed", t.failed)
        .num("cancelled", t.cancelled)
        .num("bytes_downloaded", t.bytes_downloaded)
        .num("bytes_uploaded", t.bytes_uploaded)
        .num("part_retries", t.part_retries)
        .num("reference_refreshes", t.reference_refreshes);
    out.raw("transfers", files.done());
  }
  out.num("open_connections", static_cast<std::uint64_t>(connections));
  out.num("calls_in_flight", calls);
  out.num("requests_in_flight", in_flight);
  out.str("log_level", log_level());
  out.real("uptime_seconds",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return out.done();
}

awaitable<Outcome> Methods::Impl::sleep(Args args) {
  const double seconds = *args.number("seconds");
  if (!options.allow_sleep) co_return Error{codes::kMethodNotFound, "sleep is disabled in this daemon", {}};
  const double max = std::chrono::duration<double>(options.max_sleep).count();
  if (seconds < 0 || seconds > max) {
    co_return methods::invalid_params("params.seconds: from 0 to " +
                                      std::to_string(static_cast<long long>(max)) + " expected");
  }
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds)));
  auto [ec] = co_await timer.async_wait(net::as_tuple_awaitable);
  if (ec) co_return Error{codes::kCancelled, "sleep: cancelled", {}};
  co_return JsonObject().real("slept", seconds).done();
}

awaitable<Outcome> Methods::Impl::help(Args args) {
  const std::string* name = args.text("method");
  if (name == nullptr) {
    JsonArray list;
    for (const DaemonMethod& m : daemon_methods()) {
      JsonArray params;
      for (const methods::ArgSpec& p : m.params) params.str(std::string(p.name) + (p.required ? "" : "?"));
      list.raw(JsonObject().str("name", m.name).raw("params", params.done()).str("doc", m.doc).done());
    }
    std::size_t functions = 0;
    for (const tl::Combinator& c : schema.combinators()) functions += c.is_function && !is_wrapper(c) ? 1 : 0;
    co_return JsonObject()
        .raw("daemon_methods", list.done())
        .str("telegram_methods", "Every Telegram API method of layer " + std::to_string(schema.layer()) +
                                     " (" + std::to_string(functions) +
                                     ") by its TL name, e.g. messages.sendMessage, with params in tgd's JSON "
                                     "form plus an optional "
                                     "\"session\". Peer parameters accept \"me\", \"@username\", Bot-API ids "
                                     "and objects; random_id "
                                     "is filled in. help {\"method\": NAME} shows a method's parameters.")
        .num("layer", schema.layer())
        .done();
  }
  if (const DaemonMethod* m = find_daemon_method(*name)) {
    JsonArray params;
    for (const methods::ArgSpec& p : m->params) {
      params.raw(JsonObject()
                     .str("name", p.name)
                     .str("type", methods::to_string(p.type))
                     .boolean("required", p.required)
                     .str("doc", p.doc)
                     .done());
    }
    co_return JsonObject()
        .str("name", m->name)
        .str("kind", "daemon")
        .str("doc", m->doc)
        .raw("params", params.done())
        .str("example", R"({"jsonrpc":"2.0","id":1,"method":")" + std::string(m->name) + R"(","params":)" +
                            std::string(m->example) + "}")
        .done();
  }
  if (const tl::Combinator* c = schema.find(*name)) {
    JsonArray params;
    for (const tl::Param& p : c->params) {
      if (p.type.kind == tl::Kind::Flags) continue;  // computed from the fields present
      JsonObject param;
      std::string type = schema.describe(p.type);
      if (p.flags_param >= 0) {
        type = c->params[static_cast<std::size_t>(p.flags_param)].name + "." + std::to_string(p.bit) + "?" +
               type;
      }
      param.str("name", p.name).str("type", type).boolean("required", p.flags_param < 0);
      if (p.type.kind == tl::Kind::Boxed) {
        if (const auto target = methods::peer_target(schema.types()[p.type.index].name)) {
          param.str("accepts",
                    std::string(methods::to_string(*target)) +
                        " or a peer reference: \"me\", \"@username\", a Bot-API id, a Peer/User/Chat "
                        "object, a message or an update");
        }
      }
      if (p.name == "random_id" && (p.type.kind == tl::Kind::Long || p.type.kind == tl::Kind::Vector))
        param.str("accepts", "left out: tgd fills it with random values");
      if (!p.doc.empty()) param.str("doc", plain(p.doc));
      params.raw(param.done());
    }
    JsonObject out;
    out.str("name", c->name);
    out.str("kind", c->is_function
                        ? (is_wrapper(*c) ? "wrapper (managed by tgd, not callable)" : "telegram method")
                        : "constructor");
    out.str(c->is_function ? "result" : "type", schema.describe(c->result));
    out.str("doc", plain(c->doc));
    out.raw("params", params.done());
    out.str("declaration", c->declaration);
    co_return out.done();
  }
  if (const tl::Type* t = schema.find_type(*name)) {
    JsonArray constructors;
    for (std::uint32_t i : t->constructors) constructors.str(schema.combinators()[i].name);
    co_return JsonObject()
        .str("name", t->name)
        .str("kind", "type")
        .str("doc", plain(t->doc))
        .raw("constructors", constructors.done())
        .done();
  }
  co_return methods::method_not_found("help: no method, constructor or type \"" + *name + "\"",
                                      suggest(*name));
}

}  // namespace tgd::rpc
