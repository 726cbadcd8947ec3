// ServerSession: the inbound checks, in the order the header lists them.
#include "protocol/mtproto/server/server_session.hpp"

#include <algorithm>
#include <chrono>

#include "protocol/crypto/gzip.hpp"
#include "protocol/mtproto/server/auth_key_state.hpp"
#include "protocol/mtproto/server/service_writer.hpp"
#include "protocol/mtproto/service_ids.hpp"

namespace tgd::mtproto::server {
namespace {

constexpr std::int64_t kMaxPastSeconds = 300;  // facts §3.5
constexpr std::int64_t kMaxFutureSeconds = 30;

// The msg_id a message sent at `t` would carry, for comparing against the time window.
std::uint64_t msg_id_at(UnixNanos t) {
  const std::int64_t ns = t.count();
  if (ns <= 0) return 0;
  const auto seconds = static_cast<std::uint64_t>(ns / 1'000'000'000);
  const auto fraction = static_cast<std::uint64_t>(ns % 1'000'000'000);
  return seconds << 32 | ((fraction << 32) / 1'000'000'000);
}

std::uint64_t seconds_as_msg_id(std::int64_t s) { return static_cast<std::uint64_t>(s) << 32; }

}  // namespace

ServerSession::ServerSession(DcContext& dc, AuthKeyState& auth_key, std::int64_t session_id, UnixNanos now)
    : dc_(dc),
      auth_key_(auth_key),
      key_{auth_key.id(), session_id},
      window_(dc.limits.received_window),
      requests_(dc.limits.kept_answers, dc.limits.kept_answer_bytes),
      pushes_(dc.limits.kept_pushes, dc.limits.kept_push_bytes),
      outbox_(dc.limits.container_max_messages, dc.limits.container_max_bytes),
      last_active_(now) {}

void ServerSession::bind_connection(ConnectionId connection) {
  // A client back on another connection may have lost what we sent on the old one (facts §3.12):
  // unacknowledged answers and updates go out again.
  if (connection_ && *connection_ != connection && dc_.limits.resend_unacked_on_new_connection)
    resend_unacked();
  connection_ = connection;
  connected_ = true;
}

void ServerSession::on_connection_closed(ConnectionId connection) {
  if (connection_ == connection) connected_ = false;
}

bool ServerSession::salt_accepted(std::int64_t salt, UnixNanos now) const {
  return dc_.salts.is_valid(salt, now) || auth_key_.accepts_handshake_salt(salt, now);
}

void ServerSession::on_message(const MessageHeader& header, ByteSpan body, ConnectionId connection,
                               UnixNanos now, std::vector<Event>& events) {
  last_active_ = now;
  bind_connection(connection);
  const Context ctx{connection, dc_.server_time(now), events};
  const std::uint64_t msg_id = header.msg_id;
  const std::uint32_t seq_no = header.seq_no;

  if (msg_id % 4 != 0) return notify_bad_msg(ctx, msg_id, seq_no, 18);
  // The time window applies to the outer message only: an old message may be re-sent inside a newer
  // container (facts §3.5, Appendix B.3).
  const std::uint64_t now_id = msg_id_at(ctx.now);
  if (now_id > seconds_as_msg_id(kMaxPastSeconds) && msg_id < now_id - seconds_as_msg_id(kMaxPastSeconds)) {
    return notify_bad_msg(ctx, msg_id, seq_no, 16);
  }
  if (msg_id > now_id + seconds_as_msg_id(kMaxFutureSeconds)) return notify_bad_msg(ctx, msg_id, seq_no, 17);
  // A message with a wrong salt is not processed at all (facts §3.9); the client re-sends it. This
  // is also how Telethon's first message, with salt 0, learns the salt (Appendix B.5).
  if (!salt_accepted(header.salt, ctx.now)) return notify_bad_salt(ctx, msg_id, seq_no);

  if (constructor_of(body) == ids::kMsgContainer) return process_container(ctx, msg_id, seq_no, body);
  process_message(ctx, msg_id, seq_no, body, false);
}

void ServerSession::process_container(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no,
                                      ByteSpan body) {
  if ((seq_no & 1) != 0) return notify_bad_msg(ctx, msg_id, seq_no, 34);
  switch (window_.check(msg_id, seq_no)) {
    case ReceivedWindow::Verdict::kNew:
      break;
    case ReceivedWindow::Verdict::kDuplicate:
      return notify_bad_msg(ctx, msg_id, seq_no, 19);
    case ReceivedWindow::Verdict::kTooOld:
      return notify_bad_msg(ctx, msg_id, seq_no, 20);
    case ReceivedWindow::Verdict::kSeqNoTooLow:
      return notify_bad_msg(ctx, msg_id, seq_no, 32);
    case ReceivedWindow::Verdict::kSeqNoTooHigh:
      return notify_bad_msg(ctx, msg_id, seq_no, 33);
  }
  const auto items = parse_container(body);
  if (!items) return notify_bad_msg(ctx, msg_id, seq_no, 64);
  std::uint64_t first_msg_id = msg_id;
  for (const ContainerItem& item : *items) {
    // A container is made after its contents: a greater msg_id (facts §3.5) and a seq_no not below
    // theirs (facts §3.6). Checked here, the container can be recorded after its items, which keeps
    // the window's append-only fast path for them.
    if (item.msg_id >= msg_id || item.seq_no > seq_no) return notify_bad_msg(ctx, msg_id, seq_no, 64);
    first_msg_id = std::min(first_msg_id, item.msg_id);
  }
  ++dc_.counters.containers_in;
  start_session(ctx, first_msg_id);
  for (const ContainerItem& item : *items) process_message(ctx, item.msg_id, item.seq_no, item.body, true);
  window_.insert(msg_id, seq_no);
}

void ServerSession::process_message(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no,
                                    ByteSpan body, bool in_container) {
  if (auth_key_.destroyed()) return;  // destroy_auth_key came earlier in this packet
  if (in_container && msg_id % 4 != 0) return notify_bad_msg(ctx, msg_id, seq_no, 18);
  if (body.size() < 4) return drop(ctx, DropReason::kEmptyBody, msg_id);

  const ReceivedWindow::Verdict verdict = window_.check(msg_id, seq_no);
  if (verdict == ReceivedWindow::Verdict::kDuplicate) return on_duplicate(msg_id);
  if (verdict == ReceivedWindow::Verdict::kTooOld) {
    if (!replay_answer(msg_id)) notify_bad_msg(ctx, msg_id, seq_no, 20);
    return;
  }

  // gzip_packed is a wrapper: what counts is the object inside (facts §3.6: a packed query keeps
  // its odd seq_no). Framing is gzip (Telethon) or zlib (tdlib, mtcute): both inflate (B.10).
  MessageKind kind = classify(constructor_of(body));
  Bytes inflated;
  if (kind == MessageKind::kGzip) {
    const std::optional<ByteSpan> packed = parse_gzip_packed(body);
    std::optional<Bytes> object;
    if (packed) object = crypto::gzip_decompress(*packed, dc_.limits.max_inflated_size);
    if (!object || object->size() < 4) return drop(ctx, DropReason::kBadGzip, msg_id);
    inflated = std::move(*object);
    body = inflated;
    kind = classify(constructor_of(body));
    if (kind == MessageKind::kGzip) return drop(ctx, DropReason::kBadGzip, msg_id);
    if (kind == MessageKind::kContainer) return notify_bad_msg(ctx, msg_id, seq_no, 64);
    ++dc_.counters.gzip_in;
  }

  const bool odd = (seq_no & 1) != 0;
  if (kind == MessageKind::kQuery && !odd) return notify_bad_msg(ctx, msg_id, seq_no, 35);
  if (kind == MessageKind::kMsgCopy && odd) return notify_bad_msg(ctx, msg_id, seq_no, 34);
  if (verdict == ReceivedWindow::Verdict::kSeqNoTooLow) return notify_bad_msg(ctx, msg_id, seq_no, 32);
  if (verdict == ReceivedWindow::Verdict::kSeqNoTooHigh) return notify_bad_msg(ctx, msg_id, seq_no, 33);
  if (kind == MessageKind::kAck && odd) ++dc_.counters.odd_seq_acks;  // tolerated, Appendix B.2

  window_.insert(msg_id, seq_no);
  ++dc_.counters.messages_in;
  if (!in_container) start_session(ctx, msg_id);
  dispatch(ctx, msg_id, seq_no, kind, body);
}

void ServerSession::on_duplicate(std::uint64_t msg_id) {
  // Appendix B.7: a request sent again gets its answer again (never a second run). Anything else
  // seen twice, or a request still running, needs nothing more.
  if (!replay_answer(msg_id)) ++dc_.counters.duplicates_ignored;
}

bool ServerSession::replay_answer(std::uint64_t msg_id) {
  const RequestLog::Request* r = requests_.find(msg_id);
  if (r == nullptr || r->state != RequestLog::State::kSent) return false;
  offer_answer(msg_id, *r);
  ++dc_.counters.duplicates_replayed;
  return true;
}

void ServerSession::start_session(const Context& ctx, std::uint64_t first_msg_id) {
  if (started_) return;
  started_ = true;
  // new_session_created goes before any answer (it is queued first), names the lowest msg_id of
  // the first accepted packet (a client re-sends what it sent before that), and carries the salt.
  Bytes body;
  wire::new_session_created(body, first_msg_id, dc_.random_u64(), dc_.salts.current(ctx.now));
  queue_service(std::move(body), true, MsgIdKind::ServerOther);
  ++dc_.counters.sessions_created;
  ctx.events.push_back(SessionCreated{key_});
}

void ServerSession::notify_bad_msg(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no,
                                   std::int32_t code) {
  Bytes body;
  wire::bad_msg_notification(body, msg_id, seq_no, code);
  queue_service(std::move(body), false, MsgIdKind::ServerResponse, true);
  ++dc_.counters.bad_msg[static_cast<std::size_t>(code)];
  ctx.events.push_back(BadMessage{key_, msg_id, code});
}

void ServerSession::notify_bad_salt(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no) {
  Bytes body;
  wire::bad_server_salt(body, msg_id, seq_no, dc_.salts.current(ctx.now));
  queue_service(std::move(body), false, MsgIdKind::ServerResponse, true);
  ++dc_.counters.bad_msg[48];
  ctx.events.push_back(BadMessage{key_, msg_id, 48});
}

void ServerSession::drop(const Context& ctx, DropReason reason, std::uint64_t msg_id) {
  ++dc_.counters.dropped[static_cast<std::size_t>(reason)];
  ctx.events.push_back(Dropped{ctx.connection, reason, msg_id});
}

}  // namespace tgd::mtproto::server
