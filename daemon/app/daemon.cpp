#include "daemon/app/daemon.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>

#include "daemon/app/token.hpp"
#include "daemon/session/session_manager.hpp"
#include "daemon/store/store.hpp"
#include "daemon/stream/update_stream.hpp"
#include "daemon/transfers/transfers.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_out.hpp"
#include "rpc/methods/methods.hpp"
#include "rpc/server/rpc_server.hpp"

namespace tgd::app {
namespace {

std::variant<session::DcTarget, std::string> target_for(const config::Config& c, config::Network network) {
  switch (network) {
    case config::Network::Production:
      return session::DcTarget::production();
    case config::Network::Test:
      return session::DcTarget::telegram_test();
    case config::Network::Custom: {
      std::vector<session::DcEndpoint> dcs;
      for (const auto& d : c.custom_dcs) dcs.push_back({d.id, d.host, d.port});
      auto t = session::DcTarget::custom(std::move(dcs), c.custom_key_pem);
      if (auto* error = std::get_if<std::string>(&t)) return *error;
      return std::get<session::DcTarget>(std::move(t));
    }
  }
  return std::string("unknown network");
}

session::InvokerOptions invoker_defaults(const config::Config& c, session::DcTarget target, int layer) {
  session::InvokerOptions o;
  o.target = std::move(target);
  o.layer = layer;
  o.params.api_id = c.api_id;
  o.params.api_hash = c.api_hash;
  o.params.device_model = c.device_model;
  o.params.system_version = c.system_version;
  o.params.app_version = c.app_version;
  o.params.system_lang_code = c.system_lang_code;
  o.params.lang_code = c.lang_code;
  o.flood_wait_threshold = c.flood_wait_threshold;
  o.call_timeout = c.call_timeout;
  return o;
}

rpc::ServerOptions server_options(const config::Config& c, const std::string& token) {
  rpc::ServerOptions o;
  if (c.unix_enabled) o.unix_path = c.unix_socket.string();
  o.unix_mode = c.unix_mode;
  o.unix_group = c.unix_group;
  if (c.tcp_enabled) {
    o.tcp_host = c.tcp_host;
    o.tcp_port = c.tcp_port;
    o.token = token;
  }
  o.allowed_origins = c.allowed_origins;
  o.allowed_hosts = c.allowed_hosts;
  o.limits.max_message_bytes = c.max_message_bytes;
  o.limits.max_in_flight = c.max_in_flight;
  o.limits.idle_timeout = c.idle_timeout.count() == 0 ? std::chrono::milliseconds::max()
                                                      : std::chrono::milliseconds(c.idle_timeout);
  o.limits.max_outgoing_bytes = c.max_outgoing_bytes;
  return o;
}

stream::StreamOptions stream_options(const config::Config& c) {
  stream::StreamOptions o;
  // Below the connection's own limit, so that a lagging subscriber is told (lagged) rather than
  // disconnected.
  o.subscriber_buffer = std::min(c.subscriber_buffer, c.max_outgoing_bytes / 2);
  if (o.subscriber_buffer < c.subscriber_buffer) {
    spdlog::warn("updates.subscriber_buffer {} is more than half of limits.max_outgoing_bytes: {} bytes used",
                 c.subscriber_buffer, o.subscriber_buffer);
  }
  o.lag_timeout = c.lag_timeout;
  return o;
}

}  // namespace

std::string ready_json(const ReadyInfo& info) {
  std::string out = R"({"socket":)" + tl::json_quoted(info.socket);
  if (info.tcp_port) {
    const std::string authority = info.tcp_host + ":" + std::to_string(*info.tcp_port);
    out += R"(,"ws":)" + tl::json_quoted("ws://" + authority + "/") + R"(,"http":)" +
           tl::json_quoted("http://" + authority + "/rpc") + R"(,"token":)" + tl::json_quoted(info.token);
  }
  out += R"(,"sessions":[)";
  for (std::size_t i = 0; i < info.sessions.size(); ++i)
    out += (i ? "," : "") + tl::json_quoted(info.sessions[i]);
  return out + "]}";
}

int run_daemon(const config::Config& c, DaemonHooks hooks) {
  for (const std::string& warning : c.warnings) spdlog::warn("config: {}", warning);
  const tl::Schemas schemas = tl::load_embedded_schemas();

  auto default_target = target_for(c, c.network);
  if (auto* error = std::get_if<std::string>(&default_target)) {
    spdlog::error("{}", *error);
    return 1;
  }
  std::string token;
  if (c.tcp_enabled) {
    if (!c.token.empty()) {
      token = c.token;
    } else {
      auto loaded = load_or_create_token(c.token_file);
      if (auto* error = std::get_if<TokenError>(&loaded)) {
        spdlog::error("token: {}", error->message);
        return 1;
      }
      token = std::get<std::string>(std::move(loaded));
    }
  }
  if (c.unix_enabled) {
    // The socket's directory (the runtime directory by default): private unless it exists already
    // (systemd's RuntimeDirectory=, a shared group directory).
    std::error_code ec;
    const auto dir = c.unix_socket.parent_path();
    if (!std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      if (!ec) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
      if (ec) {
        spdlog::error("cannot create {}: {}", dir.string(), ec.message());
        return 1;
      }
    }
  }
  store::StoreOptions store_options;
  // From the start: the sweep right after open() trims by these bounds already.
  store_options.journal_limits = {c.journal_max_entries, c.journal_max_age};
  auto opened = store::Store::open(c.state_dir, store_options);
  if (auto* error = std::get_if<store::StoreError>(&opened)) {
    spdlog::error("{}", error->message);
    return 1;
  }
  std::unique_ptr<store::Store> store = std::get<std::unique_ptr<store::Store>>(std::move(opened));

  net::asio::io_context io(1);
  // The update stream before the sessions (they publish into it) and after the store (it journals
  // there); it goes after the sessions and the methods.
  stream::UpdateStream updates(io.get_executor(), *store, stream_options(c));
  const session::DcTarget& target = std::get<session::DcTarget>(default_target);
  session::SessionManager sessions(io.get_executor(), schemas.api, store.get(),
                                   invoker_defaults(c, target, schemas.api.layer()));
  sessions.set_update_sink(&updates);
  if (auto error = sessions.restore()) {
    spdlog::error("restoring the sessions: {}", *error);
    return 1;
  }
  for (const config::SessionConfig& declared : c.sessions) {
    if (sessions.find(declared.name) != nullptr) continue;
    auto session_target = target_for(c, c.network_of(declared));
    if (auto* error = std::get_if<std::string>(&session_target)) {
      spdlog::error("session {}: {}", declared.name, *error);
      return 1;
    }
    auto added = sessions.add(declared.name, std::get<session::DcTarget>(std::move(session_target)));
    if (auto* error = std::get_if<std::string>(&added)) {
      spdlog::error("{}", *error);
      return 1;
    }
    spdlog::info("session {}: created from the config (log it in with `tgd login --session {}`)",
                 declared.name, declared.name);
  }

  transfers::Transfers transfers(io.get_executor(), schemas.api,
                                 transfers::TransferOptions{.download_window = c.download_parts_in_flight,
                                                            .upload_window = c.upload_parts_in_flight});
  rpc::Methods methods(
      sessions, schemas.api, store.get(),
      rpc::MethodsOptions{.default_target = target, .updates = &updates, .transfers = &transfers});
  rpc::RpcServer server(io.get_executor(), server_options(c, token), methods);

  int status = 0;
  bool stopping = false;
  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  // After stop(): wait (bounded) for the cancelled calls to unwind, then let the loop run dry —
  // only the signal wait for a second signal would keep it going.
  net::asio::steady_timer drain(io);
  const auto drain_limit = std::chrono::seconds(10);
  std::chrono::steady_clock::time_point drain_deadline;
  std::function<void()> await_drained = [&] {
    if (methods.in_flight() == 0) {
      signals.cancel();
      return;
    }
    if (std::chrono::steady_clock::now() > drain_deadline) {
      spdlog::warn("{} call(s) still running after {} s: exiting anyway", methods.in_flight(),
                   drain_limit.count());
      io.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(20));
    drain.async_wait([&](const net::error_code& ec) {
      if (!ec) await_drained();
    });
  };
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    spdlog::info("stopping");
    server.stop();
    sessions.stop();
    drain_deadline = std::chrono::steady_clock::now() + drain_limit;
    await_drained();
  };
  std::function<void(const net::error_code&, int)> on_signal = [&](const net::error_code& ec, int signal) {
    if (ec) return;
    if (stopping) {
      spdlog::warn("second signal ({}): exiting at once", signal);
      std::_Exit(1);
    }
    spdlog::info("signal {}: finishing", signal);
    signals.async_wait(on_signal);  // a second signal exits at once (until the loop runs dry)
    stop();
  };
  signals.async_wait(on_signal);

