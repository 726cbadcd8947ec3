// ClientSession, recovery: bad_msg_notification / bad_server_salt (facts §3.8, §3.9), resends,
// message status reports, lost connections and new sessions. Every path ends in either a resend
// (same RequestId, new msg_id) or exactly one outcome event through finish().
#include <algorithm>
#include <cstring>

#include "protocol/mtproto/client/client_session.hpp"
#include "protocol/mtproto/client/service_messages.hpp"

namespace tgd::mtproto {

using client_detail::Request;
using client_detail::RequestState;

void ClientSession::on_bad_msg(std::uint64_t carrier_msg_id, ByteSpan body, UnixNanos now,
                               std::vector<ClientEvent>& events) {
  const auto v = client_detail::parse_bad_msg(body);
  if (!v) {
    ++counters_.dropped_malformed;
    return;
  }
  ++counters_.bad_msg_notifications;
  // Only notifications about what we sent recently are believed (facts §3.9).
  const SentEntry* found = sent_.find(v->bad_msg_id);
  if (found == nullptr) {
    ++counters_.ignored_notifications;
    return;
  }
  const SentEntry entry = *found;
  const auto resend_affected = [&] {
    for_each_affected(v->bad_msg_id, entry, [&](RequestId id, Request& r) { resend(id, r); });
    release_services(v->bad_msg_id, true);
  };

  if (v->new_server_salt) {  // bad_server_salt (code 48)
    ++counters_.bad_server_salts;
    salts_.on_bad_server_salt(*v->new_server_salt);
    resend_affected();
    return;
  }
  switch (v->error_code) {
    case 16:  // msg_id too low
      // Take the server's time from the message that carried the notification (facts §3.8).
      clock_.resync(carrier_msg_id, now);
      resend_affected();
      return;
    case 17:  // msg_id too high
      // The clock moves back, so new msg_ids may be lower than ones this session already sent,
      // which a strict server refuses (16, in a loop). Like tdlib, continue in a new session,
      // which resends everything unanswered.
      clock_.resync(carrier_msg_id, now);
      start_new_session();
      return;
    case 20:  // too old for the server to know whether it got it
    case 48:  // bad salt without a new one: the current salt may work
      resend_affected();
      return;
    case 32:  // seq_no too low
    case 33:  // seq_no too high
      // Our seq_no bookkeeping is off; a new session starts it afresh (facts §3.9 advice) and
      // resends everything unanswered.
      start_new_session();
      return;
    case 34:  // even seq_no expected
    case 35:  // odd seq_no expected
      for_each_affected(v->bad_msg_id, entry, [&](RequestId id, Request& r) {
        r.content_related = v->error_code == 35;
        resend(id, r);
      });
      release_services(v->bad_msg_id, false);
      return;
    default:  // 18, 19, 64 and unknown codes: our bug, resending would fail the same way
      for_each_affected(v->bad_msg_id, entry, [&](RequestId id, Request& r) {
        ++counters_.failed;
        finish(id, r, client_event::Failed{id, FailReason::Rejected, v->error_code}, events);
      });
      release_services(v->bad_msg_id, false);
      return;
  }
}

void ClientSession::release_services(std::uint64_t msg_id, bool retry) {
  // release_service may queue new messages but never touches tracked_, so iterate over a
  // partition of it.
  auto affected = std::stable_partition(tracked_.begin(), tracked_.end(), [&](const TrackedService& t) {
    return t.msg_id != msg_id && t.container_id != msg_id;
  });
  std::vector<TrackedService> released(std::make_move_iterator(affected),
                                       std::make_move_iterator(tracked_.end()));
  tracked_.erase(affected, tracked_.end());
  for (auto& t : released) release_service(t, retry);
}

void ClientSession::release_service(TrackedService& t, bool retry) {
  Bytes body;
  switch (t.kind) {
    case SentKind::KeepAlive:
      if (retry) last_ping_at_.reset();  // the next flush sends a new one
      return;
    case SentKind::Ping:
      if (retry) {
        client_detail::write_ping(body, t.value);
        queue_service(SentKind::Ping, true, std::move(body), t.value);
      }
      return;
    case SentKind::FutureSalts:
      last_salt_request_at_.reset();  // may ask again at once
      return;
    case SentKind::DropAnswer:
      if (retry) {
        client_detail::write_rpc_drop_answer(body, static_cast<std::uint64_t>(t.value));
        queue_service(SentKind::DropAnswer, true, std::move(body), t.value);
      }
      return;
    case SentKind::DestroySession:
      if (retry) {
        client_detail::write_destroy_session(body, t.value);
        queue_service(SentKind::DestroySession, true, std::move(body), t.value);
      }
      return;
    default:  // StateReq: the state checks ask again when due
      return;
  }
}

void ClientSession::resend(RequestId id, Request& r) {
  if (r.state != RequestState::Sent) return;
  // The old transmission stays known until it ages out: if its answer still comes, it is the
  // answer (the first one wins, a later one is ignored).
  aged_.push_back(AgedId{r.msg_id, last_now_});
  requests_.requeue(id, r);
  ++counters_.resends;
}

void ClientSession::apply_message_status(std::uint64_t msg_id, std::uint8_t status) {
  const SentEntry* found = sent_.find(msg_id);
  if (found == nullptr) return;
  const SentEntry entry = *found;
  // Low three bits (facts §3.10): 1..3 the server does not have it, 4 it does.
  switch (status & 7) {
    case 1:
    case 2:
    case 3:
      for_each_affected(msg_id, entry, [&](RequestId id, Request& r) { resend(id, r); });
      return;
    case 4:
      for_each_affected(msg_id, entry, [](RequestId, Request& r) { r.acked = true; });
      return;
    default:
      return;
  }
}

void ClientSession::finish(RequestId id, Request& r, ClientEvent event, std::vector<ClientEvent>& events) {
  if (r.state == RequestState::Sent) sent_.erase(r.msg_id);
  if (r.has_dependents && r.last_msg_id != 0) {
    finished_msg_ids_[id.value] = r.last_msg_id;
    finished_order_.push_back(FinishedPredecessor{id, last_now_});
  }
  requests_.release(r);
  events.push_back(std::move(event));
}

void ClientSession::on_disconnect() {
  // Everything sent and unanswered goes out again on the next connection, with new msg_ids; the
  // server may still answer the old transmission, and whichever answer comes first wins.
  requests_.for_each_live([&](RequestId id, Request& r) { resend(id, r); });
  std::vector<TrackedService> released = std::move(tracked_);
  tracked_.clear();
  for (auto& t : released) release_service(t, true);
  quick_acks_.clear();
  connection_started_ = false;
}

void ClientSession::reset_session_state() {
  std::int64_t id = session_id_;
  while (id == session_id_ || id == 0) {
    std::uint8_t b[8];
    random_(b);
    std::memcpy(&id, b, 8);
  }
  session_id_ = id;
  content_messages_ = 0;
  ++session_generation_;
  // Server msg_ids, acks and status answers belong to the old session.
  received_.clear();
  pending_acks_.clear();
  std::erase_if(pending_service_, [](const PendingService& s) {
    return s.kind == SentKind::StateInfo || s.kind == SentKind::ResendReq || s.kind == SentKind::DropAnswer;
  });
  requests_.for_each_live([&](RequestId rid, Request& r) {
    if (r.state != RequestState::Sent) return;
    requests_.requeue(rid, r);
    ++counters_.resends;
  });
  // Answers to the old session never reach the new one, so nothing sent before is worth knowing.
  sent_.clear();
  aged_.clear();
  sent_order_.clear();
  finished_msg_ids_.clear();
  finished_order_.clear();
  std::vector<TrackedService> released = std::move(tracked_);
  tracked_.clear();
  for (auto& t : released) release_service(t, t.kind != SentKind::DropAnswer);
}

}  // namespace tgd::mtproto
