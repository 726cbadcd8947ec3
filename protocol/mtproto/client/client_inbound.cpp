// ClientSession, inbound: decrypt, the checks of facts §3.7 on the packet and on every message in
// it, acks for odd seq_nos (§3.12), then dispatch on the constructor (§3.10, §3.11).
#include <algorithm>
#include <chrono>

#include "protocol/crypto/gzip.hpp"
#include "protocol/mtproto/client/client_session.hpp"
#include "protocol/mtproto/client/service_messages.hpp"
#include "protocol/mtproto/service_ids.hpp"

namespace tgd::mtproto {

using client_detail::Request;
using client_detail::RequestState;

void ClientSession::on_packet(ByteSpan packet, UnixNanos now, std::vector<ClientEvent>& events) {
  last_now_ = now;
  ++counters_.packets_received;
  counters_.bytes_received += packet.size();
  if (packet.size() < crypto::kEncryptedHeaderSize ||
      !std::equal(key_.id().begin(), key_.id().end(), packet.begin())) {
    ++counters_.dropped_bad_auth_key_id;
    return;
  }
  const std::size_t ciphertext = packet.size() - crypto::kEncryptedHeaderSize;
  if (ciphertext == 0 || ciphertext % 16 != 0) {
    ++counters_.dropped_malformed;
    return;
  }
  plaintext_.resize(ciphertext);
  // A msg_key mismatch means the bytes are not from the server: drop them, never act on them.
  if (!cipher_.decrypt_to(key_, crypto::Direction::kServerToClient, packet, plaintext_)) {
    ++counters_.dropped_bad_msg_key;
    return;
  }
  const PlaintextResult parsed = parse_plaintext(plaintext_);
  if (!parsed.message) {
    ++counters_.dropped_malformed;
    return;
  }
  const MessageHeader& header = parsed.message->header;
  if (header.session_id != session_id_) {
    ++counters_.dropped_bad_session_id;
    return;
  }
  // The salt of server messages is not checked (neither tdlib nor Telethon does).
  process_message(header.msg_id, header.seq_no, parsed.message->body, Level::Top, now, events);
  prune();
}

void ClientSession::process_message(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body, Level level,
                                    UnixNanos now, std::vector<ClientEvent>& events) {
  if (msg_id % 2 == 0) {  // server msg_ids are odd (facts §3.7 check 4)
    ++counters_.dropped_bad_msg_id;
    return;
  }
  switch (received_.check(msg_id)) {
    case client_detail::ReceivedWindow::Check::Duplicate:
      // Acked again: the server resends what it thinks we did not get (tdlib does the same).
      ++counters_.dropped_duplicate;
      if (seq_no % 2 == 1) queue_ack(msg_id, now);
      return;
    case client_detail::ReceivedWindow::Check::TooOld:
      ++counters_.dropped_too_old;
      return;
    case client_detail::ReceivedWindow::Check::New:
      break;
  }
  // The message is authenticated (msg_key and session_id verified) and newer than anything this
  // session has forgotten, so it is not a replay: a msg_id ahead of our estimate of the server's
  // clock means our clock is slow, and raises the time offset (tdlib's rule) instead of getting
  // every answer dropped as "from the future". Only raising: lowering it takes bad_msg 16/17.
  clock_.observe_server_msg_id(msg_id, now);
  const std::uint32_t constructor = client_detail::constructor_of(body);
  // Time-window exemptions (facts §3.7 check 6): bad_server_salt and bad_msg_notification must get
  // through precisely when our clock is wrong. A container is not acted on itself; each of its
  // items is checked on its own.
  const bool exempt = constructor == ids::kBadServerSalt || constructor == ids::kBadMsgNotification ||
                      constructor == ids::kMsgContainer;
  if (!exempt && options_.check_time_window && !in_time_window(msg_id, now)) {
    ++counters_.dropped_time_window;
    return;
  }
  received_.insert(msg_id);
  if (constructor != ids::kMsgContainer) ++counters_.messages_received;
  if (seq_no % 2 == 1) queue_ack(msg_id, now);
  dispatch(msg_id, seq_no, body, level, true, now, events);
}

void ClientSession::dispatch(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body, Level level,
                             bool allow_gzip, UnixNanos now, std::vector<ClientEvent>& events) {
  switch (client_detail::constructor_of(body)) {
    case ids::kMsgContainer: {
      const auto items = level == Level::Top ? parse_container(body) : std::nullopt;  // no nesting
      if (!items) {
        ++counters_.dropped_malformed;
        return;
      }
      const std::uint64_t generation = session_generation_;
      for (const ContainerItem& item : *items) {
        // After 32/33 started a new session the rest belongs to the old one: its requests are
        // being resent already.
        if (session_generation_ != generation) return;
        process_message(item.msg_id, item.seq_no, item.body, Level::Item, now, events);
      }
      return;
    }
    case ids::kGzipPacked: {
      const auto packed = allow_gzip ? client_detail::parse_gzip_packed(body) : std::nullopt;
      std::optional<Bytes> unpacked;
      if (packed) unpacked = crypto::gzip_decompress(*packed, options_.max_gzip_unpacked);
      if (!unpacked) {
        ++counters_.dropped_malformed;
        return;
      }
      dispatch(msg_id, seq_no, *unpacked, level, false, now, events);
      return;
    }
    case ids::kRpcResult:
      on_rpc_result(body, now, events);
      return;
    case ids::kMsgsAck:
      on_msgs_ack(body);
      return;
    case ids::kBadMsgNotification:
    case ids::kBadServerSalt:
      on_bad_msg(msg_id, body, now, events);
      return;
    case ids::kNewSessionCreated:
      on_new_session_created(body, events);
      return;
    case ids::kPong:
      on_pong(body, now, events);
      return;
    case ids::kFutureSalts:
      on_future_salts(body);
      return;
    case ids::kMsgsStateReq:
      on_msgs_state_req(msg_id, body);
      return;
    case ids::kMsgsStateInfo:
      on_msgs_state_info(body);
      return;
    case ids::kMsgsAllInfo:
      on_msgs_all_info(body);
      return;
    case ids::kMsgResendReq:
      on_msg_resend_req(msg_id, body);
      return;
    case ids::kMsgDetailedInfo:
    case ids::kMsgNewDetailedInfo:
      on_detailed_info(body);
      return;
    case ids::kDestroySessionOk:
    case ids::kDestroySessionNone:
      on_destroy_session_result(body, events);
      return;
    case ids::kRpcError:  // only meaningful inside rpc_result (tdlib logs it and moves on)
    case ids::kRpcAnswerUnknown:
    case ids::kRpcAnswerDropped:
    case ids::kRpcAnswerDroppedRunning:
    case ids::kMsgCopy:
    case ids::kHttpWait:
      ++counters_.ignored_messages;
      return;
    default:
      // Anything else content-related is pushed by the server: updates.
      if (seq_no % 2 == 1) {
        ++counters_.updates;
        events.push_back(client_event::Update{msg_id, Bytes(body.begin(), body.end())});
      } else {
        ++counters_.ignored_messages;
      }
      return;
  }
}

void ClientSession::on_rpc_result(ByteSpan body, UnixNanos now, std::vector<ClientEvent>& events) {
  const auto result = client_detail::parse_rpc_result(body);
  if (!result) {
    ++counters_.dropped_malformed;
    return;
  }
  const SentEntry* entry = sent_.find(result->req_msg_id);
  if (entry != nullptr && entry->kind == SentKind::Request) {
    const RequestId id{entry->ref};
    Request* r = requests_.find(id);
    if (r == nullptr) {  // cancelled, timed out or answered through another transmission
      ++counters_.ignored_answers;
      return;
    }
    answer_request(id, *r, result->result, events);
    return;
  }
  if (entry != nullptr && find_tracked(result->req_msg_id) != nullptr) {
    on_service_answer(result->req_msg_id, result->result, now, events);
    return;
  }
  ++counters_.ignored_answers;
}

void ClientSession::answer_request(RequestId id, Request& r, ByteSpan result,
                                   std::vector<ClientEvent>& events) {
  std::optional<Bytes> unpacked;
  if (client_detail::constructor_of(result) == ids::kGzipPacked) {
    const auto packed = client_detail::parse_gzip_packed(result);
    if (packed) unpacked = crypto::gzip_decompress(*packed, options_.max_gzip_unpacked);
    if (!unpacked) {
      ++counters_.failed;
      finish(id, r, client_event::Failed{id, FailReason::MalformedAnswer, 0}, events);
      return;
    }
    result = *unpacked;
  }
  if (client_detail::constructor_of(result) == ids::kRpcError) {
    const auto error = client_detail::parse_rpc_error(result);
    if (!error) {
      ++counters_.failed;
      finish(id, r, client_event::Failed{id, FailReason::MalformedAnswer, 0}, events);
      return;
    }
    ++counters_.rpc_errors;
    ++counters_.rpc_errors_by_code[error->code];
    finish(id, r, client_event::Error{id, error->code, std::string(error->message)}, events);
    return;
  }
  ++counters_.results;
  Bytes body = unpacked ? std::move(*unpacked) : Bytes(result.begin(), result.end());
  finish(id, r, client_event::Result{id, std::move(body)}, events);
}

void ClientSession::on_service_answer(std::uint64_t req_msg_id, ByteSpan result, UnixNanos now,
                                      std::vector<ClientEvent>& events) {
  // Service answers normally come at the top level (facts §3.11); inside rpc_result they are
  // handled the same way (the handlers find their tracked request by the ids in the answer).
  switch (client_detail::constructor_of(result)) {
    case ids::kPong:
      on_pong(result, now, events);
      return;
    case ids::kFutureSalts:
      on_future_salts(result);
      return;
    case ids::kMsgsStateInfo:
      on_msgs_state_info(result);
      return;
    case ids::kDestroySessionOk:
    case ids::kDestroySessionNone:
      on_destroy_session_result(result, events);
      return;
    default: {
      // rpc_drop_answer's answers (rpc_answer_unknown/dropped/dropped_running) end up here.
      TrackedService* t = find_tracked(req_msg_id);
      if (t->kind != SentKind::DropAnswer) ++counters_.ignored_messages;
      tracked_.erase(tracked_.begin() + (t - tracked_.data()));
      return;
    }
  }
}

void ClientSession::on_msgs_ack(ByteSpan body) {
  id_scratch_.clear();
  if (!client_detail::parse_msg_id_vector(body, id_scratch_)) {
    ++counters_.dropped_malformed;
    return;
  }
  for (std::uint64_t msg_id : id_scratch_) {
    ++counters_.acks_received;
    const SentEntry* entry = sent_.find(msg_id);
    if (entry == nullptr) continue;
    // Acknowledged requests are no longer asked about with msgs_state_req.
    for_each_affected(msg_id, *entry, [](RequestId, Request& r) { r.acked = true; });
  }
}

void ClientSession::on_new_session_created(ByteSpan body, std::vector<ClientEvent>& events) {
  const auto v = client_detail::parse_new_session_created(body);
  if (!v) {
    ++counters_.dropped_malformed;
    return;
  }
  ++counters_.new_sessions_created;
  salts_.set_current(v->server_salt);
  // The server's new session never saw what we sent before first_msg_id: resend what is still
  // unanswered.
  requests_.for_each_live([&](RequestId id, Request& r) {
    if (r.state == RequestState::Sent && r.msg_id < v->first_msg_id) resend(id, r);
  });
  events.push_back(client_event::NewSessionCreated{v->first_msg_id, v->unique_id, v->server_salt});
}

void ClientSession::on_pong(ByteSpan body, UnixNanos now, std::vector<ClientEvent>& events) {
  const auto v = client_detail::parse_pong(body);
  if (!v) {
    ++counters_.dropped_malformed;
    return;
  }
  // pong.msg_id is the ping's msg_id (facts §3.10).
  auto it = std::find_if(tracked_.begin(), tracked_.end(), [&](const TrackedService& t) {
    return (t.kind == SentKind::Ping || t.kind == SentKind::KeepAlive) && t.msg_id == v->msg_id &&
           t.value == v->ping_id;
  });
  if (it == tracked_.end()) {
    ++counters_.ignored_messages;
    return;
  }
  const auto rtt = now - it->sent_at;
  tracked_.erase(it);
  events.push_back(client_event::Pong{v->ping_id, rtt});
}

void ClientSession::on_future_salts(ByteSpan body) {
  const auto v = client_detail::parse_future_salts(body);
  if (!v) {
    ++counters_.dropped_malformed;
    return;
  }
  auto it = std::find_if(tracked_.begin(), tracked_.end(), [&](const TrackedService& t) {
    return t.kind == SentKind::FutureSalts && t.msg_id == v->req_msg_id;
  });
  if (it == tracked_.end()) {
    ++counters_.ignored_messages;
    return;
  }
  tracked_.erase(it);
  salts_.set_future(v->salts);
}

void ClientSession::on_msgs_state_req(std::uint64_t msg_id, ByteSpan body) {
  id_scratch_.clear();
  if (!client_detail::parse_msg_id_vector(body, id_scratch_)) {
    ++counters_.dropped_malformed;
    return;
  }
  // One status byte per asked id, about the server's own messages (facts §3.10).
  Bytes info(id_scratch_.size());
  for (std::size_t i = 0; i < id_scratch_.size(); ++i) info[i] = received_.state_of(id_scratch_[i]);
  Bytes answer;
  client_detail::write_msgs_state_info(answer, msg_id, info);
  queue_service(SentKind::StateInfo, false, std::move(answer));
}

void ClientSession::on_msgs_state_info(ByteSpan body) {
  const auto v = client_detail::parse_msgs_state_info(body);
  if (!v) {
    ++counters_.dropped_malformed;
    return;
  }
  auto it = std::find_if(tracked_.begin(), tracked_.end(), [&](const TrackedService& t) {
    return t.kind == SentKind::StateReq && t.msg_id == v->req_msg_id;
  });
  if (it == tracked_.end() || it->msg_ids.size() != v->info.size()) {
    ++counters_.ignored_messages;
    return;
  }
  const std::vector<std::uint64_t> asked = std::move(it->msg_ids);
  tracked_.erase(it);
  for (std::size_t i = 0; i < asked.size(); ++i) apply_message_status(asked[i], v->info[i]);
}

void ClientSession::on_msgs_all_info(ByteSpan body) {
  id_scratch_.clear();
  const auto info = client_detail::parse_msgs_all_info(body, id_scratch_);
  if (!info) {
    ++counters_.dropped_malformed;
    return;
  }
  const std::vector<std::uint64_t> ids = id_scratch_;
  for (std::size_t i = 0; i < ids.size(); ++i) apply_message_status(ids[i], (*info)[i]);
}

void ClientSession::on_msg_resend_req(std::uint64_t msg_id, ByteSpan body) {
  id_scratch_.clear();
  if (!client_detail::parse_msg_id_vector(body, id_scratch_)) {
    ++counters_.dropped_malformed;
    return;
  }
  const std::vector<std::uint64_t> asked = id_scratch_;
  // Known requests go out again with new msg_ids. If any id is unknown the server gets
  // msgs_state_info about all of them (facts Appendix B.6; the info string needs one byte per
  // asked id): 1 for ids we do not know, 3 for ids above anything we sent, 4 for the rest.
  bool any_unknown = false;
  Bytes info(asked.size(), 4);
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const SentEntry* entry = sent_.find(asked[i]);
    if (entry == nullptr) {
      any_unknown = true;
      info[i] = asked[i] > highest_sent_msg_id_ ? 3 : 1;
      continue;
    }
    const SentEntry copy = *entry;
    for_each_affected(asked[i], copy, [&](RequestId id, Request& r) { resend(id, r); });
  }
  if (any_unknown) {
    Bytes answer;
    client_detail::write_msgs_state_info(answer, msg_id, info);
    queue_service(SentKind::StateInfo, false, std::move(answer));
  }
}

