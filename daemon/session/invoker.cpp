#include "daemon/session/invoker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <list>

#include "daemon/session/rpc_error_kind.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::session {

using namespace tgd::net;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t kHelpGetNearestDc = 0x1fb33026;
constexpr std::uint32_t kAuthExportAuthorization = 0xe5bfffcd;
constexpr std::uint32_t kAuthExportedAuthorization = 0xb434e2b8;
constexpr std::uint32_t kAuthImportAuthorization = 0xa57a7dad;
// MSG_WAIT_FAILED answers one queued call may get (each needs the call before it to fail again).
constexpr int kMaxRechains = 100;

std::uint32_t constructor_of(ByteSpan query) {
  std::uint32_t id = 0;
  if (query.size() >= 4) std::memcpy(&id, query.data(), 4);
  return id;
}

Bytes single_id(std::uint32_t id) {
  Bytes out(4);
  std::memcpy(out.data(), &id, 4);
  return out;
}

CallError failed(std::string reason) { return CallError{CallError::Kind::Failed, 0, std::move(reason), 0}; }

}  // namespace

struct Invoker::Impl : std::enable_shared_from_this<Impl> {
  // An export/import of the authorization to one DC, shared by every call that needs it meanwhile.
  struct Authorizing {
    explicit Authorizing(const asio::any_io_executor& ex) : done(ex, Clock::time_point::max()) {}
    asio::steady_timer done;  // cancelled when finished: wakes the waiters
    std::optional<CallError> error;
    bool finished = false;
  };

  Impl(asio::any_io_executor executor, InvokerOptions opts, InvokerHooks h)
      : ex(std::move(executor)), options(std::move(opts)), hooks(std::move(h)), keys(options.auth_keys) {
    if (options.main_dc == 0) options.main_dc = options.target.default_dc();
  }

  asio::any_io_executor ex;
  InvokerOptions options;
  InvokerHooks hooks;
  std::map<std::int32_t, StoredAuthKey> keys;
  std::map<std::pair<std::int32_t, ConnectionKind>, std::unique_ptr<MtprotoClient>> clients;
  std::map<std::int32_t, std::shared_ptr<Authorizing>> authorizing;
  std::list<asio::steady_timer*> sleepers;  // woken by stop()
  std::map<std::uint32_t, MethodMetrics> metrics;
  // The counters of connections closed by drop_dc, folded in so that connections() never goes back.
  std::map<std::pair<std::int32_t, ConnectionKind>, ConnectionStats> retired;
  std::uint64_t in_flight = 0;
  bool stopped = false;

  MtprotoClient* client(std::int32_t dc, ConnectionKind kind) {
    const auto key = std::make_pair(dc, kind);
    if (auto it = clients.find(key); it != clients.end()) return it->second.get();
    const auto address = options.target.address(dc);
    if (!address) return nullptr;
    ClientOptions o;
    o.dc = *address;
    o.framing = options.framing;
    o.obfuscated = options.obfuscated;
    o.rsa_keys = options.target.rsa_keys();
    if (auto k = keys.find(dc); k != keys.end()) o.auth_key = k->second;
    o.reconnect_initial = options.reconnect_initial;
    o.reconnect_max = options.reconnect_max;
    o.session = options.session;
    o.cpu_executor = options.cpu_executor;
    o.wrap_until_initialized = [params = options.params, layer = options.layer](ByteSpan query) {
      return wrap_init_connection(params, layer, query);
    };
    std::weak_ptr<Impl> weak = weak_from_this();
    o.on_auth_key_created = [weak, dc, kind](const StoredAuthKey& created) {
      auto self = weak.lock();
      // A file connection only makes its own key when the server forgot the DC's (-404); the main
      // connection's key is the one that is kept.
      if (!self || kind != ConnectionKind::Main) return;
      self->keys[dc] = created;
      // A new key is a new authorization: an import on this DC must be done again.
      self->options.authorized_dcs.erase(dc);
      if (self->hooks.on_auth_key) self->hooks.on_auth_key(dc, created);
    };
    auto c = std::make_unique<MtprotoClient>(ex, std::move(o));
    if (kind == ConnectionKind::Main) {
      c->on_update([weak, dc](ByteSpan updates) {
        auto self = weak.lock();
        if (self && dc == self->options.main_dc && self->hooks.on_update) self->hooks.on_update(updates);
      });
      c->on_link_event([weak, dc](net::LinkEvent event) {
        auto self = weak.lock();
        if (self && dc == self->options.main_dc && self->hooks.on_link_event)
          self->hooks.on_link_event(event);
      });
    }
    c->start();
    return clients.emplace(key, std::move(c)).first->second.get();
  }

