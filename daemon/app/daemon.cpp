#include "daemon/app/daemon.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdlib>
#include <future>
#include <memory>

#include "config/values.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/app/systemd_notify.hpp"
#include "daemon/app/token.hpp"
#include "daemon/loop/stall_watchdog.hpp"
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
  }
  // Also for a TCP listener systemd passed while listen.tcp is off.
  o.token = token;
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

// What applying a configuration needs from disk, read beforehand: at start, and for a reload on a
// helper thread, so that the event loop never waits for a file (or a token file on a slow disk).
struct Prepared {
  config::Config config;
  std::string token;                    // the TCP listener's (empty without one)
  std::optional<LogTarget> log_target;  // set when log.file changed (a reload)
  // A reload declaring sessions that are not running: the saved sessions, to bring them back from.
  std::optional<std::vector<store::SessionSnapshot>> saved_sessions;
};

// The TCP token (the inline one, else the token file, created on first use) when a TCP listener is
// wanted or was passed by systemd; the UNIX socket's directory (private unless it exists already:
// systemd's RuntimeDirectory=, a shared group directory) unless systemd passed the socket.
std::variant<Prepared, std::string> prepare(config::Config c, bool tcp_adopted, bool unix_adopted) {
  Prepared out;
  if (c.tcp_enabled || tcp_adopted) {
    if (!c.token.empty()) {
      out.token = c.token;
    } else {
      auto loaded = load_or_create_token(c.token_file);
      if (auto* error = std::get_if<TokenError>(&loaded)) return "token: " + error->message;
      out.token = std::get<std::string>(std::move(loaded));
    }
  }
  if (c.unix_enabled && !unix_adopted) {
    std::error_code ec;
    const auto dir = c.unix_socket.parent_path();
    if (!std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      if (!ec) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
      if (ec) return "cannot create " + dir.string() + ": " + ec.message();
    }
  }
  out.config = std::move(c);
  return out;
}

LogStyle log_style(const config::Config& c) {
  return c.log_format == config::LogFormat::Json ? LogStyle::Json : LogStyle::Text;
}

