// ServerSession: answers, updates, acknowledgements and flushing them as packets.
#include <algorithm>
#include <cstdint>

#include "protocol/mtproto/server/auth_key_state.hpp"
#include "protocol/mtproto/server/server_session.hpp"
#include "protocol/mtproto/server/service_reader.hpp"
#include "protocol/mtproto/server/service_writer.hpp"

namespace tgd::mtproto::server {

bool ServerSession::answer(std::uint64_t msg_id, ByteSpan result, bool compressible) {
  RequestLog::Request* r = requests_.find(msg_id);
  if (r == nullptr || r->state != RequestLog::State::kRunning) {
    ++dc_.counters.late_answers;
    return false;
  }
  Bytes body;
  wire::rpc_result(body, msg_id, result, compressible ? dc_.limits.gzip_min_size : SIZE_MAX);
  ++dc_.counters.answers;
  queue_answer(*r, msg_id, std::move(body), true);
  return true;
}

bool ServerSession::answer_error(std::uint64_t msg_id, std::int32_t code, std::string_view message) {
  Bytes error;
  wire::rpc_error(error, code, message);
  if (!answer(msg_id, error)) return false;
  ++dc_.counters.rpc_errors;
  return true;
}

void ServerSession::push(ByteSpan updates) {
  Bytes body;
  wire::maybe_gzip(body, updates, dc_.limits.gzip_min_size);
  ++dc_.counters.pushes;
  queue_push(std::move(body));
}

void ServerSession::offer_answer(std::uint64_t req_msg_id, const RequestLog::Request& r) {
  if (r.answer.size() <= dc_.limits.detailed_info_min_bytes) return queue_replay(req_msg_id, r.answer);
  queue_detailed_info(req_msg_id, r);
}

void ServerSession::queue_detailed_info(std::uint64_t req_msg_id, const RequestLog::Request& r) {
  // msg_id = the request, answer_msg_id = the answer's latest copy, which msg_resend_req then
  // fetches whole. status: the docs say "currently always zero", but mtcute 0.28 fails the call on
  // status 0 with an answer id (Appendix B.7) while tdlib reads the low bits as msgs_state_info's
  // (4 = received), so it carries the request's state byte (4 | 8 | 32 | 64 [| 128]).
  Bytes body;
  wire::msg_detailed_info(body, req_msg_id, r.answer_msg_id, static_cast<std::uint32_t>(r.answer.size()),
                          message_status(req_msg_id));
  queue_service(std::move(body), false, MsgIdKind::ServerResponse);
  ++dc_.counters.detailed_infos;
}

void ServerSession::offer_push(std::uint64_t msg_id) {
  const Bytes* body = pushes_.find(msg_id);
  if (body == nullptr) return;
  if (body->size() <= dc_.limits.detailed_info_min_bytes) {
    resend_push(msg_id);
    return;
  }
  // "Messages created on the server not in response to an RPC query ... transmitted to the client
  // some time ago, but not acknowledged": the client asks for it by this id if it lacks it.
  Bytes info;
  wire::msg_new_detailed_info(info, msg_id, static_cast<std::uint32_t>(body->size()), 0);
  queue_service(std::move(info), false, MsgIdKind::ServerOther);
  ++dc_.counters.detailed_infos;
}

void ServerSession::queue_push(Bytes body) {
  // Not an answer to anything: msg_id ≡ 3 mod 4 (facts §3.5); content-related, so the client acks
  // it, and kept until then.
  outbox_.push({std::move(body), 0, true, MsgIdKind::ServerOther, OutgoingMessage::Role::kPush});
}

void ServerSession::queue_service(Bytes body, bool content_related, MsgIdKind kind, bool standalone) {
  outbox_.push({std::move(body), 0, content_related, kind, OutgoingMessage::Role::kService, standalone});
}

void ServerSession::queue_answer(RequestLog::Request& r, std::uint64_t req_msg_id, Bytes rpc_result,
                                 bool subject_to_faults) {
  OutgoingMessage m{std::move(rpc_result), req_msg_id, true, MsgIdKind::ServerResponse,
                    OutgoingMessage::Role::kAnswer};
  std::optional<OutgoingMessage> copy;
  if (subject_to_faults && dc_.faults.duplicate_answers > 0) {
    --dc_.faults.duplicate_answers;
    copy =
        OutgoingMessage{m.body, req_msg_id, true, MsgIdKind::ServerResponse, OutgoingMessage::Role::kReplay};
    ++dc_.counters.answers_resent;
  }
  if (subject_to_faults && dc_.faults.hold_answers) {
    r.state = RequestLog::State::kHeld;
    held_.push_back(std::move(m));
    if (copy) held_.push_back(std::move(*copy));
  } else {
    r.state = RequestLog::State::kQueued;
    outbox_.push(std::move(m));
    if (copy) outbox_.push(std::move(*copy));
  }
}

void ServerSession::queue_replay(std::uint64_t req_msg_id, const Bytes& rpc_result) {
  // A new copy with a new msg_id (re-sending never reuses an id, facts §3.5); the client matches it
  // by req_msg_id.
  outbox_.push({rpc_result, req_msg_id, true, MsgIdKind::ServerResponse, OutgoingMessage::Role::kReplay});
  ++dc_.counters.answers_resent;
}

void ServerSession::release_answers(ReleaseOrder order) {
  if (order == ReleaseOrder::kReversed) std::reverse(held_.begin(), held_.end());
  for (OutgoingMessage& m : held_) {
    if (m.role == OutgoingMessage::Role::kAnswer) {
      if (RequestLog::Request* r = requests_.find(m.req_msg_id)) r->state = RequestLog::State::kQueued;
    }
    outbox_.push(std::move(m));
  }
  held_.clear();
}

void ServerSession::resend_unacked() {
  // Answers and updates, in the order they were last sent.
  unacked_scratch_.clear();
  requests_.for_each_unacked([&](std::uint64_t req, const RequestLog::Request& r) {
    unacked_scratch_.push_back({r.answer_msg_id, req});
  });
  pushes_.for_each([&](std::uint64_t msg_id, const Bytes&) { unacked_scratch_.push_back({msg_id, 0}); });
  std::sort(unacked_scratch_.begin(), unacked_scratch_.end(),
            [](const Unacked& a, const Unacked& b) { return a.msg_id < b.msg_id; });
  // Large ones are only announced (msg_detailed_info / msg_new_detailed_info, facts §3.10).
  for (const Unacked& u : unacked_scratch_) {
    if (u.req_msg_id != 0) {
      offer_answer(u.req_msg_id, *requests_.find(u.req_msg_id));
    } else {
      offer_push(u.msg_id);
    }
  }
  unacked_scratch_.clear();
}

bool ServerSession::resend_push(std::uint64_t msg_id) {
  std::optional<Bytes> body = pushes_.take(msg_id);
  if (!body) return false;
  queue_push(std::move(*body));
  ++dc_.counters.pushes_resent;
  return true;
}

void ServerSession::queue_acks() {
  // Content-related client messages are acknowledged (facts §3.12), except requests whose answer is
  // already on its way: the rpc_result acknowledges them.
  ack_scratch_.clear();
  for (const PendingAck& p : pending_acks_) {
    if (p.request) {
      RequestLog::Request* r = requests_.find(p.msg_id);
      if (r == nullptr || (r->state != RequestLog::State::kRunning && r->state != RequestLog::State::kHeld))
        continue;
      r->acked_by_server = true;
    }
    ack_scratch_.push_back(p.msg_id);
  }
  pending_acks_.clear();
  for (std::size_t first = 0; first < ack_scratch_.size(); first += kMaxIdsPerMessage) {
    const std::size_t n = std::min(kMaxIdsPerMessage, ack_scratch_.size() - first);
    Bytes body;
    wire::msgs_ack(body, std::span<const std::uint64_t>(ack_scratch_.data() + first, n));
    queue_service(std::move(body), false, MsgIdKind::ServerOther);
    dc_.counters.acked_ids_out += n;
  }
  ack_scratch_.clear();
}

void ServerSession::flush(UnixNanos now, std::vector<Bytes>& packets) {
  queue_acks();
  if (outbox_.empty()) return;
  const UnixNanos server_now = dc_.server_time(now);
  const Sealer sealer{
      auth_key_.key(), dc_.cipher, dc_.random, dc_.tx_plaintext, dc_.salts.current(server_now),
      key_.session_id};
  sent_scratch_.clear();
  outbox_.flush(sealer, server_now, packets, sent_scratch_, dc_.counters);
  for (Outbox::Sent& s : sent_scratch_) {
    switch (s.message.role) {
      case OutgoingMessage::Role::kAnswer:
        requests_.on_sent(s.message.req_msg_id, s.msg_id, std::move(s.message.body));
        break;
      case OutgoingMessage::Role::kReplay:
        requests_.on_resent(s.message.req_msg_id, s.msg_id);
        break;
      case OutgoingMessage::Role::kPush:
        pushes_.on_sent(s.msg_id, std::move(s.message.body));
        break;
      case OutgoingMessage::Role::kService:
        break;
    }
  }
  sent_scratch_.clear();
}

}  // namespace tgd::mtproto::server