  // The stats of the connection (dc, kind): the live client's counters plus the retired ones.
  ConnectionStats connection_stats(std::pair<std::int32_t, ConnectionKind> key) const {
    ConnectionStats out;
    if (auto r = retired.find(key); r != retired.end()) out = r->second;
    out.dc = key.first;
    out.kind = key.second;
    out.open = out.connected = false;
    if (auto it = clients.find(key); it != clients.end()) {
      const MtprotoClient& c = *it->second;
      const mtproto::ClientCounters counters = c.counters();
      out.open = true;
      out.connected = c.connected();
      out.reconnects += c.reconnects();
      out.resends += counters.resends;
      out.bad_msg_notifications += counters.bad_msg_notifications;
      out.bytes_sent += counters.bytes_sent;
      out.bytes_received += counters.bytes_received;
    }
    return out;
  }

  void drop_dc(std::int32_t dc) {
    for (auto kind : {ConnectionKind::Main, ConnectionKind::File}) {
      if (auto it = clients.find({dc, kind}); it != clients.end()) {
        retired[it->first] = connection_stats(it->first);
        it->second->stop();
        clients.erase(it);
      }
    }
    keys.erase(dc);
    options.authorized_dcs.erase(dc);
  }

  // Sleeps until `until` (or stop()); false if stopped.
  awaitable<bool> sleep_until(Clock::time_point until) {
    asio::steady_timer timer(ex, until);
    sleepers.push_back(&timer);
    const auto it = std::prev(sleepers.end());
    co_await timer.async_wait(as_tuple_awaitable);
    sleepers.erase(it);
    co_return !stopped;
  }

