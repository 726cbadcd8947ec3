// GET /metrics: the numbers `status` reports (info_methods.cpp), as Prometheus counters, gauges and
// histograms — JSON-RPC requests by method, per session: Telegram methods, MTProto connections per
// DC, the update engine, the journal and its subscribers; subscriptions, transfers — and the event
// loop's stall histogram. Names and labels are documented in README.md ("Metrics").
#include <chrono>
#include <string>
#include <variant>

#include "daemon/loop/stall_watchdog.hpp"
#include "daemon/stream/update_stream.hpp"
#include "daemon/transfers/transfers.hpp"
#include "protocol/base/histogram.hpp"
#include "rpc/methods/methods_impl.hpp"
#include "rpc/server/metrics_text.hpp"

namespace tgd::rpc {

namespace {

constexpr session::SessionState kStates[] = {
    session::SessionState::New,
    session::SessionState::WaitingCode,
    session::SessionState::WaitingPassword,
    session::SessionState::WaitingSignUp,
    session::SessionState::Ready,
    session::SessionState::LoggedOut,
};

double n(std::uint64_t value) { return static_cast<double>(value); }

}  // namespace

std::string Methods::Impl::in_flight_summary() const {
  std::string out = std::to_string(in_flight) + " request(s) in flight";
  const char* separator = ": ";
  const auto list = [&](std::string_view method, std::uint64_t count) {
    if (count == 0) return;
    out += separator;
    out += method;
    if (count > 1) out += " x" + std::to_string(count);
    separator = ", ";
  };
  for (const auto& [method, stats] : method_stats) list(method, stats.in_flight);
  list("(unknown)", unknown_method_stats.in_flight);
  return out;
}

std::string Methods::metrics() {
  const Impl& impl = *impl_;
  metrics::Writer w;
  w.gauge("tgd_uptime_seconds", "Seconds since the daemon started", {},
          std::chrono::duration<double>(std::chrono::steady_clock::now() - impl.started).count());
  w.gauge("tgd_requests_in_flight", "JSON-RPC requests being served now (every method)", {},
          n(impl.in_flight));
  // Requests by method name: known names only; any other counts as "(unknown)".
  const auto method_stats = [&](const std::string& method, const Impl::MethodStats& m) {
    w.counter("tgd_rpc_method_requests_total",
              "JSON-RPC requests ended, by method and outcome: ok, telegram_error (Telegram's error passed "
              "on) or error (tgd's own: bad params, unknown method, timeout...)",
              {{"method", method}, {"outcome", "ok"}}, n(m.ok));
    w.counter("tgd_rpc_method_requests_total", "", {{"method", method}, {"outcome", "telegram_error"}},
              n(m.telegram_errors));
    w.counter("tgd_rpc_method_requests_total", "", {{"method", method}, {"outcome", "error"}}, n(m.errors));
    w.histogram("tgd_rpc_method_duration_seconds", "Time JSON-RPC requests took, by method",
                {{"method", method}}, LatencyHistogram::bounds(), m.latency.buckets, m.latency.sum);
  };
  for (const auto& [method, m] : impl.method_stats) method_stats(method, m);
  if (impl.unknown_method_stats.latency.count() > 0) method_stats("(unknown)", impl.unknown_method_stats);
  for (session::Session* s : impl.manager.sessions()) {
    const std::string name(s->name());
    for (session::SessionState state : kStates) {
      w.gauge("tgd_session_state", "1 for the state each session is in, 0 for the others",
              {{"session", name}, {"state", std::string(session::to_string(state))}},
              s->state() == state ? 1 : 0);
    }
    session::Invoker& invoker = s->invoker();
    w.gauge("tgd_session_connections_open", "MTProto connections a session has open now", {{"session", name}},
            n(invoker.open_connections()));
    w.gauge("tgd_telegram_calls_in_flight", "Telegram API calls a session is waiting on now",
            {{"session", name}}, n(invoker.in_flight()));
    for (const session::ConnectionStats& c : invoker.connections()) {
      const metrics::Labels labels{
          {"session", name}, {"dc", std::to_string(c.dc)}, {"kind", std::string(session::to_string(c.kind))}};
      auto with = [&](std::string_view label, std::string value) {
        metrics::Labels out = labels;
        out.emplace_back(label, std::move(value));
        return out;
      };
      w.gauge("tgd_mtproto_connections",
              "MTProto connections by DC and kind (main, file): 1 connected, 0 connecting or closed", labels,
              c.connected ? 1 : 0);
      w.counter("tgd_mtproto_reconnects_total", "MTProto connections made again after a connection's first",
                labels, n(c.reconnects));
      w.counter("tgd_mtproto_resends_total", "MTProto requests sent again (reconnects, bad_msg, no ack)",
                labels, n(c.resends));
      w.counter("tgd_mtproto_bad_msg_notifications_total",
                "bad_msg_notification and bad_server_salt answers from the server", labels,
                n(c.bad_msg_notifications));
      w.counter("tgd_mtproto_bytes_total", "MTProto packet bytes (encrypted payloads) sent and received",
                with("direction", "sent"), n(c.bytes_sent));
      w.counter("tgd_mtproto_bytes_total", "", with("direction", "received"), n(c.bytes_received));
    }
    for (const auto& [id, m] : invoker.metrics()) {
      const tl::Combinator* c = impl.schema.find(id);
      const std::string method = c != nullptr ? c->name : "#" + std::to_string(id);
      auto labels = [&](metrics::Labels extra = {}) {
        metrics::Labels out{{"session", name}, {"method", method}};
        out.insert(out.end(), extra.begin(), extra.end());
        return out;
      };
      w.counter("tgd_telegram_calls_total", "Telegram API calls made, by session and method", labels(),
                n(m.calls));
      w.counter("tgd_telegram_call_outcomes_total",
                "Telegram API calls ended: ok, rpc_error (Telegram refused) or failed (no answer, timeout, "
                "cancelled)",
                labels({{"outcome", "ok"}}), n(m.ok));
      w.counter("tgd_telegram_call_outcomes_total", "", labels({{"outcome", "rpc_error"}}), n(m.rpc_errors));
      w.counter("tgd_telegram_call_outcomes_total", "", labels({{"outcome", "failed"}}), n(m.failed));
      w.counter("tgd_telegram_flood_waits_total", "FLOOD_WAIT answers (waited out or passed on)", labels(),
                n(m.flood_waits));
      w.counter("tgd_telegram_retries_total", "Telegram API calls sent again (reconnects, resends, waits)",
                labels(), n(m.retries));
      w.counter("tgd_telegram_migrations_total", "*_MIGRATE answers followed to another DC", labels(),
                n(m.migrations));
      w.histogram("tgd_telegram_call_duration_seconds", "Time Telegram API calls took, retries included",
                  labels(), LatencyHistogram::bounds(), m.latency.buckets, m.latency.sum);
    }
    // The update engine (while Ready): what came in, what it asked for, what it journaled.
    if (auto u = s->update_stats()) {
      const metrics::Labels labels{{"session", name}};
      w.counter("tgd_updates_pushed_total", "Updates objects Telegram pushed", labels, n(u->pushes));
      w.counter("tgd_updates_undecodable_total",
                "Pushed updates that could not be read (a difference is fetched)", labels, n(u->undecodable));
      w.counter("tgd_updates_requests_total", "getState / getDifference / getChannelDifference requests made",
                labels, n(u->requests));
      w.counter("tgd_updates_request_failures_total", "Of those, failed ones", labels,
                n(u->request_failures));
      w.counter("tgd_updates_published_total", "Updates journaled and published to subscribers", labels,
                n(u->published));
      w.counter("tgd_updates_shed_total", "Pushes dropped while overloaded (fetched again later)", labels,
                n(u->shed));
      if (impl.store != nullptr) {
        const auto last = impl.store->last_journal_seq(s->name());
        const auto committed = impl.store->committed_journal_seq(s->name());
        w.gauge("tgd_journal_last_seq", "The update journal's last seq", labels, static_cast<double>(last));
        w.gauge("tgd_journal_committed_seq", "The update journal's last committed (released) seq", labels,
                static_cast<double>(committed));
        if (auto range = impl.store->journal_range(s->name());
            auto* r = std::get_if<store::JournalRange>(&range))
          w.gauge("tgd_journal_entries", "Updates kept in the journal (committed, not trimmed yet)", labels,
                  static_cast<double>(r->count));
      }
    }
    if (impl.options.updates != nullptr) {
      const stream::SessionStreamStats u = impl.options.updates->session_stats(name);
      const metrics::Labels labels{{"session", name}};
      w.histogram("tgd_updates_lag_seconds",
                  "How old updates were when released to subscribers: now minus the update's date "
                  "(Telegram's clock, whole seconds); updates without a date are not counted",
                  labels, stream::UpdateLagHistogram::bounds(), u.update_lag.buckets, u.update_lag.sum);
      w.gauge("tgd_session_subscriptions", "Update subscriptions that want this session's updates", labels,
              n(u.subscriptions));
      w.gauge("tgd_subscription_lag_max",
              "Released updates of this session the furthest-behind subscription has not been sent yet",
              labels, static_cast<double>(u.max_lag));
      w.gauge("tgd_subscription_lag_total", "The same, added up over this session's subscriptions", labels,
              static_cast<double>(u.total_lag));
    }
  }
  if (impl.options.updates != nullptr) {
    const stream::Stats u = impl.options.updates->stats();
    w.gauge("tgd_subscriptions_active", "Update subscriptions now", {}, n(u.subscriptions));
    w.counter("tgd_subscription_notifications_total", "Update notifications queued to subscribers", {},
              n(u.notified));
    w.counter("tgd_subscriptions_paced_total",
              "Bursts that filled a subscriber's buffer (delivery went on paced)", {}, n(u.paced));
    w.counter("tgd_subscriptions_lagged_total", "Subscriptions ended for lagging", {}, n(u.lagged));
    w.counter("tgd_subscriptions_dropped_total", "Subscriptions ended because their connection went", {},
              n(u.dropped));
    w.counter("tgd_updates_released_total", "Updates committed and released to subscribers", {},
              n(u.released));
  }
  if (impl.options.transfers != nullptr) {
    const transfers::Stats t = impl.options.transfers->stats();
    w.gauge("tgd_transfers_active", "File transfers running now", {}, n(t.active));
    w.counter("tgd_transfers_started_total", "File transfers started", {{"direction", "download"}},
              n(t.downloads));
    w.counter("tgd_transfers_started_total", "", {{"direction", "upload"}}, n(t.uploads));
    w.counter("tgd_transfers_failed_total", "File transfers that gave up", {}, n(t.failed));
    w.counter("tgd_transfers_cancelled_total", "File transfers cancelled", {}, n(t.cancelled));
    w.counter("tgd_transfer_bytes_total", "File bytes transferred", {{"direction", "download"}},
              n(t.bytes_downloaded));
    w.counter("tgd_transfer_bytes_total", "", {{"direction", "upload"}}, n(t.bytes_uploaded));
    w.counter("tgd_transfer_part_retries_total", "File parts requested again", {}, n(t.part_retries));
    w.counter("tgd_transfer_reference_refreshes_total", "Expired file references fetched anew", {},
              n(t.reference_refreshes));
  }
  if (impl.options.stalls != nullptr) {
    const loop::StallStats& s = impl.options.stalls->stats();
    w.histogram(
        "tgd_event_loop_lateness_seconds",
        "How late the event loop's watchdog timer woke: how long the loop was busy with something else", {},
        loop::StallStats::kBounds, s.buckets, s.sum_seconds);
    w.counter("tgd_event_loop_stalls_total",
              "Event loop stalls over the threshold (each logged as a warning)", {}, n(s.stalls));
  }
  return w.done();
}

}  // namespace tgd::rpc
