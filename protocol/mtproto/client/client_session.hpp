#pragma once
// The client side of an encrypted MTProto 2.0 session as a sans-IO state machine (facts §3):
// requests and packets go in, packets to write and events come out. It owns no socket and no
// timer; the I/O driver calls it with bytes and the current time:
//
//   send()/cancel()        whenever the application wants;
//   flush(now, out)        after every turn of the event loop: writes everything pending
//                          (requests, resends, acks, service answers, pings) in as few packets as
//                          the container limits allow;
//   on_packet(...)         for every encrypted payload the transport delivers;
//   on_quick_ack(...)      for every quick-ack token;
//   on_disconnect()        when the connection is lost; everything unanswered is resent by the
//                          first flush on the next connection;
//   next_deadline()/on_timer(now, events)  for timeouts, keep-alive, ack and salt timers.
//
// Every request gets exactly one outcome event (Result, Error or Failed) whatever the server or
// the network does — duplicates, reorderings, bad_msg notifications, reconnects — unless the caller
// cancels it first.
//
// Not thread-safe: one session belongs to one event loop. Move-only.
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/message_cipher.hpp"
#include "protocol/mtproto/client/msg_id_map.hpp"
#include "protocol/mtproto/client/packet_assembler.hpp"
#include "protocol/mtproto/client/received_window.hpp"
#include "protocol/mtproto/client/request_id.hpp"
#include "protocol/mtproto/client/request_table.hpp"
#include "protocol/mtproto/client/ring_queue.hpp"
#include "protocol/mtproto/client/salt_store.hpp"
#include "protocol/mtproto/client/session_counters.hpp"
#include "protocol/mtproto/client/session_events.hpp"
#include "protocol/mtproto/client/session_options.hpp"
#include "protocol/mtproto/envelope.hpp"
#include "protocol/mtproto/message_id.hpp"

namespace tgd::mtproto {

class ClientSession {
 public:
  // server_salt and time_offset (server time minus local time, seconds) come from the handshake.
  // random fills padding, the session_id and ping ids (crypto::random_fill in production).
  ClientSession(crypto::AuthKey key, std::int64_t server_salt, std::int64_t time_offset,
                ClientSessionOptions options, RandomSource random);

  std::int64_t session_id() const { return session_id_; }
  // A new random session_id with the seq_no counter at 0 (facts §5.4). Everything sent and
  // unanswered is resent in the new session; acks and state owed to the old one are dropped.
  void start_new_session();

  // Queues a TL query (an API method, possibly wrapped in invokeWithLayer etc.) for the next
  // flush. Returns RequestId{} only if 2^24 requests are live at once.
  RequestId send(Bytes query, SendOptions options = {});
  // Withdraws a request: true if it was live (that is then its outcome: no event follows). If it
  // was sent already its answer is ignored when it comes; with drop_answer the server is also
  // asked to forget it (rpc_drop_answer), which saves work for large answers.
  bool cancel(RequestId id, bool drop_answer = false);
  // An explicit ping; its Pong event carries the returned ping_id.
  std::int64_t ping();
  // Asks the server to forget another session of this key (facts §3.10); answered with a
  // DestroySessionResult event.
  void destroy_session(std::int64_t other_session_id);

  // Appends the packets to write now (nothing when there is nothing to send).
  void flush(UnixNanos now, std::vector<OutgoingPacket>& out);
  // True when flush() would write something now.
  bool wants_flush(UnixNanos now) const;

  void on_packet(ByteSpan packet, UnixNanos now, std::vector<ClientEvent>& events);
  void on_quick_ack(std::uint32_t token, std::vector<ClientEvent>& events);
  void on_disconnect();

  // The earliest time on_timer() has something to do (it may wake up early and find nothing).
  std::optional<UnixNanos> next_deadline() const;
  // Fails requests past their deadline and schedules keep-alive pings, salt refreshes and state
  // checks; call flush() afterwards.
  void on_timer(UnixNanos now, std::vector<ClientEvent>& events);

  ClientCounters counters() const;
  std::int64_t server_salt() const { return salts_.last(); }
  std::int64_t time_offset() const { return clock_.offset(); }

