#pragma once
// The server side of one MTProto session: one per (auth key, client session_id). It takes the
// decrypted messages of its client (the Dispatcher has checked msg_key and the envelope), checks
// them as strictly as Telegram, answers service messages itself, hands API queries to the caller as
// Query events, and turns answers, updates and notifications into encrypted packets on flush().
//
// Inbound checks, in order (the first failing one answers; a rejected message is not processed and
// is not recorded as received):
//   outer message only:
//     msg_id not ≡ 0 mod 4                                   -> bad_msg_notification 18
//     msg_id more than 300 s before server time             -> 16
//     msg_id more than 30 s after server time                -> 17   (facts §3.5; items of a
//                                                                     container are exempt, B.3)
//     salt neither a valid DC salt nor the key's handshake salt -> bad_server_salt 48 + current salt
//   container (outer only; facts §3.11):
//     odd seq_no                                             -> 34
//     msg_id already received                                -> 19
//     msg_id below the remembered window                     -> 20
//     seq_no out of order (see ReceivedWindow)               -> 32 / 33
//     malformed (truncated, > 1024 items, bad item length,
//       nested container, trailing bytes), or an item whose
//       msg_id is not below the container's or whose seq_no
//       is above it (facts §3.5-3.6)                         -> 64 (the whole container is refused)
//   every message (outer, or each item of an accepted container):
//     item msg_id not ≡ 0 mod 4                              -> 18 (that item only)
//     msg_id already received                                -> the kept answer is sent again
//                                                               (Appendix B.7; msg_detailed_info
//                                                               if large), else ignored
//     msg_id below the remembered window                     -> kept answer again, else 20
//     gzip_packed that does not inflate                      -> dropped (Dropped event)
//     gzip_packed around a container                         -> 64
//     API query with an even seq_no                          -> 35
//     msg_copy with an odd seq_no                            -> 34
//     msgs_ack with an odd seq_no                            -> accepted, counted (Appendix B.2)
//     seq_no out of order                                    -> 32 / 33
// Notifications go alone in their own packet, never in a container (clients exempt them from their
// clock checks only at top level), with msg_id ≡ 1 mod 4 (they answer a client message, facts §3.5)
// and an even seq_no (they need no ack, facts §3.9).
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/mtproto/envelope.hpp"
#include "protocol/mtproto/message_id.hpp"
#include "protocol/mtproto/server/dc_context.hpp"
#include "protocol/mtproto/server/events.hpp"
#include "protocol/mtproto/server/outbox.hpp"
#include "protocol/mtproto/server/push_log.hpp"
#include "protocol/mtproto/server/received_window.hpp"
#include "protocol/mtproto/server/request_log.hpp"
#include "protocol/mtproto/server/service_reader.hpp"

namespace tgd::mtproto::server {

class AuthKeyState;

class ServerSession {
 public:
  ServerSession(DcContext& dc, AuthKeyState& auth_key, std::int64_t session_id, UnixNanos now);
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  const SessionKey& key() const { return key_; }
  // The caller's time of the client's last message (for eviction and idleness).
  UnixNanos last_active() const { return last_active_; }

  // One decrypted message from `connection`. `body` is the message body (a view, used only during
  // the call).
  void on_message(const MessageHeader& header, ByteSpan body, ConnectionId connection, UnixNanos now,
                  std::vector<Event>& events);

  // The API layer's answer to the Query with this msg_id: queues rpc_result (gzip_packed when it
  // pays). False if the request is not running (unknown, answered already, dropped by
  // rpc_drop_answer, or forgotten): the answer is discarded. `compressible` false skips the gzip
  // attempt (file parts: random bytes never shrink, and compressing 1 MiB costs more than sending it).
  bool answer(std::uint64_t msg_id, ByteSpan result, bool compressible = true);
  bool answer_error(std::uint64_t msg_id, std::int32_t code, std::string_view message);
  // A server-initiated content-related message (Updates), facts §3.6. Kept once sent until the
  // client acknowledges it: sent again on the client's next connection and on msg_resend_req.
  void push(ByteSpan updates);

  // Anything to send: queued messages, or client messages to acknowledge.
  bool has_output() const { return !outbox_.empty() || !pending_acks_.empty(); }
  // Seals everything queued (plus a msgs_ack for client content-related messages not yet answered)
  // into packets for the client.
  void flush(UnixNanos now, std::vector<Bytes>& packets);

