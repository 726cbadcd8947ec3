// ServerSession: what each accepted message does. API queries go to the caller; MTProto service
// messages are answered here (facts §3.10).
#include <chrono>

#include "protocol/mtproto/server/auth_key_state.hpp"
#include "protocol/mtproto/server/server_session.hpp"
#include "protocol/mtproto/server/service_writer.hpp"
#include "protocol/mtproto/service_ids.hpp"

namespace tgd::mtproto::server {

void ServerSession::dispatch(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no, MessageKind kind,
                             ByteSpan body) {
  switch (kind) {
    case MessageKind::kQuery:
      requests_.start(msg_id);
      ++dc_.counters.queries;
      // Acknowledged at the next flush unless its answer is queued by then (an rpc_result is the
      // ack, facts §3.12).
      pending_acks_.push_back({msg_id, true});
      ctx.events.push_back(Query{key_, msg_id, Bytes(body.begin(), body.end())});
      return;
    case MessageKind::kAck:
      return on_msgs_ack(ctx, msg_id, body);
    case MessageKind::kService:
      return on_service(ctx, msg_id, seq_no, body);
    case MessageKind::kMsgCopy:
    case MessageKind::kContainer:  // unreachable: handled by the checks
    case MessageKind::kGzip:
      return drop(ctx, DropReason::kUnsupported, msg_id);
  }
}

void ServerSession::on_service(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no,
                               ByteSpan body) {
  switch (constructor_of(body)) {
    case ids::kPing:
    case ids::kPingDelayDisconnect:
      return on_ping(ctx, msg_id, body);
    case ids::kGetFutureSalts:
      return on_get_future_salts(ctx, msg_id, body);
    case ids::kDestroySession:
      return on_destroy_session(ctx, msg_id, body);
    case ids::kRpcDropAnswer:
      return on_rpc_drop_answer(ctx, msg_id, body);
    case ids::kMsgsStateReq:
      return on_msgs_state_req(ctx, msg_id, body);
    case ids::kMsgResendReq:
      return on_msg_resend_req(ctx, msg_id, seq_no, body);
    case kDestroyAuthKey:
      return on_destroy_auth_key(ctx, msg_id, body);
    case ids::kHttpWait:
      ++dc_.counters.http_waits;  // HTTP transport only: nothing to wait for on TCP
      [[fallthrough]];
    default:
      // State notices a client may send (msgs_state_info, msgs_all_info, msg_detailed_info): no
      // action, but a content-related one is acknowledged.
      if ((seq_no & 1) != 0) pending_acks_.push_back({msg_id, false});
      return;
  }
}

void ServerSession::on_msgs_ack(const Context& ctx, std::uint64_t msg_id, ByteSpan body) {
  const auto ids = parse_msg_ids(body);
  if (!ids) return drop(ctx, DropReason::kMalformedService, msg_id);
  ++dc_.counters.acks_in;
  dc_.counters.acked_ids_in += ids->size();
  // Answers have msg_ids ≡ 1 mod 4, pushes ≡ 3 (facts §3.5): one lookup per id.
  for (std::size_t i = 0; i < ids->size(); ++i) {
    const std::uint64_t id = (*ids)[i];
    if (id % 4 == 3) {
      pushes_.on_client_ack(id);
    } else {
      requests_.on_client_ack(id);
    }
  }
}

void ServerSession::on_ping(const Context& ctx, std::uint64_t msg_id, ByteSpan body) {
  const auto ping = parse_ping(body);
  if (!ping) return drop(ctx, DropReason::kMalformedService, msg_id);
  ++dc_.counters.pings;
  // pong at top level, pong.msg_id = the ping's msg_id (facts §3.10).
  Bytes out;
  wire::pong(out, msg_id, ping->ping_id);
  queue_service(std::move(out));
  if (ping->disconnect_delay) {
    ctx.events.push_back(
        DisconnectAfter{key_, ctx.connection, std::chrono::seconds(*ping->disconnect_delay)});
  }
}

void ServerSession::on_get_future_salts(const Context& ctx, std::uint64_t msg_id, ByteSpan body) {
  const auto num = parse_get_future_salts(body);
  if (!num) return drop(ctx, DropReason::kMalformedService, msg_id);
  const auto salts = dc_.salts.future_salts(ctx.now, *num);
  Bytes out;
  wire::future_salts(out, msg_id, static_cast<std::int32_t>(unix_seconds(ctx.now)), salts);
  queue_service(std::move(out));
}

void ServerSession::on_destroy_session(const Context& ctx, std::uint64_t msg_id, ByteSpan body) {
  const auto session_id = parse_destroy_session(body);
  if (!session_id) return drop(ctx, DropReason::kMalformedService, msg_id);
  // Only other sessions of this key (facts §3.10); for the current one the result is undefined in
  // the docs, and destroying the session we are running in is not an option: answer "none".
  const SessionKey other{key_.auth_key_id, *session_id};
  const bool destroyed = *session_id != key_.session_id && auth_key_.destroy(*session_id);
  if (destroyed) {
    ++dc_.counters.sessions_destroyed;
    ctx.events.push_back(SessionDestroyed{other, SessionEndCause::kDestroySession});
  }
  Bytes out;
  wire::destroy_session_result(out, destroyed, *session_id);
  queue_service(std::move(out));
}

void ServerSession::on_destroy_auth_key(const Context& ctx, std::uint64_t msg_id, ByteSpan body) {
  if (body.size() != 4) return drop(ctx, DropReason::kMalformedService, msg_id);
  // Sent inside the encrypted session like any service message (tdlib's SessionConnection puts it
  // in its packet with the acks and pings, and reads destroy_auth_key_ok/none/fail at top level).
  // The answer is sealed with the key itself, so the Dispatcher forgets the key only after
  // flushing it; anything after it in the same packet is ignored.
  auth_key_.mark_destroyed(key_.session_id);
  ++dc_.counters.auth_keys_destroyed;
  ctx.events.push_back(AuthKeyDestroyed{key_.auth_key_id});
  Bytes out;
  wire::destroy_auth_key_result(out, wire::DestroyAuthKeyResult::kOk);
  queue_service(std::move(out));
}

void ServerSession::on_rpc_drop_answer(const Context& ctx, std::uint64_t msg_id, ByteSpan body) {
  const auto target = parse_rpc_drop_answer(body);
  if (!target) return drop(ctx, DropReason::kMalformedService, msg_id);
  // The answer goes in an rpc_result to the rpc_drop_answer itself (facts §3.10), so it is a
  // request like any other: kept for duplicates, and an ack.
  RequestLog::Request& self = requests_.start(msg_id);
  Bytes result;
  RequestLog::Request* r = requests_.find(*target);
  if (r == nullptr || r->state == RequestLog::State::kSent) {
    wire::rpc_answer_unknown(result);  // nothing to drop: already sent, or never seen
  } else if (r->state == RequestLog::State::kRunning) {
    // Still running: both the original query and the rpc_drop_answer get dropped_running, and the
    // API layer's late answer is discarded (core.telegram.org/mtproto/service_messages).
    wire::rpc_answer_dropped_running(result);
    Bytes for_original;
    wire::rpc_result(for_original, *target, result, dc_.limits.gzip_min_size);
    queue_answer(*r, *target, std::move(for_original), false);
  } else {
    // Answered but not sent yet (queued, or held by a fault): take it back. It never had a msg_id,
    // so it is described by the id and seq_no it would have been sent with now.
    std::optional<OutgoingMessage> dropped = outbox_.take_answer(*target);
    if (!dropped) {
      for (auto it = held_.begin(); it != held_.end(); ++it) {
        if (it->role == OutgoingMessage::Role::kAnswer && it->req_msg_id == *target) {
          dropped = std::move(*it);
          held_.erase(it);
          break;
        }
      }
    }
    const auto size = static_cast<std::uint32_t>(dropped ? dropped->body.size() : 0);
    wire::rpc_answer_dropped(result, outbox_.unused_msg_id(ctx.now), outbox_.next_content_seq_no(), size);
    requests_.erase(*target);
  }
  Bytes out;
  wire::rpc_result(out, msg_id, result, dc_.limits.gzip_min_size);
  queue_answer(self, msg_id, std::move(out), false);
}

void ServerSession::on_msgs_state_req(const Context& ctx, std::uint64_t msg_id, ByteSpan body) {
  const auto ids = parse_msg_ids(body);
  if (!ids) return drop(ctx, DropReason::kMalformedService, msg_id);
  Bytes out;
  wire::msgs_state_info(out, msg_id, state_info(*ids));
  queue_service(std::move(out));
  // A request answered already whose answer the client has not acknowledged: its state byte says
  // "answer generated" (+64) but not where the answer is, so msg_detailed_info follows, naming it;
  // a client that lacks it asks for it with msg_resend_req (tgd's, mtcute's and tdlib's handling).
  for (std::size_t i = 0; i < ids->size(); ++i) {
    const RequestLog::Request* r = requests_.find((*ids)[i]);
    if (r != nullptr && r->state == RequestLog::State::kSent && !r->answer_acked)
      queue_detailed_info((*ids)[i], *r);
  }
}

void ServerSession::on_msg_resend_req(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no,
                                      ByteSpan body) {
  const auto ids = parse_msg_ids(body);
  if (!ids) return drop(ctx, DropReason::kMalformedService, msg_id);
  // An id may name our answer, the request it answers, or an update we pushed. An answer or update
  // named by its own msg_id goes out again whole (that is how a client fetches what
  // msg_detailed_info announced); a request's answer goes out again if small, else
  // msg_detailed_info names it. Answers still being made will come anyway; for an unknown id the
  // client gets msgs_state_info for all the ids (Appendix B.6).
  bool unknown = false;
  for (std::size_t i = 0; i < ids->size(); ++i) {
    const std::uint64_t id = (*ids)[i];
    if (const RequestLog::Request* r = requests_.find(id)) {
      if (r->state == RequestLog::State::kSent) offer_answer(id, *r);
    } else if (const std::uint64_t req = requests_.request_of_answer(id); req != 0) {
      queue_replay(req, requests_.find(req)->answer);
    } else if (!resend_push(id)) {
      unknown = true;
    }
  }
  if (unknown) {
    Bytes out;
    wire::msgs_state_info(out, msg_id, state_info(*ids));
    queue_service(std::move(out));
  }
  if ((seq_no & 1) != 0) pending_acks_.push_back({msg_id, false});
}

Bytes ServerSession::state_info(MsgIdList ids) const {
  Bytes info(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) info[i] = message_status(ids[i]);
  return info;
}

// facts §3.10: 1 unknown, 2 not received (id in range), 3 not received (id too high), 4 received;
// +8 acknowledged, +16 needs no ack, +32 RPC running or done, +64 answer generated, +128 the client
// knows we received it (it acknowledged our answer).
std::uint8_t ServerSession::message_status(std::uint64_t msg_id) const {
  const ReceivedWindow::Location where = window_.locate(msg_id);
  const RequestLog::Request* r = requests_.find(msg_id);
  if (r != nullptr) {  // a request we accepted, even if its id left the window
    std::uint8_t status = 4 | 32;
    if (r->state != RequestLog::State::kRunning) status |= 64;
    if (r->acked_by_server) status |= 8;
    if (r->answer_acked) status |= 128;
    return status;
  }
  switch (where.position) {
    case ReceivedWindow::Position::kReceived:
      return (where.seq_no & 1) != 0 ? 4 : 4 | 16;
    case ReceivedWindow::Position::kInRange:
      return 2;
    case ReceivedWindow::Position::kAbove:
      return 3;
    case ReceivedWindow::Position::kBelow:
      break;
  }
  return 1;
}

}  // namespace tgd::mtproto::server
