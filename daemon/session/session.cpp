// Session: construction and restore, persistence, JSON calls and the config refresh. The login
// flows are in session_login.cpp.
#include "daemon/session/session.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <array>

#include "daemon/session/peer_extract.hpp"
#include "daemon/session/update_driver.hpp"
#include "protocol/base/redact.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/tl/json_out.hpp"

namespace tgd::session {

namespace {
constexpr std::array<std::string_view, 6> kStateNames{
    "new", "waiting_code", "waiting_password", "waiting_signup", "ready", "logged_out"};
}  // namespace

std::string_view to_string(SessionState state) { return kStateNames[static_cast<std::size_t>(state)]; }

std::optional<SessionState> session_state_from(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<SessionState>(i);
  }
  return std::nullopt;
}

Session::Session(SessionContext context, std::string name, InvokerOptions options,
                 const store::SessionSnapshot* snapshot, SessionOrigin origin)
    : context_(context), name_(std::move(name)), origin_(origin) {
  if (snapshot != nullptr) {
    const store::SessionRow& row = snapshot->session;
    state_ = session_state_from(row.state).value_or(SessionState::New);
    logout_reason_ = row.logout_reason;
    kind_ = row.kind;
    self_user_id_ = row.self_user_id;
    dc_options_json_ = row.dc_options_json;
    options.main_dc = row.main_dc;
    options.auth_keys.clear();
    for (const store::AuthKeyRow& k : snapshot->auth_keys)
      options.auth_keys[k.dc_id] = net::StoredAuthKey{k.key, k.server_salt, k.time_offset};
    // The DC target and the authorizations on other DCs are in the settings.
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(row.settings_json).get(root) == simdjson::SUCCESS) {
      simdjson::dom::element dcs;
      // Most sessions keep the default target: reusing it skips parsing the RSA key again, which
      // dominated restoring 1,000 sessions (bench_session).
      if (root["dcs"].get(dcs) == simdjson::SUCCESS && simdjson::minify(dcs) != options.target.to_json()) {
        auto target = DcTarget::from_json(simdjson::minify(dcs));
        if (auto* t = std::get_if<DcTarget>(&target)) {
          options.target = std::move(*t);
        } else {
          spdlog::warn("session {}: stored DC settings ignored: {}", name_, std::get<std::string>(target));
        }
      }
      simdjson::dom::array authorized;
      options.authorized_dcs.clear();
      if (root["authorized_dcs"].get(authorized) == simdjson::SUCCESS) {
        for (auto dc : authorized) {
          std::int64_t id = 0;
          if (dc.get(id) == simdjson::SUCCESS) options.authorized_dcs.insert(static_cast<std::int32_t>(id));
        }
      }
      std::string_view text;
      if (root["phone"].get(text) == simdjson::SUCCESS) phone_ = std::string(text);
      if (root["phone_code_hash"].get(text) == simdjson::SUCCESS) phone_code_hash_ = std::string(text);
      bool from_config = false;
      origin_ = root["from_config"].get(from_config) == simdjson::SUCCESS && from_config
                    ? SessionOrigin::Config
                    : SessionOrigin::Api;
    }
    options.authorized = state_ == SessionState::Ready;
  }
  invoker_ = std::make_unique<Invoker>(context_.executor, std::move(options), hooks());
  if (snapshot == nullptr) persist();
}

Session::~Session() { stop(); }

InvokerHooks Session::hooks() {
  std::weak_ptr<bool> alive = alive_;
  InvokerHooks h;
  h.on_auth_key = [this, alive](std::int32_t dc, const net::StoredAuthKey& k) {
    if (alive.expired() || context_.store == nullptr) return;
    context_.store->save_auth_key(name_, store::AuthKeyRow{dc, k.key, k.server_salt, k.time_offset});
  };
  h.on_auth_key_dropped = [this, alive](std::int32_t dc) {
    if (alive.expired() || context_.store == nullptr) return;
    context_.store->remove_auth_key(name_, dc);
  };
  h.on_main_dc = [this, alive](std::int32_t) {
    if (!alive.expired()) persist();
  };
  h.on_dc_authorized = [this, alive](std::int32_t) {
    if (!alive.expired()) persist();
  };
  h.on_logged_out = [this, alive](const std::string& reason) {
    if (alive.expired()) return;
    spdlog::warn("session {}: logged out by Telegram: {}", name_, reason);
    set_state(SessionState::LoggedOut, reason);
  };
  h.on_update = [this, alive](ByteSpan updates) {
    if (alive.expired()) return;
    if (updates_) updates_->on_push(updates);
    if (on_update_) on_update_(updates);
  };
  h.on_link_event = [this, alive](net::LinkEvent event) {
    if (!alive.expired() && updates_) updates_->on_link_event(event);
  };
  return h;
}