  auto open_listeners = [&](std::optional<std::string> prepare_error) {
    if (prepare_error) {
      spdlog::error("{}", *prepare_error);
      status = 1;
      stop();
      return;
    }
    if (stopping) return;  // a signal came during the preparation
    if (auto error = server.start()) {
      spdlog::error("listeners: {}", *error);
      status = 1;
      stop();
      return;
    }
    ReadyInfo info;
    info.socket = server.unix_path();
    info.tcp_host = c.tcp_host;
    info.tcp_port = server.tcp_port();
    info.token = token;
    for (const session::Session* s : sessions.sessions()) info.sessions.push_back(s->name());
    spdlog::info("ready: {} session(s); socket {}{}", info.sessions.size(),
                 info.socket.empty() ? "(none)" : info.socket,
                 info.tcp_port ? ", http/ws on " + c.tcp_host + ":" + std::to_string(*info.tcp_port) : "");
    if (hooks.on_ready) hooks.on_ready(info);
  };
  if (hooks.prepare) {
    net::asio::post(io, [&] { hooks.prepare(sessions, open_listeners); });
  } else {
    net::asio::post(io, [&] { open_listeners(std::nullopt); });
  }
  io.run();
  if (!store->flush())
    spdlog::warn("the last writes to {} could not be committed", store->database_path().string());
  return status;
}

}  // namespace tgd::app