  static std::optional<std::chrono::milliseconds> remaining(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= std::chrono::milliseconds::zero()) return std::nullopt;
    return left;
  }

  // One call with the policies applied; `authorize` false for the export/import calls themselves.
  awaitable<InvokeResult> run(Bytes query, InvokeOptions o, Clock::time_point deadline, MethodMetrics& m,
                              bool authorize) {
    std::int32_t dc = o.dc.value_or(options.main_dc);
    int retries = 0;
    int migrations = 0;
    int rechains = 0;
    std::uint64_t rechain_past = 0;  // after MSG_WAIT_FAILED: the send of the call before that failed
    bool reimported = false;
    while (true) {
      if (stopped) co_return failed("session stopped");
      if (authorize && options.authorized && dc != options.main_dc && !options.authorized_dcs.contains(dc)) {
        if (auto error = co_await authorize_on(dc, deadline)) co_return *error;
      }
      if (o.connection == ConnectionKind::File && !keys.contains(dc)) {
        if (auto error = co_await ensure_key(dc, deadline)) co_return *error;
      }
      MtprotoClient* c = client(dc, o.connection);
      if (c == nullptr) co_return failed("no address for DC " + std::to_string(dc));
      std::optional<CallTicket> after;
      if (o.queue != nullptr) {
        auto turn = co_await wait_turn(*o.queue, c, deadline, rechain_past);
        if (auto* error = std::get_if<CallError>(&turn)) co_return std::move(*error);
        after = std::get<std::optional<CallTicket>>(turn);
      }
      const auto left = remaining(deadline);
      if (!left) co_return failed("timeout");
      // File parts do not compress: the client must not spend the loop trying.
      CallOptions call_options{.timeout = *left, .compressible = o.connection != ConnectionKind::File};
      if (o.queue != nullptr) {
        call_options.after = after;
        call_options.ticket = &o.queue->ticket;
        o.queue->state = QueueNode::State::Sent;
        o.queue->client = c;
        ++o.queue->sends;
        o.queue->changed();  // the next call reads the ticket once this one is made (below)
      }
      CallResult r = co_await c->call(query, call_options);
      if (o.queue != nullptr) {
        o.queue->state = QueueNode::State::Waiting;
        o.queue->changed();
      }
      if (auto* bytes = std::get_if<Bytes>(&r)) {
        if (o.answered_by != nullptr) *o.answered_by = dc;
        co_return std::move(*bytes);
      }
      if (auto* f = std::get_if<CallFailed>(&r)) {
        // The client failed it because the session is stopping ("client stopped"): say so alike.
        if (stopped) co_return failed("session stopped");
        co_return failed(std::move(f->reason));
      }

      RpcError& e = std::get<RpcError>(r);
      if (o.queue != nullptr && e.code == 400 &&
          (e.message == "MSG_WAIT_FAILED" || e.message == "MSG_WAIT_TIMEOUT")) {
        // The call before failed (it is retried or has ended: wait until it is sent again or
        // done), or the server waited for it too long (name it again).
        if (++rechains > kMaxRechains) co_return failed("the call before it in the queue kept failing");
        rechain_past = e.message == "MSG_WAIT_FAILED" ? o.queue->chained_to : 0;
        continue;
      }
      const ErrorClass what = classify_rpc_error(e.code, e.message);
      auto rpc = [&](CallError::Kind kind = CallError::Kind::Rpc) {
        return CallError{kind, e.code, std::move(e.message), 0};
      };
      switch (what.action) {
        case ErrorAction::FloodWait: {
          const auto wait = std::chrono::seconds(what.value);
          if (o.wait_flood && wait <= options.flood_wait_threshold && Clock::now() + wait < deadline) {
            ++m.flood_waits;
            spdlog::info("flood wait: {} s before retrying ({})", what.value, e.message);
            if (!co_await sleep_until(Clock::now() + wait)) co_return failed("session stopped");
            continue;
          }
          CallError error = rpc(CallError::Kind::FloodWait);
          error.wait_seconds = what.value;
          co_return error;
        }
        case ErrorAction::MigrateMain:
        case ErrorAction::RouteCall:
          if (++migrations > options.max_migrations || !options.target.has_dc(what.value)) co_return rpc();
          ++m.migrations;
          if (what.action == ErrorAction::MigrateMain && !o.dc) {
            spdlog::info("{}: the main DC moves from {} to {}", e.message, options.main_dc, what.value);
            set_main_dc(what.value);
          }
          dc = what.value;
          continue;
        case ErrorAction::Retry:
          if (retries >= options.max_retries) co_return rpc();
          ++m.retries;
          if (!co_await sleep_until(Clock::now() + options.retry_delay * (1 << retries)))
            co_return failed("session stopped");
          ++retries;
          continue;
        case ErrorAction::LoggedOut:
          if (!options.authorized) co_return rpc();  // not logged in: nothing to lose
          if (dc != options.main_dc && e.message == "AUTH_KEY_UNREGISTERED" && !reimported) {
            // The DC forgot the imported authorization: import it again, once.
            options.authorized_dcs.erase(dc);
            reimported = true;
            continue;
          }
          logged_out(e.message);
          co_return rpc(CallError::Kind::LoggedOut);
        case ErrorAction::KeyDuplicated: {
          spdlog::warn("AUTH_KEY_DUPLICATED on DC {}: dropping its auth key", dc);
          drop_dc(dc);
          if (hooks.on_auth_key_dropped) hooks.on_auth_key_dropped(dc);
          if (options.authorized && dc == options.main_dc) {
            logged_out(e.message);
            co_return rpc(CallError::Kind::LoggedOut);
          }
          co_return rpc();
        }
        case ErrorAction::None:
          co_return rpc();
      }
    }
  }

  // Waits until the call before `me` in its queue is sent on `c` (→ its ticket, to name) or done
  // (→ nothing to name); a send numbered `past` or lower does not count (it failed). A call before
  // it that was sent on another connection is waited for until it is done.
  awaitable<std::variant<std::optional<CallTicket>, CallError>> wait_turn(QueueNode& me,
                                                                          const MtprotoClient* c,
                                                                          Clock::time_point deadline,
                                                                          std::uint64_t past) {
    while (true) {
      if (stopped) co_return failed("session stopped");
      const std::shared_ptr<QueueNode>& before = me.previous;
      if (!before || before->state == QueueNode::State::Done) {
        me.previous.reset();
        me.chained_to = 0;
        co_return std::optional<CallTicket>{};
      }
      if (before->state == QueueNode::State::Sent && before->client == c && before->sends > past) {
        me.chained_to = before->sends;
        co_return std::optional<CallTicket>{before->ticket};
      }
      me.wake.expires_at(deadline);
      sleepers.push_back(&me.wake);
      const auto it = std::prev(sleepers.end());
      auto [ec] = co_await me.wake.async_wait(as_tuple_awaitable);
      sleepers.erase(it);
      if (!ec) co_return failed("timeout (waiting for the call before it in the queue)");
    }
  }

  void logged_out(const std::string& reason) {
    options.authorized = false;
    options.authorized_dcs.clear();
    if (hooks.on_logged_out) hooks.on_logged_out(reason);
  }

  void set_main_dc(std::int32_t dc) {
    if (dc == options.main_dc) return;
    options.main_dc = dc;
    if (hooks.on_main_dc) hooks.on_main_dc(dc);
  }

  // A DC's auth key, made by a cheap call on its main connection, before a file connection shares it.
  awaitable<std::optional<CallError>> ensure_key(std::int32_t dc, Clock::time_point deadline) {
    MtprotoClient* c = client(dc, ConnectionKind::Main);
    if (c == nullptr) co_return failed("no address for DC " + std::to_string(dc));
    const auto left = remaining(deadline);
    if (!left) co_return failed("timeout");
    CallResult r = co_await c->call(single_id(kHelpGetNearestDc), {.timeout = *left});
    if (auto* f = std::get_if<CallFailed>(&r)) co_return failed(std::move(f->reason));
    if (!keys.contains(dc)) co_return failed("no auth key for DC " + std::to_string(dc));
    co_return std::nullopt;
  }

  // auth.exportAuthorization on the main DC, auth.importAuthorization on `dc` (facts §5.3); one at
  // a time per DC, shared by the calls that wait for it.
  awaitable<std::optional<CallError>> authorize_on(std::int32_t dc, Clock::time_point deadline) {
    if (auto it = authorizing.find(dc); it != authorizing.end()) {
      auto pending = it->second;
      if (!pending->finished) co_await pending->done.async_wait(as_tuple_awaitable);
      co_return pending->error;
    }
    auto pending = std::make_shared<Authorizing>(ex);
    authorizing.emplace(dc, pending);
    pending->error = co_await export_import(dc, deadline);
    pending->finished = true;
    pending->done.cancel();
    authorizing.erase(dc);
    if (!pending->error) {
      options.authorized_dcs.insert(dc);
      if (hooks.on_dc_authorized) hooks.on_dc_authorized(dc);
    }
    co_return pending->error;
  }

  awaitable<std::optional<CallError>> export_import(std::int32_t dc, Clock::time_point deadline) {
    Bytes export_query;
    tl::TlWriter w(export_query);
    w.u32(kAuthExportAuthorization);
    w.i32(dc);
    MethodMetrics& em = metrics[kAuthExportAuthorization];
    ++em.calls;
    InvokeResult exported =
        co_await run(std::move(export_query), {.dc = options.main_dc}, deadline, em, false);
    if (auto* error = std::get_if<CallError>(&exported)) co_return *error;
    ++em.ok;
    tl::TlReader r(std::get<Bytes>(exported));
    const std::uint32_t constructor = r.u32();
    const std::int64_t id = r.i64();
    const ByteSpan view = r.bytes();
    const Bytes bytes(view.begin(), view.end());
    if (!r.done() || constructor != kAuthExportedAuthorization)
      co_return failed("auth.exportAuthorization: unexpected answer");

    Bytes import_query;
    tl::TlWriter iw(import_query);
    iw.u32(kAuthImportAuthorization);
    iw.i64(id);
    if (!iw.bytes(bytes)) co_return failed("auth.exportAuthorization: oversized bytes");
    MethodMetrics& im = metrics[kAuthImportAuthorization];
    ++im.calls;
    InvokeResult imported = co_await run(std::move(import_query), {.dc = dc}, deadline, im, false);
    if (auto* error = std::get_if<CallError>(&imported)) co_return *error;
    ++im.ok;
    spdlog::info("authorized on DC {} (exported from DC {})", dc, options.main_dc);
    co_return std::nullopt;
  }

  awaitable<InvokeResult> invoke(Bytes query, InvokeOptions o) {
    auto self = shared_from_this();  // the frame outlives a destroyed Invoker until it ends
    const auto start = Clock::now();
    const auto deadline = start + o.timeout.value_or(options.call_timeout);
    MethodMetrics& m = metrics[constructor_of(query)];
    ++m.calls;
    ++in_flight;
    if (o.connection == ConnectionKind::File) wrap_without_updates_in_place(query);
    InvokeResult result = co_await run(std::move(query), o, deadline, m, true);
    // Telegram has it (or it failed for good): the next call in the queue need not name it.
    if (o.queue != nullptr) o.queue->finish();
    --in_flight;
    const auto took = Clock::now() - start;
    m.total_time += took;
    m.latency.observe(std::chrono::duration<double>(took).count());
    if (std::holds_alternative<Bytes>(result)) {
      ++m.ok;
    } else if (std::get<CallError>(result).kind == CallError::Kind::Failed) {
      ++m.failed;
    } else {
      ++m.rpc_errors;
    }
    co_return result;
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    for (auto& [key, c] : clients) c->stop();
    for (asio::steady_timer* t : sleepers) t->cancel();
    for (auto& [dc, pending] : authorizing) pending->done.cancel();
  }
};

