// The update methods: subscribe (push over this connection), unsubscribe, getUpdates (pull), over
// the daemon's UpdateStream (daemon/stream). Parameter checking and peer references live here;
// the stream knows only session names, constructor names and Bot-API ids.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "daemon/stream/update_info.hpp"
#include "daemon/stream/update_stream.hpp"
#include "rpc/methods/errors.hpp"
#include "rpc/methods/json_builder.hpp"
#include "rpc/methods/methods_impl.hpp"

namespace tgd::rpc {

using boost::asio::awaitable;
using methods::Args;
using methods::JsonObject;
using session::Session;

namespace {

Error updates_disabled() { return Error{codes::kUnavailable, "updates are not enabled in this daemon", {}}; }

// The elements of a List argument (one value counts as an array of one), minified.
std::variant<std::vector<std::string>, Error> list_of(simdjson::dom::parser& parser, const std::string& json,
                                                      const std::string& path) {
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS)
    return methods::invalid_params(path + ": not valid JSON");
  std::vector<std::string> out;
  simdjson::dom::array items;
  if (root.get(items) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : items) out.push_back(simdjson::minify(item));
  } else {
    out.push_back(simdjson::minify(root));
  }
  if (out.empty())
    return methods::invalid_params(path + ": an empty list matches nothing; leave it out for all");
  return out;
}

// A JSON string's value, or nullopt.
std::optional<std::string> string_of(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element e;
  std::string_view s;
  if (parser.parse(json).get(e) != simdjson::SUCCESS || e.get(s) != simdjson::SUCCESS) return std::nullopt;
  return std::string(s);
}

// An integral JSON number (or a string of digits), or nullopt.
std::optional<std::int64_t> integer_of(const simdjson::dom::element& e) {
  std::int64_t n = 0;
  if (e.get(n) == simdjson::SUCCESS) return n;
  double d = 0;
  if (e.get(d) == simdjson::SUCCESS && std::floor(d) == d && std::abs(d) < 9e15)
    return static_cast<std::int64_t>(d);
  return std::nullopt;
}

std::optional<std::int64_t> integer_arg(const Args& args, std::string_view name) {
  auto n = args.number(name);
  if (!n || std::floor(*n) != *n || std::abs(*n) >= 9e15) return std::nullopt;
  return static_cast<std::int64_t>(*n);
}

}  // namespace

