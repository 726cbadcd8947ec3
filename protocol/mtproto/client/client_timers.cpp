// ClientSession, time: request deadlines, keep-alive pings, ack flush delay, future-salt refresh
// and state checks of unacknowledged requests. The session has no timers of its own:
// next_deadline() tells the driver when to call on_timer().
#include <algorithm>
#include <chrono>

#include "protocol/mtproto/client/client_session.hpp"
#include "protocol/mtproto/client/service_messages.hpp"

namespace tgd::mtproto {

using client_detail::Request;
using client_detail::RequestState;

std::optional<UnixNanos> ClientSession::next_deadline() const {
  std::optional<UnixNanos> next;
  const auto consider = [&](UnixNanos t) {
    if (!next || t < *next) next = t;
  };
  if (!timeouts_.empty()) consider(timeouts_.front().deadline);
  if (!pending_acks_.empty()) consider(oldest_ack_at_ + options_.ack_delay);
  if (options_.ping_interval.count() > 0 && last_ping_at_) consider(*last_ping_at_ + options_.ping_interval);
  if (const auto salts = salt_refresh_at()) consider(*salts);
  if (options_.state_check_after.count() > 0 && !sent_order_.empty()) {
    consider(sent_order_.front().at + options_.state_check_after);
  }
  return next;
}

void ClientSession::on_timer(UnixNanos now, std::vector<ClientEvent>& events) {
  last_now_ = now;
  while (!timeouts_.empty() && timeouts_.front().deadline <= now) {
    const Timeout t = timeouts_.front();
    std::pop_heap(timeouts_.begin(), timeouts_.end(), Timeout::later);
    timeouts_.pop_back();
    Request* r = requests_.find(t.id);
    if (r == nullptr || r->deadline != t.deadline) continue;
    // A timed-out request leaves the resend queue; a late answer is ignored.
    ++counters_.timeouts;
    finish(t.id, *r, client_event::Failed{t.id, FailReason::Timeout, 0}, events);
  }
  collect_garbage(now);
  schedule_due(now);
  prune();
}

void ClientSession::schedule_due(UnixNanos now) {
  const auto pending = [&](SentKind kind) {
    return std::any_of(pending_service_.begin(), pending_service_.end(),
                       [kind](const PendingService& s) { return s.kind == kind; });
  };
  // Keep-alive (facts §3.10): at the start of every connection, then every ping_interval.
  if (options_.ping_interval.count() > 0 && !pending(SentKind::KeepAlive) &&
      (!connection_started_ || !last_ping_at_ || now >= *last_ping_at_ + options_.ping_interval)) {
    std::int64_t ping_id = 0;
    random_(MutableByteSpan(reinterpret_cast<std::uint8_t*>(&ping_id), sizeof ping_id));
    Bytes body;
    client_detail::write_ping_delay_disconnect(body, ping_id, options_.ping_disconnect_delay);
    queue_service(SentKind::KeepAlive, true, std::move(body), ping_id);
    last_ping_at_ = now;
  }
  if (salts_need_refresh(now)) {
    Bytes body;
    client_detail::write_get_future_salts(body, options_.future_salts_count);
    queue_service(SentKind::FutureSalts, true, std::move(body));
    last_salt_request_at_ = now;
  }
  schedule_state_checks(now);
}

void ClientSession::schedule_state_checks(UnixNanos now) {
  if (options_.state_check_after.count() <= 0) return;
  std::vector<std::uint64_t> ids;
  while (!sent_order_.empty() && ids.size() < client_detail::kMaxIdsPerMessage) {
    const SentOrder o = sent_order_.front();
    if (!state_check_pending(o)) {
      sent_order_.pop_front();
      continue;
    }
    if (o.at + options_.state_check_after > now) break;
    sent_order_.pop_front();
    ids.push_back(o.msg_id);
    // Asked again later if still unanswered and unacknowledged.
    sent_order_.push_back(SentOrder{o.id, o.msg_id, now});
  }
  if (ids.empty()) return;
  Bytes body;
  client_detail::write_msgs_state_req(body, ids);
  queue_service(SentKind::StateReq, false, std::move(body), 0, std::move(ids));
}

bool ClientSession::state_check_pending(const SentOrder& o) const {
  const Request* r = requests_.find(o.id);
  return r != nullptr && r->state == RequestState::Sent && r->msg_id == o.msg_id && !r->acked;
}

bool ClientSession::salts_need_refresh(UnixNanos now) const {
  const auto at = salt_refresh_at();
  return at && *at <= now;
}

std::optional<UnixNanos> ClientSession::salt_refresh_at() const {
  if (!options_.refresh_future_salts) return std::nullopt;
  const auto asking = [](const auto& list) {
    return std::any_of(list.begin(), list.end(),
                       [](const auto& s) { return s.kind == SentKind::FutureSalts; });
  };
  if (asking(pending_service_) || asking(tracked_)) return std::nullopt;
  // When the last known salt gets within the margin of its end (local time); at once if none.
  UnixNanos at = last_now_;
  if (const auto until = salts_.covered_until()) {
    const std::int64_t local_seconds = *until - options_.salt_refresh_margin.count() - clock_.offset();
    at = std::chrono::duration_cast<UnixNanos>(std::chrono::seconds(local_seconds));
  }
  if (last_salt_request_at_) at = std::max(at, *last_salt_request_at_ + options_.salt_request_interval);
  return at;
}

void ClientSession::collect_garbage(UnixNanos now) {
  while (!aged_.empty() && aged_.front().at + options_.sent_memory <= now) {
    sent_.erase(aged_.front().msg_id);
    aged_.pop_front();
  }
  while (!finished_order_.empty() && finished_order_.front().at + options_.sent_memory <= now) {
    finished_msg_ids_.erase(finished_order_.front().id.value);
    finished_order_.pop_front();
  }
  // Unanswered service messages (a pong or future_salts that never came) are forgotten too;
  // keep-alive and salt refresh then simply ask again.
  std::erase_if(tracked_, [&](const TrackedService& t) { return t.sent_at + options_.sent_memory <= now; });
}

void ClientSession::prune() {
  // Timeouts of requests that have their outcome already; rebuilt when mostly stale so the heap
  // stays proportional to the live requests.
  const auto stale = [&](const Timeout& t) {
    const Request* r = requests_.find(t.id);
    return r == nullptr || r->deadline != t.deadline;
  };
  while (!timeouts_.empty() && stale(timeouts_.front())) {
    std::pop_heap(timeouts_.begin(), timeouts_.end(), Timeout::later);
    timeouts_.pop_back();
  }
  if (timeouts_.size() > 64 && timeouts_.size() > 2 * requests_.live()) {
    std::erase_if(timeouts_, stale);
    std::make_heap(timeouts_.begin(), timeouts_.end(), Timeout::later);
  }
  while (!sent_order_.empty() && !state_check_pending(sent_order_.front())) sent_order_.pop_front();
}

bool ClientSession::acks_due(UnixNanos now) const {
  return !pending_acks_.empty() &&
         (pending_acks_.size() >= options_.ack_flush_count || now >= oldest_ack_at_ + options_.ack_delay);
}

std::int64_t ClientSession::server_seconds(UnixNanos now) const {
  return std::chrono::duration_cast<std::chrono::seconds>(now).count() + clock_.offset();
}

}  // namespace tgd::mtproto