Invoker::Invoker(asio::any_io_executor executor, InvokerOptions options, InvokerHooks hooks)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(hooks))) {}

Invoker::~Invoker() { impl_->stop(); }

awaitable<InvokeResult> Invoker::invoke(Bytes query, InvokeOptions options) {
  return impl_->invoke(std::move(query), options);
}

std::int32_t Invoker::main_dc() const { return impl_->options.main_dc; }
void Invoker::set_main_dc(std::int32_t dc) { impl_->set_main_dc(dc); }
void Invoker::set_authorized(bool authorized) {
  impl_->options.authorized = authorized;
  if (!authorized) impl_->options.authorized_dcs.clear();
}
bool Invoker::authorized() const { return impl_->options.authorized; }
const std::set<std::int32_t>& Invoker::authorized_dcs() const { return impl_->options.authorized_dcs; }
DcTarget& Invoker::target() { return impl_->options.target; }
const ConnectionParams& Invoker::params() const { return impl_->options.params; }

std::map<std::int32_t, StoredAuthKey> Invoker::auth_keys() const {
  auto keys = impl_->keys;
  for (auto& [key, c] : impl_->clients) {
    if (key.second != ConnectionKind::Main) continue;
    if (auto current = c->auth_key()) keys[key.first] = std::move(*current);
  }
  return keys;
}

const std::map<std::uint32_t, MethodMetrics>& Invoker::metrics() const { return impl_->metrics; }
std::size_t Invoker::open_connections() const { return impl_->clients.size(); }

std::vector<ConnectionStats> Invoker::connections() const {
  std::set<std::pair<std::int32_t, ConnectionKind>> keys;
  for (const auto& [key, c] : impl_->clients) keys.insert(key);
  for (const auto& [key, stats] : impl_->retired) keys.insert(key);
  std::vector<ConnectionStats> out;
  out.reserve(keys.size());
  for (const auto& key : keys) out.push_back(impl_->connection_stats(key));
  return out;
}

std::string_view to_string(ConnectionKind kind) { return kind == ConnectionKind::File ? "file" : "main"; }
std::uint64_t Invoker::in_flight() const { return impl_->in_flight; }
void Invoker::stop() { impl_->stop(); }

}  // namespace tgd::session