void Session::set_state(SessionState state, std::string reason) {
  const bool changed = state != state_ || reason != logout_reason_;
  state_ = state;
  logout_reason_ = state == SessionState::LoggedOut ? std::move(reason) : std::string();
  invoker_->set_authorized(state == SessionState::Ready);
  persist();
  if (state == SessionState::Ready) {
    start_updates();
  } else {
    stop_updates();
  }
  if (changed && on_state_change_) on_state_change_(*this);
}

std::string Session::settings_json() const {
  std::string out = R"({"dcs":)" + invoker_->target().to_json() + R"(,"authorized_dcs":[)";
  bool first = true;
  for (std::int32_t dc : invoker_->authorized_dcs()) {
    if (!first) out += ',';
    first = false;
    out += std::to_string(dc);
  }
  out += "]";
  if (!phone_.empty()) out += R"(,"phone":)" + tl::json_quoted(phone_);
  if (!phone_code_hash_.empty()) out += R"(,"phone_code_hash":)" + tl::json_quoted(phone_code_hash_);
  if (origin_ == SessionOrigin::Config) out += R"(,"from_config":true)";
  out += "}";
  return out;
}

void Session::persist() {
  if (context_.store == nullptr || !invoker_) return;
  store::SessionRow row;
  row.name = name_;
  row.kind = kind_;
  row.state = std::string(to_string(state_));
  row.logout_reason = logout_reason_;
  row.main_dc = invoker_->main_dc();
  row.self_user_id = self_user_id_;
  row.settings_json = settings_json();
  row.dc_options_json = dc_options_json_;
  context_.store->save_session(std::move(row));
}

void Session::persist_keys() {
  if (context_.store == nullptr || !invoker_) return;
  for (auto& [dc, k] : invoker_->auth_keys())
    context_.store->save_auth_key(name_, store::AuthKeyRow{dc, k.key, k.server_salt, k.time_offset});
}

void Session::feed_peers(std::string_view json) {
  if (context_.store == nullptr) return;
  std::vector<store::PeerRow> peers;
  extract_peers(json, peers);
  if (!peers.empty()) context_.store->save_peers(name_, std::move(peers));
}

net::awaitable<JsonResult> Session::call_json(std::string_view method, std::string_view params,
                                              InvokeOptions options, bool feed_updates) {
  const auto self = shared_from_this();  // calls may outlive the session's owner
  if (state_ == SessionState::LoggedOut && !method.starts_with("auth.") && !method.starts_with("help.")) {
    co_return CallError{CallError::Kind::LoggedOut, 401, logout_reason_, 0};
  }
  // Trace: every call and answer, secrets masked by field name (protocol/base/redact.hpp).
  if (spdlog::should_log(spdlog::level::trace))
    spdlog::trace("session {}: call {} {}", name_, method, redact_json(params, kLoggedJsonChars));
  auto encoded = context_.tl->encode_call(method, params);
  if (auto* error = std::get_if<TlJsonError>(&encoded))
    co_return CallError{CallError::Kind::BadInput, 0, std::move(error->message), 0};
  // The method name (and the params, for the update engine) must outlive the suspension: the
  // caller's views may not.
  const std::string name(method);
  std::string sent_params;
  if (feed_updates && updates_) sent_params = params;
  InvokeResult r = co_await invoker_->invoke(std::move(std::get<Bytes>(encoded)), options);
  if (auto* error = std::get_if<CallError>(&r)) {
    spdlog::trace("session {}: {} failed: {} {}", name_, name, error->code, error->message);
    co_return std::move(*error);
  }
  auto decoded = context_.tl->decode_result(name, std::get<Bytes>(r));
  if (auto* error = std::get_if<TlJsonError>(&decoded))
    co_return CallError{CallError::Kind::Failed, 0, "undecodable answer: " + error->message, 0};
  const std::string& json = std::get<std::string>(decoded);
  if (spdlog::should_log(spdlog::level::trace))
    spdlog::trace("session {}: answer to {} {}", name_, name, redact_json(json, kLoggedJsonChars));
  feed_peers(json);
  // updates_ may have started during the call (a login's answer): then there are no params, and
  // nothing from before the engine's getState is needed anyway.
  if (feed_updates && updates_ && !sent_params.empty()) updates_->on_call_result(name, sent_params, json);
  co_return std::move(std::get<std::string>(decoded));
}