// The keys a reload cannot apply to a running daemon: they shape the sessions' connections, the
// store or the update stream, which are built once at start.
std::vector<std::string> needing_restart(const config::Config& a, const config::Config& b) {
  std::vector<std::string> keys;
  auto check = [&](bool changed, const char* key) {
    if (changed) keys.emplace_back(key);
  };
  check(a.network != b.network, "telegram.network");
  check(a.api_id != b.api_id, "telegram.api_id");
  check(a.api_hash != b.api_hash, "telegram.api_hash");
  check(a.custom_dcs != b.custom_dcs, "telegram.dc");
  check(a.custom_key_pem != b.custom_key_pem, "telegram.public_key_file");
  check(a.device_model != b.device_model, "telegram.device_model");
  check(a.system_version != b.system_version, "telegram.system_version");
  check(a.app_version != b.app_version, "telegram.app_version");
  check(a.system_lang_code != b.system_lang_code, "telegram.system_lang_code");
  check(a.lang_code != b.lang_code, "telegram.lang_code");
  check(a.flood_wait_threshold != b.flood_wait_threshold, "telegram.flood_wait_threshold");
  check(a.call_timeout != b.call_timeout, "telegram.call_timeout");
  check(a.state_dir != b.state_dir, "paths.state_dir");
  check(a.journal_max_entries != b.journal_max_entries, "updates.journal_max_entries");
  check(a.journal_max_age != b.journal_max_age, "updates.journal_max_age");
  check(a.subscriber_buffer != b.subscriber_buffer, "updates.subscriber_buffer");
  check(a.lag_timeout != b.lag_timeout, "updates.lag_timeout");
  check(a.download_parts_in_flight != b.download_parts_in_flight, "files.download_parts_in_flight");
  check(a.upload_parts_in_flight != b.upload_parts_in_flight, "files.upload_parts_in_flight");
  return keys;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::vector<std::string> declared_names(const config::Config& c) {
  std::vector<std::string> names;
  for (const config::SessionConfig& declared : c.sessions) names.push_back(declared.name);
  return names;
}

// Sessions declared in the config ([[session]]) that the daemon lacks, created (state new).
std::vector<std::string> add_declared_sessions(const config::Config& c, session::SessionManager& sessions,
                                               std::vector<std::string>& errors) {
  std::vector<std::string> added;
  for (const config::SessionConfig& declared : c.sessions) {
    if (sessions.find(declared.name) != nullptr) continue;
    auto session_target = target_for(c, c.network_of(declared));
    if (auto* error = std::get_if<std::string>(&session_target)) {
      errors.push_back("session " + declared.name + ": " + *error);
      continue;
    }
    auto created = sessions.add(declared.name, std::get<session::DcTarget>(std::move(session_target)),
                                session::SessionOrigin::Config);
    if (auto* error = std::get_if<std::string>(&created)) {
      errors.push_back(*error);
      continue;
    }
    spdlog::info("session {}: created from the config (log it in with `tgd login --session {}`)",
                 declared.name, declared.name);
    added.push_back(declared.name);
  }
  return added;
}

// A reload declaring a session that is not running reads the saved ones (it may be there, left
// by an earlier reload or start): committed rows, after what is queued. Blocking: the file thread.
std::optional<std::string> read_saved_sessions(Prepared& prepared, const std::vector<std::string>& running,
                                               store::Store& store) {
  const bool wanted = std::any_of(prepared.config.sessions.begin(), prepared.config.sessions.end(),
                                  [&](const config::SessionConfig& s) {
                                    return std::find(running.begin(), running.end(), s.name) == running.end();
                                  });
  if (!wanted) return std::nullopt;
  if (!store.flush()) return std::string("the state database cannot be written: ") + store.stats().last_error;
  auto loaded = store.load_sessions();
  if (auto* error = std::get_if<store::StoreError>(&loaded))
    return "reading the saved sessions: " + error->message;
  prepared.saved_sessions = std::get<std::vector<store::SessionSnapshot>>(std::move(loaded));
  return std::nullopt;
}

// A reload's sessions: those the config made and no longer declares leave the running daemon
// (their state kept), declared ones saved earlier come back from the store, new ones are created.
// Sessions added by addSession are not the config's to remove. How many came or went.
std::size_t reload_sessions(const config::Config& c, session::SessionManager& sessions,
                            const std::optional<std::vector<store::SessionSnapshot>>& saved) {
  const std::vector<std::string> declared = declared_names(c);
  const auto is_declared = [&](const std::string& name) {
    return std::find(declared.begin(), declared.end(), name) != declared.end();
  };
  std::vector<std::string> leaving;
  for (session::Session* s : sessions.sessions())
    if (s->origin() == session::SessionOrigin::Config && !is_declared(s->name()))
      leaving.push_back(s->name());
  for (const std::string& name : leaving) {
    sessions.unload(name);
    spdlog::info(
        "reload: session {} is no longer in the config: stopped (its state is kept: declare it "
        "again to bring it back; removeSession before undeclaring deletes it)",
        name);
  }
  std::size_t changed = leaving.size();
  if (saved) {
    for (const std::string& name : sessions.restore(*saved, &declared)) {
      spdlog::info("reload: session {} declared again: restored", name);
      ++changed;
    }
  }
  std::vector<std::string> errors;
  changed += add_declared_sessions(c, sessions, errors).size();
  for (const auto& error : errors) spdlog::error("reload: {}", error);
  return changed;
}

// The STATUS= line systemctl status shows: "2/3 sessions ready, 4 connections, 12.5 requests/s,
// 3 in flight". Requests per second over the time since the previous line.
class StatusLine {
 public:
  StatusLine(session::SessionManager& sessions, rpc::RpcServer& server)
      : sessions_(sessions), server_(server) {}

  std::string operator()() {
    std::size_t ready = 0, total = 0;
    for (const session::Session* s : sessions_.sessions()) {
      ++total;
      if (s->state() == session::SessionState::Ready) ++ready;
    }
    const rpc::Stats stats = server_.stats();
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - sampled_).count();
    // Asked again within a second (READY=1 right after a periodic line): the last rate stands.
    if (seconds >= 1.0) {
      rate_ = sampled_requests_ ? static_cast<double>(stats.requests - *sampled_requests_) / seconds : 0.0;
      sampled_requests_ = stats.requests;
      sampled_ = now;
    }
    return fmt::format("{}/{} session{} ready, {} connection{}, {:.1f} requests/s, {} in flight", ready,
                       total, total == 1 ? "" : "s", stats.connections_open,
                       stats.connections_open == 1 ? "" : "s", rate_, stats.in_flight);
  }

 private:
  session::SessionManager& sessions_;
  rpc::RpcServer& server_;
  std::optional<std::uint64_t> sampled_requests_;
  std::chrono::steady_clock::time_point sampled_{};
  double rate_ = 0.0;
};

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