awaitable<Outcome> Methods::Impl::subscribe(Args args) {
  if (options.updates == nullptr) co_return updates_disabled();
  if (!args.caller || !args.caller->can_notify()) {
    co_return Error{codes::kPushUnavailable,
                    "subscribe pushes notifications, which this connection cannot carry (plain HTTP answers "
                    "each request once): use the UNIX socket or a WebSocket, or poll with getUpdates",
                    JsonObject().str("use", "getUpdates").done()};
  }
  stream::Filter filter;
  stream::Cursors since;
  if (const std::string* json = args.text("sessions")) {
    auto items = list_of(parser, *json, "params.sessions");
    if (auto* e = std::get_if<Error>(&items)) co_return std::move(*e);
    for (const std::string& item : std::get<std::vector<std::string>>(items)) {
      auto name = string_of(parser, item);
      if (!name) co_return methods::invalid_params("params.sessions: session names (strings) expected");
      auto picked = pick_session(&*name);  // the error lists the sessions
      if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
      filter.sessions.push_back(std::move(*name));
    }
  }
  if (const std::string* json = args.text("types")) {
    auto items = list_of(parser, *json, "params.types");
    if (auto* e = std::get_if<Error>(&items)) co_return std::move(*e);
    for (const std::string& item : std::get<std::vector<std::string>>(items)) {
      auto type = string_of(parser, item);
      if (!type) co_return methods::invalid_params("params.types: constructor names (strings) expected");
      const tl::Combinator* c = schema.find(*type);
      if (!type->starts_with("tgd.") && (c == nullptr || c->is_function)) {
        co_return methods::invalid_params(
            "params.types: \"" + *type +
            "\" is not a constructor (e.g. updateNewMessage) nor a tgd.* marker");
      }
      filter.types.push_back(std::move(*type));
    }
  }
  // The one session a bare number or a username refers to: the only one subscribed, or the only one.
  const auto scope_session = [&](std::string_view what) -> std::variant<std::shared_ptr<Session>, Error> {
    if (filter.sessions.size() == 1) return pick_session(&filter.sessions.front());
    if (filter.sessions.empty()) {
      auto only = pick_session(nullptr);
      if (std::holds_alternative<std::shared_ptr<Session>>(only)) return only;
    }
    return methods::invalid_params(
        std::string(what) + " needs one session: subscribe to one (\"sessions\"), or " +
        (what == "params.since" ? "give since as {\"session\": seq}" : "use Bot-API ids"));
  };
  if (const std::string* json = args.text("peers")) {
    auto items = list_of(parser, *json, "params.peers");
    if (auto* e = std::get_if<Error>(&items)) co_return std::move(*e);
    const auto& refs = std::get<std::vector<std::string>>(items);
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const std::string path = "params.peers[" + std::to_string(i) + "]";
      std::optional<std::int64_t> id;
      {
        // Synchronous: the document lives in the shared parser.
        simdjson::dom::element value;
        if (parser.parse(refs[i]).get(value) != simdjson::SUCCESS)
          co_return methods::invalid_params(path + ": not valid JSON");
        std::string_view text;
        std::int64_t number = 0;
        const bool numeric = value.get(number) == simdjson::SUCCESS ||
                             (value.get(text) == simdjson::SUCCESS && !text.empty() &&
                              std::from_chars(text.data(), text.data() + text.size(), number).ptr ==
                                  text.data() + text.size());
        if (numeric) {
          if (!methods::from_bot_api_id(number))
            co_return methods::invalid_params(path + ": " + std::to_string(number) +
                                              " is not a Bot-API peer id");
          id = number;
        }
      }
      if (!id) {
        auto scoped = scope_session(path);
        if (auto* e = std::get_if<Error>(&scoped)) co_return std::move(*e);
        auto s = std::get<std::shared_ptr<Session>>(std::move(scoped));
        auto resolved = co_await resolve_reference(s, refs[i], path);
        if (auto* e = std::get_if<Error>(&resolved)) co_return std::move(*e);
        const auto* peer = &std::get<methods::ResolvedPeer>(resolved);
        if (peer->kind == methods::ResolvedPeer::Kind::Self && peer->id == 0)
          co_return Error{codes::kNotLoggedIn, path + ": \"me\" is not known before the session logs in", {}};
        switch (peer->kind) {
          case methods::ResolvedPeer::Kind::Self:
          case methods::ResolvedPeer::Kind::User:
            id = methods::bot_api_id(store::PeerKind::User, peer->id);
            break;
          case methods::ResolvedPeer::Kind::Chat:
            id = methods::bot_api_id(store::PeerKind::Chat, peer->id);
            break;
          case methods::ResolvedPeer::Kind::Channel:
            id = methods::bot_api_id(store::PeerKind::Channel, peer->id);
            break;
        }
      }
      filter.peers.push_back(*id);
    }
  }
  if (const std::string* json = args.text("since")) {
    std::optional<std::int64_t> bare;
    {
      simdjson::dom::element value;
      simdjson::dom::object fields;
      if (parser.parse(*json).get(value) != simdjson::SUCCESS)
        co_return methods::invalid_params("params.since: not valid JSON");
      if (value.get(fields) == simdjson::SUCCESS) {
        for (auto [key, seq] : fields) {
          const auto n = integer_of(seq);
          if (!n)
            co_return methods::invalid_params("params.since." + std::string(key) +
                                              ": a seq (integer) expected");
          since.emplace(std::string(key), *n);
        }
      } else if (auto n = integer_of(value)) {
        bare = *n;
      } else {
        co_return methods::invalid_params(
            "params.since: the last seq you have, a number (one session) or {\"session\": seq}");
      }
    }
    if (bare) {
      auto scoped = scope_session("params.since");
      if (auto* e = std::get_if<Error>(&scoped)) co_return std::move(*e);
      since.emplace(std::get<std::shared_ptr<Session>>(scoped)->name(), *bare);
    }
    for (const auto& [name, seq] : since) {
      const std::string* named = &name;
      auto picked = pick_session(named);
      if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
    }
  }
  const bool views_channels = std::any_of(filter.peers.begin(), filter.peers.end(), [](std::int64_t p) {
    return stream::channel_of_bot_api(p).has_value();
  });
  const std::vector<std::string> sessions = filter.sessions;
  auto r = options.updates->subscribe(std::move(filter), std::move(since), args.caller);
  if (auto* error = std::get_if<std::string>(&r)) co_return methods::invalid_params("params." + *error);
  if (views_channels) {
    // Channels being viewed are polled (Telegram may not push them otherwise): tell the sessions.
    for (Session* s : manager.sessions()) {
      if (sessions.empty() || std::find(sessions.begin(), sessions.end(), s->name()) != sessions.end())
        s->viewed_channels_changed();
    }
  }
  co_return JsonObject().num("subscription", std::get<std::uint64_t>(r)).done();
}

awaitable<Outcome> Methods::Impl::unsubscribe(Args args) {
  if (options.updates == nullptr) co_return updates_disabled();
  const auto id = integer_arg(args, "subscription");
  if (!id || *id <= 0) co_return methods::invalid_params("params.subscription: a subscription id expected");
  const std::uint64_t connection = args.caller ? args.caller->connection_id() : 0;
  if (!options.updates->unsubscribe(static_cast<std::uint64_t>(*id), connection)) {
    co_return methods::invalid_params("params.subscription: no subscription " + std::to_string(*id) +
                                      " on this connection");
  }
  co_return JsonObject().num("unsubscribed", *id).done();
}

awaitable<Outcome> Methods::Impl::get_updates(Args args) {
  if (options.updates == nullptr) co_return updates_disabled();
  stream::PullRequest request;
  if (args.number("offset")) {
    const auto offset = integer_arg(args, "offset");
    if (!offset) co_return methods::invalid_params("params.offset: an integer seq expected");
    request.offset = *offset;
  }
  if (args.number("limit")) {
    const auto limit = integer_arg(args, "limit");
    if (!limit || *limit < 1 || *limit > 1000)
      co_return methods::invalid_params("params.limit: an integer from 1 to 1000 expected");
    request.limit = static_cast<std::size_t>(*limit);
  }
  if (auto timeout = args.number("timeout")) {
    if (*timeout < 0 || *timeout > 50)
      co_return methods::invalid_params("params.timeout: 0 to 50 seconds expected");
    request.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(*timeout * 1000));
  }
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  request.session = std::get<std::shared_ptr<Session>>(picked)->name();
  std::optional<std::string> page = co_await options.updates->get_updates(std::move(request));
  if (!page) co_return Error{codes::kCancelled, "getUpdates: cancelled", {}};
  co_return std::move(*page);
}

}  // namespace tgd::rpc