net::awaitable<std::optional<CallError>> Session::refresh_config() {
  const auto self = shared_from_this();  // calls may outlive the session's owner
  JsonResult r = co_await call("help.getConfig", "{}");
  if (auto* error = std::get_if<CallError>(&r)) co_return std::move(*error);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(std::get<std::string>(r)).get(root) != simdjson::SUCCESS)
    co_return CallError{CallError::Kind::Failed, 0, "help.getConfig: unreadable answer", 0};
  std::vector<DcEndpoint> options;
  simdjson::dom::array list;
  if (root["dc_options"].get(list) == simdjson::SUCCESS) {
    for (simdjson::dom::element o : list) {
      // IPv4 entries for the main connection: not media-only, not CDN, not IPv6, no secret needed.
      bool flag = false;
      if ((o["ipv6"].get(flag) == simdjson::SUCCESS && flag) ||
          (o["media_only"].get(flag) == simdjson::SUCCESS && flag) ||
          (o["cdn"].get(flag) == simdjson::SUCCESS && flag) || o["secret"].error() == simdjson::SUCCESS)
        continue;
      std::int64_t id = 0, port = 0;
      std::string_view host;
      if (o["id"].get(id) != simdjson::SUCCESS || o["ip_address"].get(host) != simdjson::SUCCESS ||
          o["port"].get(port) != simdjson::SUCCESS || port <= 0 || port > 65535)
        continue;
      options.push_back(
          DcEndpoint{static_cast<std::int32_t>(id), std::string(host), static_cast<std::uint16_t>(port)});
    }
  }
  if (!options.empty()) {
    invoker_->target().apply_dc_options(options);
    simdjson::dom::element dc_options;
    if (root["dc_options"].get(dc_options) == simdjson::SUCCESS)
      dc_options_json_ = simdjson::minify(dc_options);
    persist();
  }
  co_return std::nullopt;
}

struct Session::Refresher {
  explicit Refresher(const net::asio::any_io_executor& ex) : timer(ex) {}
  net::asio::steady_timer timer;
};

namespace {

// Holds the session only while it works, not while it sleeps: a removed session ends the loop.
net::awaitable<void> refresh_loop(std::weak_ptr<Session> weak,
                                  std::shared_ptr<net::asio::steady_timer> timer) {
  using namespace std::chrono_literals;
  while (true) {
    std::chrono::seconds next = 3600s;
    {
      auto session = weak.lock();
      if (!session) co_return;
      auto error = co_await session->refresh_config();
      // Stopped meanwhile: Session::stop() cancelled a timer nobody waited on yet, so a wait now
      // would hold the event loop (and the daemon's exit) for a whole minute.
      if (session->stopped()) co_return;
      if (error) {
        spdlog::warn("session {}: help.getConfig failed: {}", session->name(), error->message);
        next = 60s;
      }
    }
    timer->expires_after(next);
    auto [ec] = co_await timer->async_wait(net::as_tuple_awaitable);
    if (ec) co_return;  // cancelled by stop()
  }
}

}  // namespace

void Session::start_updates() {
  if (updates_ || !started_ || stopped_ || state_ != SessionState::Ready || context_.updates == nullptr)
    return;
  std::optional<std::string> saved;
  if (context_.store) {
    auto loaded = context_.store->load_update_state(name_);
    if (auto* state = std::get_if<std::optional<std::string>>(&loaded)) {
      saved = std::move(*state);
    } else {
      spdlog::warn("session {}: cannot read the saved update state ({}); starting from updates.getState",
                   name_, std::get<store::StoreError>(loaded).message);
    }
  }
  updates_ = std::make_shared<UpdateDriver>(shared_from_this(), *context_.updates, saved);
  updates_->start();
}

void Session::stop_updates() {
  if (!updates_) return;
  updates_->stop();
  updates_.reset();
}

void Session::viewed_channels_changed() {
  if (updates_) updates_->sync_viewed_channels();
}

std::optional<UpdateDriverStats> Session::update_stats() const {
  if (!updates_) return std::nullopt;
  return updates_->stats();
}

void Session::start() {
  if (refresher_ || stopped_) return;
  started_ = true;
  start_updates();
  refresher_ = std::make_shared<Refresher>(context_.executor);
  // The timer is shared with the loop so that it outlives the session while a wait completes.
  std::shared_ptr<net::asio::steady_timer> timer(refresher_, &refresher_->timer);
  net::asio::co_spawn(context_.executor, refresh_loop(weak_from_this(), std::move(timer)),
                      net::asio::detached);
}

void Session::stop() {
  if (!invoker_ || stopped_) return;
  stopped_ = true;
  stop_updates();
  if (refresher_) refresher_->timer.cancel();
  persist_keys();
  invoker_->stop();
}

}  // namespace tgd::session