int run_daemon(const config::Config& initial, DaemonHooks hooks) {
  for (const std::string& warning : initial.warnings) spdlog::warn("config: {}", warning);
  const tl::Schemas schemas = tl::load_embedded_schemas();

  // First: sd_listen_fds checks LISTEN_PID and removes the LISTEN_* variables, which children
  // must not see.
  InheritedSockets inherited = take_inherited_sockets();
  for (const std::string& problem : inherited.ignored) spdlog::warn("systemd: {}", problem);

  auto default_target = target_for(initial, initial.network);
  if (auto* error = std::get_if<std::string>(&default_target)) {
    spdlog::error("{}", *error);
    return 1;
  }
  auto prepared = prepare(initial, inherited.tcp.has_value(), inherited.unix_stream.has_value());
  if (auto* error = std::get_if<std::string>(&prepared)) {
    spdlog::error("{}", *error);
    return 1;
  }
  // The configuration in use: replaced by each reload that succeeds.
  config::Config current = std::move(std::get<Prepared>(prepared).config);
  std::string token = std::move(std::get<Prepared>(prepared).token);
  const config::Config& c = current;

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
  {
    const std::vector<std::string> declared = declared_names(c);
    auto restored = sessions.restore(&declared);
    if (auto* error = std::get_if<std::string>(&restored)) {
      spdlog::error("restoring the sessions: {}", *error);
      return 1;
    }
    spdlog::info("restored {} session(s)", std::get<std::vector<std::string>>(restored).size());
  }
  {
    std::vector<std::string> errors;
    add_declared_sessions(c, sessions, errors);
    if (!errors.empty()) {
      for (const auto& error : errors) spdlog::error("{}", error);
      return 1;
    }
  }

  transfers::Transfers transfers(io.get_executor(), schemas.api,
                                 transfers::TransferOptions{.download_window = c.download_parts_in_flight,
                                                            .upload_window = c.upload_parts_in_flight});
  // Logs and counts event-loop stalls (GET /metrics); stop() stops it, else its timer keeps the loop going.
  loop::StallWatchdog stall_watchdog(io.get_executor(), {.threshold = c.stall_threshold});
  stall_watchdog.start();
  rpc::Methods methods(
      sessions, schemas.api, store.get(),
      rpc::MethodsOptions{
          .default_target = target, .updates = &updates, .transfers = &transfers, .stalls = &stall_watchdog});
  rpc::RpcServer server(io.get_executor(), server_options(c, token), methods);
  if (inherited.unix_stream) {
    if (auto error = server.adopt_unix_listener(*inherited.unix_stream)) {
      spdlog::error("systemd: {}", *error);
      return 1;
    }
  }
  if (inherited.tcp) {
    if (auto error = server.adopt_tcp_listener(*inherited.tcp)) {
      spdlog::error("systemd: {}", *error);
      return 1;
    }
  }

  SystemdNotifier systemd(io.get_executor());
  StatusLine status_line(sessions, server);
  // File work for reloads and log reopening (SIGHUP, SIGUSR1), off the event loop. Declared after
  // everything its jobs touch: its destructor waits for a job still running.
  net::asio::thread_pool file_work(1);

  int status = 0;
  bool stopping = false;
  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  // SIGHUP and SIGUSR1 apart: cancelled on their own at stop, while SIGTERM keeps being awaited.
  net::asio::signal_set maintenance(io, SIGHUP, SIGUSR1);
  // After stop(): wait (bounded) for the cancelled calls to unwind, then let the loop run dry —
  // only the signal wait for a second signal would keep it going.
  net::asio::steady_timer drain(io);
  const auto drain_limit = std::chrono::seconds(10);
  std::chrono::steady_clock::time_point drain_deadline;
  std::function<void()> await_drained = [&] {
    if (methods.in_flight() == 0) {
      signals.cancel();
      systemd.stop();
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
  // Whatever still waits once everything was told to stop (an operation nobody completes), the stop
  // is bounded all the same: a thread gives the loop a little longer than the drain, then stops it.
  std::promise<void> loop_ended;
  auto bound_the_stop = [&](std::chrono::milliseconds grace) {
    net::asio::post(file_work, [&io, ended = loop_ended.get_future().share(),
                                limit = std::chrono::duration_cast<std::chrono::seconds>(grace) +
                                        drain_limit + std::chrono::seconds(2)] {
      if (ended.wait_for(limit) == std::future_status::timeout) {
        spdlog::warn("still winding down {} s after the stop began: exiting anyway", limit.count());
        io.stop();
      }
    });
  };
  // The grace first: nothing new connects and new calls are refused while the calls in flight
  // finish and answer, for limits.stop_grace at most; then whatever still runs is cancelled.
  net::asio::steady_timer grace(io);
  std::chrono::steady_clock::time_point grace_deadline;
  auto end_calls = [&] {
    if (methods.in_flight() != 0)
      spdlog::info("{} call(s) still running after the grace: cancelling them", methods.in_flight());
    server.stop();
    sessions.stop();
    drain_deadline = std::chrono::steady_clock::now() + drain_limit;
    await_drained();
  };
  // Done when every call has ended and its answer has been written (closing a connection drops
  // what is still queued on it).
  auto calls_answered = [&] {
    return methods.in_flight() == 0 && server.stats().in_flight == 0 && server.queued_bytes() == 0;
  };
  std::function<void()> await_calls = [&] {
    if (calls_answered() || std::chrono::steady_clock::now() >= grace_deadline) return end_calls();
    grace.expires_after(std::chrono::milliseconds(20));
    grace.async_wait([&](const net::error_code& ec) {
      if (!ec) await_calls();
    });
  };
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    spdlog::info("stopping");
    systemd.stopping();
    maintenance.cancel();
    stall_watchdog.stop();
    server.stop_listening();
    methods.refuse_new_calls();
    if (methods.in_flight() != 0)
      spdlog::info("{} call(s) in flight: up to {} for them to finish", methods.in_flight(),
                   config::format_duration(current.stop_grace));
    grace_deadline = std::chrono::steady_clock::now() + current.stop_grace;
    bound_the_stop(current.stop_grace);
    await_calls();
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

  // SIGHUP: the configuration is read again (with the same command-line overrides) on the file
  // thread, then applied here in one go; whatever fails leaves the configuration in use as it was.
  bool serving = false;  // the listeners are open (READY=1 was sent)
  bool reloading = false, reload_again = false;
  std::function<void()> reload;
  auto apply_reload = [&](std::variant<Prepared, std::string> loaded) {
    reloading = false;
    if (stopping) return;
    auto finish = [&] {
      systemd.ready(status_line());
      if (reload_again) {
        reload_again = false;
        reload();
      }
    };
    if (auto* error = std::get_if<std::string>(&loaded)) {
      spdlog::error("reload: {}; keeping the configuration in use", *error);
      return finish();
    }
    Prepared& next = std::get<Prepared>(loaded);
    const config::Config& n = next.config;
    if (auto error = server.reconfigure(server_options(n, next.token))) {
      spdlog::error("reload: listeners: {}; keeping the configuration in use", *error);
      return finish();
    }
    // Nothing can fail from here on.
    stall_watchdog.set_threshold(n.stall_threshold);
    const LogTarget log_target = next.log_target ? *next.log_target : current_log_target();
    reconfigure_logging(n.log_level, log_style(n), log_target);
    for (const std::string& warning : n.warnings) spdlog::warn("config: {}", warning);
    const std::size_t changed_sessions = reload_sessions(n, sessions, next.saved_sessions);
    if (auto keys = needing_restart(current, n); !keys.empty())
      spdlog::warn("reload: changed, applied at the next restart only: {}", join(keys));
    std::string listeners = server.unix_path().empty() ? "no socket" : "socket " + server.unix_path();
    if (auto port = server.tcp_port())
      listeners += ", http/ws on " + server.tcp_host() + ":" + std::to_string(*port);
    spdlog::info("reloaded {}: log level {}{}; {}; {} session(s) added or removed",
                 n.source.empty() ? std::string("the configuration") : n.source.string(), n.log_level,
                 log_file_path(log_target).empty() ? "" : ", log file " + log_file_path(log_target).string(),
                 listeners, changed_sessions);
    current = std::move(next.config);
    token = std::move(next.token);
    finish();
  };
  reload = [&] {
    if (reloading) {
      reload_again = true;  // once the reload under way is applied
      return;
    }
    reloading = true;
    systemd.reloading();
    spdlog::info("SIGHUP: reloading the configuration");
    const bool tcp_adopted = server.tcp_adopted(), unix_adopted = server.unix_adopted();
    const std::filesystem::path log_file = log_file_path(current_log_target());
    std::vector<std::string> running;
    for (session::Session* s : sessions.sessions()) running.push_back(s->name());
    net::asio::post(file_work, [&, tcp_adopted, unix_adopted, log_file, running = std::move(running)] {
      std::variant<Prepared, std::string> result = std::string();
      auto loaded = hooks.reload();
      if (auto* error = std::get_if<config::ConfigError>(&loaded)) {
        result = "the new configuration is invalid: " + error->message;
      } else {
        result = prepare(std::get<config::Config>(std::move(loaded)), tcp_adopted, unix_adopted);
        if (auto* ready = std::get_if<Prepared>(&result); ready && ready->config.log_file != log_file) {
          auto target = open_log_target(ready->config.log_file);
          if (auto* error = std::get_if<std::string>(&target))
            result = *error;
          else
            ready->log_target = std::get<LogTarget>(std::move(target));
        }
        if (auto* ready = std::get_if<Prepared>(&result)) {
          if (auto error = read_saved_sessions(*ready, running, *store)) result = *error;
        }
      }
      net::asio::post(io, [&, result = std::move(result)]() mutable { apply_reload(std::move(result)); });
    });
  };
  std::function<void(const net::error_code&, int)> on_maintenance = [&](const net::error_code& ec,
                                                                        int signal) {
    if (ec || stopping) return;
    maintenance.async_wait(on_maintenance);
    if (signal == SIGHUP) {
      if (!serving) {
        spdlog::warn("SIGHUP before start-up finished: ignored");
        return;
      }
      if (!hooks.reload) {
        spdlog::info("SIGHUP: this mode has no configuration file to reload");
        return;
      }
      reload();
      return;
    }
    // SIGUSR1: after logrotate moved the file away, write to a new one at the same path.
    LogTarget target = current_log_target();
    if (log_file_path(target).empty()) {
      spdlog::info("SIGUSR1: logs go to stderr, there is no log file to reopen");
      return;
    }
    net::asio::post(file_work, [&io, target] {
      auto error = reopen_log_file(target);
      net::asio::post(io, [error, path = log_file_path(target)] {
        if (error)
          spdlog::error("SIGUSR1: {}; still writing to the file opened before", *error);
        else
          spdlog::info("SIGUSR1: reopened the log file {}", path.string());
      });
    });
  };
  maintenance.async_wait(on_maintenance);

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
    info.tcp_host = server.tcp_host();
    info.tcp_port = server.tcp_port();
    info.token = token;
    for (const session::Session* s : sessions.sessions()) info.sessions.push_back(s->name());
    spdlog::info("ready: {} session(s); socket {}{}{}", info.sessions.size(),
                 info.socket.empty() ? "(none)" : info.socket,
                 info.tcp_port ? ", http/ws on " + info.tcp_host + ":" + std::to_string(*info.tcp_port) : "",
                 server.unix_adopted() || server.tcp_adopted() ? " (listeners from systemd)" : "");
    // The listeners accept from here on and the sessions are restored: systemd may start what
    // depends on tgd.
    serving = true;
    systemd.ready(status_line());
    systemd.start([&] { return status_line(); }, std::chrono::seconds(5));
    if (hooks.on_ready) hooks.on_ready(info);
  };
  if (hooks.prepare) {
    net::asio::post(io, [&] { hooks.prepare(sessions, open_listeners); });
  } else {
    net::asio::post(io, [&] { open_listeners(std::nullopt); });
  }
  io.run();
  loop_ended.set_value();
  if (!store->flush())
    spdlog::warn("the last writes to {} could not be committed", store->database_path().string());
  return status;
}

}  // namespace tgd::app