  // The connection the client last used; answers go there.
  std::optional<ConnectionId> connection() const { return connected_ ? connection_ : std::nullopt; }
  void on_connection_closed(ConnectionId connection);

  // Faults::hold_answers: let the held answers go.
  void release_answers(ReleaseOrder order);
  std::size_t held_answers() const { return held_.size(); }
  std::size_t remembered_requests() const { return requests_.size(); }
  std::size_t kept_pushes() const { return pushes_.size(); }

  // For the Dispatcher's list of sessions with output.
  bool flush_listed() const { return flush_listed_; }
  void set_flush_listed(bool listed) { flush_listed_ = listed; }

 private:
  struct Context {
    ConnectionId connection;
    UnixNanos now;  // server time
    std::vector<Event>& events;
  };
  struct PendingAck {
    std::uint64_t msg_id;
    bool request;  // acknowledged only while its answer has not been queued
  };

  // Inbound checks (server_session.cpp).
  void bind_connection(ConnectionId connection);
  bool salt_accepted(std::int64_t salt, UnixNanos now) const;
  void process_container(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body);
  void process_message(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body,
                       bool in_container);
  void on_duplicate(std::uint64_t msg_id);
  bool replay_answer(std::uint64_t msg_id);
  void start_session(const Context& ctx, std::uint64_t first_msg_id);
  void notify_bad_msg(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no, std::int32_t code);
  void notify_bad_salt(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no);
  void drop(const Context& ctx, DropReason reason, std::uint64_t msg_id);

  // Message handling (session_services.cpp).
  void dispatch(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no, MessageKind kind,
                ByteSpan body);
  void on_service(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body);
  void on_msgs_ack(const Context& ctx, std::uint64_t msg_id, ByteSpan body);
  void on_ping(const Context& ctx, std::uint64_t msg_id, ByteSpan body);
  void on_get_future_salts(const Context& ctx, std::uint64_t msg_id, ByteSpan body);
  void on_destroy_session(const Context& ctx, std::uint64_t msg_id, ByteSpan body);
  void on_destroy_auth_key(const Context& ctx, std::uint64_t msg_id, ByteSpan body);
  void on_rpc_drop_answer(const Context& ctx, std::uint64_t msg_id, ByteSpan body);
  void on_msgs_state_req(const Context& ctx, std::uint64_t msg_id, ByteSpan body);
  void on_msg_resend_req(const Context& ctx, std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body);
  std::uint8_t message_status(std::uint64_t msg_id) const;
  Bytes state_info(MsgIdList ids) const;

  // Output (session_output.cpp).
  void queue_service(Bytes body, bool content_related = false, MsgIdKind kind = MsgIdKind::ServerResponse,
                     bool standalone = false);
  void queue_answer(RequestLog::Request& request, std::uint64_t req_msg_id, Bytes rpc_result,
                    bool subject_to_faults);
  void queue_replay(std::uint64_t req_msg_id, const Bytes& rpc_result);
  // The kept answer again if small, else msg_detailed_info naming it (detailed_info_min_bytes).
  void offer_answer(std::uint64_t req_msg_id, const RequestLog::Request& r);
  void queue_detailed_info(std::uint64_t req_msg_id, const RequestLog::Request& r);
  // The kept update again if small, else msg_new_detailed_info naming it.
  void offer_push(std::uint64_t msg_id);
  void queue_push(Bytes body);
  bool resend_push(std::uint64_t msg_id);
  void queue_acks();
  void resend_unacked();

  DcContext& dc_;
  AuthKeyState& auth_key_;
  SessionKey key_;
  ReceivedWindow window_;
  RequestLog requests_;
  PushLog pushes_;
  Outbox outbox_;
  std::vector<OutgoingMessage> held_;
  std::vector<PendingAck> pending_acks_;
  std::vector<std::uint64_t> ack_scratch_;
  struct Unacked {
    std::uint64_t msg_id;      // as last sent
    std::uint64_t req_msg_id;  // 0: a push
  };
  std::vector<Unacked> unacked_scratch_;
  std::vector<Outbox::Sent> sent_scratch_;
  std::optional<ConnectionId> connection_;
  UnixNanos last_active_;
  bool connected_ = false;
  bool started_ = false;  // new_session_created was queued
  bool flush_listed_ = false;
};

}  // namespace tgd::mtproto::server