void ClientSession::on_detailed_info(ByteSpan body) {
  const auto v = client_detail::parse_detailed_info(body);
  if (!v) {
    ++counters_.dropped_malformed;
    return;
  }
  if (v->msg_id != 0) {  // msg_detailed_info: the server has our message
    if (const SentEntry* entry = sent_.find(v->msg_id)) {
      const SentEntry copy = *entry;
      for_each_affected(v->msg_id, copy, [](RequestId, Request& r) { r.acked = true; });
    }
  }
  // Telethon's rule: ack the answer if we have it, else ask for it again.
  if (received_.contains(v->answer_msg_id)) {
    queue_ack(v->answer_msg_id, last_now_);
  } else {
    Bytes req;
    const std::uint64_t ids[] = {v->answer_msg_id};
    client_detail::write_msg_resend_req(req, ids);
    queue_service(SentKind::ResendReq, false, std::move(req));
  }
}

void ClientSession::on_destroy_session_result(ByteSpan body, std::vector<ClientEvent>& events) {
  const auto v = client_detail::parse_destroy_session_result(body);
  if (!v) {
    ++counters_.dropped_malformed;
    return;
  }
  std::erase_if(tracked_, [&](const TrackedService& t) {
    return t.kind == SentKind::DestroySession && t.value == v->session_id;
  });
  events.push_back(client_event::DestroySessionResult{v->session_id, v->ok});
}

bool ClientSession::in_time_window(std::uint64_t msg_id, UnixNanos now) const {
  // facts §3.7 check 6: ignore ids more than 300 s in the past or 30 s in the future of the
  // server-corrected clock.
  const std::int64_t t = msg_id_seconds(msg_id);
  const std::int64_t server_now = server_seconds(now);
  return t >= server_now - 300 && t <= server_now + 30;
}

void ClientSession::queue_ack(std::uint64_t msg_id, UnixNanos now) {
  if (pending_acks_.empty()) oldest_ack_at_ = now;
  if (pending_acks_.empty() || pending_acks_.back() != msg_id) pending_acks_.push_back(msg_id);
}

}  // namespace tgd::mtproto