 private:
  // What a msg_id we sent stands for.
  enum class SentKind : std::uint8_t {
    Request,
    Container,
    Ack,
    StateReq,
    StateInfo,
    ResendReq,
    Ping,       // ping(): an explicit ping
    KeepAlive,  // ping_delay_disconnect
    FutureSalts,
    DropAnswer,
    DestroySession,
  };
  struct SentEntry {
    SentKind kind = SentKind::Request;
    std::uint64_t ref = 0;  // RequestId value for Request
  };
  // A msg_id to forget once it is older than options.sent_memory.
  struct AgedId {
    std::uint64_t msg_id = 0;
    UnixNanos at{};
  };
  // A service message queued for the next flush.
  struct PendingService {
    SentKind kind = SentKind::Ack;
    bool content_related = false;
    Bytes body;
    std::int64_t value = 0;              // ping_id, the req_msg_id of rpc_drop_answer, session_id
    std::vector<std::uint64_t> msg_ids;  // what a msgs_state_req asks about
  };
  // A sent service message whose answer we wait for.
  struct TrackedService {
    std::uint64_t msg_id = 0;
    std::uint64_t container_id = 0;
    SentKind kind = SentKind::Ping;
    std::int64_t value = 0;
    UnixNanos sent_at{};
    std::vector<std::uint64_t> msg_ids;
  };
  struct PacketItem {
    SentKind kind = SentKind::Request;
    std::uint64_t ref = 0;  // RequestId value, or the service message's msg_id
  };
  struct SentOrder {  // for state checks: requests in the order they were sent
    RequestId id;
    std::uint64_t msg_id = 0;
    UnixNanos at{};
  };
  // A request that had dependents when it got its outcome, remembered for sent_memory: a dependent
  // serialised later still names its msg_id, so the server runs it only after this one, or answers
  // MSG_WAIT_FAILED when this one failed (the caller may be about to retry it).
  struct FinishedPredecessor {
    RequestId id;
    UnixNanos at{};
  };
  struct Timeout {
    UnixNanos deadline{};
    RequestId id;
    // Heap order: the earliest deadline on top.
    static bool later(const Timeout& a, const Timeout& b) { return a.deadline > b.deadline; }
  };
  struct QuickAckRecord {
    std::uint32_t token = 0;
    std::vector<RequestId> ids;
  };
  enum class Level : std::uint8_t { Top, Item };

  // --- outbound (client_outbound.cpp) ---
  void emit_acks(UnixNanos now, std::vector<OutgoingPacket>& out);
  void emit_service(PendingService& s, UnixNanos now, std::vector<OutgoingPacket>& out);
  void emit_requests(UnixNanos now, std::vector<OutgoingPacket>& out);
  void serialize_with_dependencies(RequestId id, UnixNanos now, std::vector<OutgoingPacket>& out);
  void serialize_request(RequestId id, client_detail::Request& r, UnixNanos now,
                         std::vector<OutgoingPacket>& out);
  std::uint64_t emit_message(ByteSpan body, bool content_related, UnixNanos now,
                             std::vector<OutgoingPacket>& out);
  void close_packet(UnixNanos now, std::vector<OutgoingPacket>& out);
  std::uint64_t new_msg_id(UnixNanos now);
  std::uint32_t next_seq_no(bool content_related);
  void queue_service(SentKind kind, bool content_related, Bytes body, std::int64_t value = 0,
                     std::vector<std::uint64_t> msg_ids = {});

  // --- inbound (client_inbound.cpp) ---
  void process_message(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body, Level level, UnixNanos now,
                       std::vector<ClientEvent>& events);
  void dispatch(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body, Level level, bool allow_gzip,
                UnixNanos now, std::vector<ClientEvent>& events);
  void on_rpc_result(ByteSpan body, UnixNanos now, std::vector<ClientEvent>& events);
  void answer_request(RequestId id, client_detail::Request& r, ByteSpan result,
                      std::vector<ClientEvent>& events);
  void on_service_answer(std::uint64_t req_msg_id, ByteSpan result, UnixNanos now,
                         std::vector<ClientEvent>& events);
  void on_msgs_ack(ByteSpan body);
  void on_new_session_created(ByteSpan body, std::vector<ClientEvent>& events);
  void on_pong(ByteSpan body, UnixNanos now, std::vector<ClientEvent>& events);
  void on_future_salts(ByteSpan body);
  void on_msgs_state_req(std::uint64_t msg_id, ByteSpan body);
  void on_msgs_state_info(ByteSpan body);
  void on_msgs_all_info(ByteSpan body);
  void on_msg_resend_req(std::uint64_t msg_id, ByteSpan body);
  void on_detailed_info(ByteSpan body);
  void on_destroy_session_result(ByteSpan body, std::vector<ClientEvent>& events);
  bool in_time_window(std::uint64_t msg_id, UnixNanos now) const;
  void queue_ack(std::uint64_t msg_id, UnixNanos now);

