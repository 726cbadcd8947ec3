// ClientSession: construction and the application-facing calls (send, cancel, ping). The packet
// paths live in client_outbound.cpp and client_inbound.cpp, error recovery in client_recovery.cpp,
// time-driven work in client_timers.cpp.
#include "protocol/mtproto/client/client_session.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "protocol/mtproto/client/service_messages.hpp"

namespace tgd::mtproto {
namespace {

std::int64_t random_nonzero_i64(const RandomSource& random) {
  std::int64_t v = 0;
  while (v == 0) {
    std::uint8_t b[8];
    random(b);
    std::memcpy(&v, b, 8);
  }
  return v;
}

}  // namespace

ClientSession::ClientSession(crypto::AuthKey key, std::int64_t server_salt, std::int64_t time_offset,
                             ClientSessionOptions options, RandomSource random)
    : key_(std::move(key)),
      options_(options),
      random_(std::move(random)),
      clock_(time_offset),
      salts_(server_salt),
      session_id_(random_nonzero_i64(random_)),
      received_(options.received_window),
      assembler_(options.max_container_messages, options.max_container_bytes) {}

void ClientSession::start_new_session() {
  reset_session_state();
  ++counters_.sessions_started;
}

RequestId ClientSession::send(Bytes query, SendOptions options) {
  const RequestId id = requests_.add(std::move(query), options);
  if (id && options.after) {
    if (client_detail::Request* before = requests_.find(options.after)) before->has_dependents = true;
  }
  if (id && options.deadline) {
    timeouts_.push_back(Timeout{*options.deadline, id});
    std::push_heap(timeouts_.begin(), timeouts_.end(), Timeout::later);
  }
  return id;
}

bool ClientSession::cancel(RequestId id, bool drop_answer) {
  client_detail::Request* r = requests_.find(id);
  if (r == nullptr) return false;
  if (r->state == client_detail::RequestState::Sent) {
    // The transmission stays known until it ages out, so its late answer is recognised and
    // ignored rather than counted as unknown.
    aged_.push_back(AgedId{r->msg_id, last_now_});
    if (drop_answer) {
      Bytes body;
      client_detail::write_rpc_drop_answer(body, r->msg_id);
      queue_service(SentKind::DropAnswer, true, std::move(body), static_cast<std::int64_t>(r->msg_id));
    }
  }
  requests_.release(*r);
  ++counters_.cancelled;
  return true;
}

std::int64_t ClientSession::ping() {
  const std::int64_t ping_id = random_nonzero_i64(random_);
  Bytes body;
  client_detail::write_ping(body, ping_id);
  queue_service(SentKind::Ping, true, std::move(body), ping_id);
  return ping_id;
}

void ClientSession::destroy_session(std::int64_t other_session_id) {
  Bytes body;
  client_detail::write_destroy_session(body, other_session_id);
  queue_service(SentKind::DestroySession, true, std::move(body), other_session_id);
}

void ClientSession::queue_service(SentKind kind, bool content_related, Bytes body, std::int64_t value,
                                  std::vector<std::uint64_t> msg_ids) {
  pending_service_.push_back(
      PendingService{kind, content_related, std::move(body), value, std::move(msg_ids)});
}

void ClientSession::on_quick_ack(std::uint32_t token, std::vector<ClientEvent>& events) {
  auto it = std::find_if(quick_acks_.begin(), quick_acks_.end(),
                         [token](const QuickAckRecord& q) { return q.token == token; });
  if (it == quick_acks_.end()) return;
  ++counters_.quick_acks;
  client_event::QuickAcked acked;
  for (RequestId id : it->ids) {
    if (requests_.find(id) != nullptr) acked.ids.push_back(id);  // still waiting for an outcome
  }
  quick_acks_.erase(it);
  if (!acked.ids.empty()) events.push_back(std::move(acked));
}

ClientCounters ClientSession::counters() const {
  ClientCounters c = counters_;
  c.queued = requests_.queued();
  c.in_flight = requests_.in_flight();
  return c;
}

ClientSession::TrackedService* ClientSession::find_tracked(std::uint64_t msg_id) {
  for (auto& t : tracked_) {
    if (t.msg_id == msg_id) return &t;
  }
  return nullptr;
}

}  // namespace tgd::mtproto
