#pragma once
// The encrypted side of one DC, sans-IO: the entry point of the test DC's I/O and API layers.
//
//   I/O layer:  on_packet(connection, packet, now, events) for every encrypted transport payload;
//               act on the events (TransportError: send the code and close; DropConnection: close;
//               DisconnectAfter: arm a timer); then flush(now, out) and write each packet to its
//               connection. on_connection_closed() when a connection goes away.
//   API layer:  for each Query event, answer()/answer_error() (now or later) with its session and
//               msg_id; push() for updates.
//   Handshake:  add_auth_key() once a key is created.
//
// Per packet: the auth_key_id picks the key (unknown -> TransportError -404, facts §1.6), msg_key
// and the envelope are checked (failures are dropped, facts §3.1-3.2), session_id 0 is refused with
// -404 like Telegram does (facts §1.6), and the session_id picks or creates the ServerSession.
// destroy_auth_key (logging out) makes the key unknown once its destroy_auth_key_ok is flushed.
// Memory stays bounded: at most SessionLimits::max_sessions_per_key sessions per key (least
// recently active evicted), idle sessions forgotten after session_idle_timeout (checked during
// on_packet, every quarter of the timeout); a forgotten session_id that comes back is a new session.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/mtproto/message_id.hpp"
#include "protocol/mtproto/server/auth_key_state.hpp"
#include "protocol/mtproto/server/dc_context.hpp"
#include "protocol/mtproto/server/events.hpp"
#include "protocol/mtproto/server/server_session.hpp"

namespace tgd::mtproto::server {

struct OutgoingPacket {
  ConnectionId connection = 0;
  SessionKey session;
  Bytes bytes;  // auth_key_id | msg_key | encrypted data: frame it with the connection's transport
};

class Dispatcher {
 public:
  explicit Dispatcher(DcOptions options = {});
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // A key from the handshake, with the salt the handshake implies (new_nonce ^ server_nonce,
  // facts §2), accepted for AuthKeyState::kHandshakeSaltSeconds besides the DC's salts. A key
  // already known is replaced, its sessions with it.
  void add_auth_key(crypto::AuthKey key, std::optional<std::int64_t> handshake_salt, UnixNanos now);
  bool has_auth_key(std::uint64_t auth_key_id) const { return keys_.contains(auth_key_id); }

  // quick_ack_requested: the transport frame asked for a quick ack (a QuickAck event follows if
  // the packet is genuine).
  void on_packet(ConnectionId connection, ByteSpan packet, UnixNanos now, std::vector<Event>& events,
                 bool quick_ack_requested = false);
  void on_connection_closed(ConnectionId connection);

  // The session, or nullptr. Valid until the next call that may destroy sessions (on_packet,
  // add_auth_key for the same key, forget_auth_key).
  ServerSession* find_session(const SessionKey& key);
  // As ServerSession::answer/answer_error/push; false if the session is gone or the request is not
  // running.
  bool answer(const SessionKey& session, std::uint64_t msg_id, ByteSpan result, bool compressible = true);
  bool answer_error(const SessionKey& session, std::uint64_t msg_id, std::int32_t code,
                    std::string_view message);
  bool push(const SessionKey& session, ByteSpan updates);

  // Packets for every session with output and a live connection. Sessions without one keep their
  // output until the client is back.
  void flush(UnixNanos now, std::vector<OutgoingPacket>& out);
  // Called when a session gets output and no flush is pending yet: answers given later, pushes and
  // released held answers are not caused by a packet, so the I/O layer must schedule the flush
  // itself (once; it may call flush() from the listener's posted work, never from inside it).
  void set_output_listener(std::function<void()> listener) { output_listener_ = std::move(listener); }

  const Counters& counters() const { return dc_.counters; }
  const SaltSchedule& salts() const { return dc_.salts; }
  UnixNanos server_time(UnixNanos now) const { return dc_.server_time(now); }

  // --- Fault injection (see faults.hpp) ---
  Faults& faults() { return dc_.faults; }
  // Lets every held answer go (Faults::hold_answers), optionally in reverse order.
  void release_answers(ReleaseOrder order = ReleaseOrder::kInOrder);
  // A new salt now; all earlier ones (handshake salts included) are refused from now on.
  void rotate_salts(UnixNanos now);
  // The server's clock runs `skew` ahead of the caller's `now` (negative: behind): msg_id checks,
  // server msg_ids, salts and future_salts all follow it.
  void set_clock_skew(std::chrono::nanoseconds skew) { dc_.clock_skew = skew; }
  // Forgets the key and its sessions: its next packet gets TransportError -404.
  bool forget_auth_key(std::uint64_t auth_key_id) { return keys_.erase(auth_key_id) != 0; }

 private:
  void note_output(ServerSession& session);
  void expire_idle_sessions(UnixNanos now, std::vector<Event>& events);
  void drop(std::vector<Event>& events, ConnectionId connection, DropReason reason);

  DcContext dc_;
  std::unordered_map<std::uint64_t, std::unique_ptr<AuthKeyState>> keys_;
  std::vector<std::unique_ptr<AuthKeyState>> dying_keys_;  // destroy_auth_key, until the next flush
  std::vector<SessionKey> flush_list_;
  UnixNanos next_idle_check_{0};
  std::function<void()> output_listener_;
  std::vector<Bytes> packet_scratch_;
};

}  // namespace tgd::mtproto::server