  // --- recovery (client_recovery.cpp) ---
  void on_bad_msg(std::uint64_t carrier_msg_id, ByteSpan body, UnixNanos now,
                  std::vector<ClientEvent>& events);
  // Applies f(RequestId, Request&) to the sent requests whose current transmission is msg_id or
  // was inside the container msg_id (facts §3.9: a container's id stands for all of it). f may
  // resend or finish the request.
  template <class F>
  void for_each_affected(std::uint64_t msg_id, const SentEntry& entry, F&& f);
  // The tracked service messages sent as msg_id or inside the container msg_id: repeated (retry)
  // or forgotten.
  void release_services(std::uint64_t msg_id, bool retry);
  void release_service(TrackedService& service, bool retry);
  void resend(RequestId id, client_detail::Request& r);
  void apply_message_status(std::uint64_t msg_id, std::uint8_t status);
  void finish(RequestId id, client_detail::Request& r, ClientEvent event, std::vector<ClientEvent>& events);
  void reset_session_state();

  // --- timers (client_timers.cpp) ---
  void schedule_due(UnixNanos now);
  void schedule_state_checks(UnixNanos now);
  bool salts_need_refresh(UnixNanos now) const;
  std::optional<UnixNanos> salt_refresh_at() const;
  void collect_garbage(UnixNanos now);
  void prune();
  bool state_check_pending(const SentOrder& o) const;
  std::int64_t server_seconds(UnixNanos now) const;
  bool acks_due(UnixNanos now) const;

  TrackedService* find_tracked(std::uint64_t msg_id);

  crypto::AuthKey key_;
  ClientSessionOptions options_;
  RandomSource random_;
  crypto::MessageCipher cipher_;
  MsgIdClock clock_;
  client_detail::SaltStore salts_;
  std::int64_t session_id_ = 0;
  std::uint32_t content_messages_ = 0;  // n of facts §3.6
  std::uint64_t session_generation_ = 0;

  client_detail::RequestTable requests_;
  client_detail::MsgIdMap<SentEntry> sent_;
  client_detail::RingQueue<AgedId> aged_;
  client_detail::RingQueue<SentOrder> sent_order_;
  std::unordered_map<std::uint64_t, std::uint64_t> finished_msg_ids_;  // RequestId value -> msg_id
  client_detail::RingQueue<FinishedPredecessor> finished_order_;
  std::vector<Timeout> timeouts_;  // min-heap on deadline, stale entries skipped
  std::vector<TrackedService> tracked_;
  std::vector<PendingService> pending_service_;
  std::vector<QuickAckRecord> quick_acks_;

  client_detail::ReceivedWindow received_;
  std::vector<std::uint64_t> pending_acks_;
  UnixNanos oldest_ack_at_{};

  // Outbound scratch, reused across flushes.
  client_detail::PacketAssembler assembler_;
  std::vector<PacketItem> packet_items_;
  std::vector<RequestId> packet_quick_acks_;
  std::vector<RequestId> dependency_stack_;
  Bytes scratch_;
  Bytes gzip_scratch_;
  // Inbound scratch.
  Bytes plaintext_;
  std::vector<std::uint64_t> id_scratch_;

  bool connection_started_ = false;
  std::optional<UnixNanos> last_ping_at_;
  std::optional<UnixNanos> last_salt_request_at_;
  std::uint64_t highest_sent_msg_id_ = 0;
  UnixNanos last_now_{};

  ClientCounters counters_;
};

template <class F>
void ClientSession::for_each_affected(std::uint64_t msg_id, const SentEntry& entry, F&& f) {
  using client_detail::RequestState;
  if (entry.kind == SentKind::Request) {
    const RequestId id{entry.ref};
    client_detail::Request* r = requests_.find(id);
    // Only the current transmission counts: news about a superseded msg_id is stale.
    if (r != nullptr && r->state == RequestState::Sent && r->msg_id == msg_id) f(id, *r);
  } else if (entry.kind == SentKind::Container) {
    // Rare (bad_msg or an ack about a whole container): a scan of the live requests beats keeping
    // a member list for every container sent.
    requests_.for_each_live([&](RequestId id, client_detail::Request& r) {
      if (r.state == RequestState::Sent && r.container_id == msg_id) f(id, r);
    });
  }
}

}  // namespace tgd::mtproto
