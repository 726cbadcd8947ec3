#pragma once
// What the server side of a session asks its caller to do. The layer is sans-IO: packets come in,
// and every effect on the outside world (send a transport error, close, arm a timer, run an API
// query) leaves as one of these events, or as an outgoing packet from flush().
#include <chrono>
#include <cstdint>
#include <string_view>
#include <variant>

#include "protocol/base/bytes.hpp"

namespace tgd::mtproto::server {

// Chosen by the I/O layer, one per TCP connection; only compared and handed back.
using ConnectionId = std::uint64_t;

// A session is identified by its auth key and the client's random session_id (facts §3.6).
struct SessionKey {
  std::uint64_t auth_key_id = 0;  // the packet's first 8 bytes, read little-endian
  std::int64_t session_id = 0;
  friend bool operator==(const SessionKey&, const SessionKey&) = default;
};

// Why a packet or message was dropped without any answer.
enum class DropReason : std::uint8_t {
  kTooShort,          // shorter than auth_key_id, or a ciphertext that is not a non-empty multiple of 16
  kNotEncrypted,      // auth_key_id 0: a handshake message, which belongs to the handshake layer
  kBadMsgKey,         // msg_key mismatch (facts §3.2): never acted on
  kEnvelopeTooShort,  // the envelope checks of facts §3.1 (PlaintextError)
  kEnvelopeNotAligned,
  kEnvelopeBadLength,
  kEnvelopeBadPadding,
  kEmptyBody,         // a message without even a constructor id
  kMalformedService,  // a service message (ping, msgs_ack, ...) that does not parse exactly
  kBadGzip,           // gzip_packed that does not inflate, or nests another gzip_packed
  kUnsupported,       // msg_copy (facts §3.10: unused)
};
inline constexpr std::size_t kDropReasonCount = 11;
std::string_view describe(DropReason reason);

enum class TransportErrorCause : std::uint8_t {
  kUnknownAuthKey,  // facts §1.6: -404
  kZeroSessionId,   // gotd got -404 for session_id 0 (facts §1.6)
  kInjected,        // Faults::transport_error
};

// Send `code` as a transport error (a framed negative int32, facts §1.6) and close the connection.
struct TransportError {
  ConnectionId connection = 0;
  std::int32_t code = -404;
  TransportErrorCause cause = TransportErrorCause::kUnknownAuthKey;
};

// Nothing was answered. The caller may log it or close the connection (a bad msg_key usually means
// a confused or hostile peer).
struct Dropped {
  ConnectionId connection = 0;
  DropReason reason = DropReason::kTooShort;
  std::uint64_t msg_id = 0;  // 0 when the packet could not be read that far
};

// An API query for the handler layer, which answers later with ServerSession::answer/answer_error
// (or Dispatcher::answer) for the same session and msg_id. `body` is the query itself, already
// unwrapped from gzip_packed.
struct Query {
  SessionKey session;
  std::uint64_t msg_id = 0;
  Bytes body;
};

// ping_delay_disconnect (facts §3.10): (re)arm a timer that closes `connection` after `delay`
// unless another ping_delay_disconnect re-arms it first.
struct DisconnectAfter {
  SessionKey session;
  ConnectionId connection = 0;
  std::chrono::seconds delay{0};
};

// Faults::drop_after_packets (or drop_after_bytes) reached zero: close `connection` now, without flushing. The session's
// unsent and unacknowledged answers go out again on the client's next connection.
struct DropConnection {
  ConnectionId connection = 0;
};

// The transport asked for a quick ack of this packet and it decrypted with a valid envelope
// (facts §1.5): write the token back on the connection.
struct QuickAck {
  ConnectionId connection = 0;
  std::uint32_t token = 0;
};

// Informational: a session was created (first message of a new session_id accepted) or forgotten
// (destroy_session, eviction, idleness): the API layer may keep or drop per-session state. A client
// that comes back to a forgotten session_id gets a new session (new_session_created), as the docs
// allow: "the server may unilaterally destroy (close) any existing client sessions".
struct SessionCreated {
  SessionKey session;
};
enum class SessionEndCause : std::uint8_t {
  kDestroySession,  // destroy_session from a sibling session (facts §3.10)
  kEvicted,         // a new session needed room: SessionLimits::max_sessions_per_key, least recent out
  kIdle,            // no message for SessionLimits::session_idle_timeout
};
struct SessionDestroyed {
  SessionKey session;
  SessionEndCause cause = SessionEndCause::kDestroySession;
};

// The client sent destroy_auth_key (logging out): the key and all its sessions are forgotten once
// destroy_auth_key_ok is flushed, and its next packet gets -404. The API layer drops whatever it
// bound to the key (an authorization).
struct AuthKeyDestroyed {
  std::uint64_t auth_key_id = 0;
};

// Informational: a bad_msg_notification (or bad_server_salt, code 48) was queued for msg_id.
struct BadMessage {
  SessionKey session;
  std::uint64_t msg_id = 0;
  std::int32_t code = 0;
};

using Event = std::variant<TransportError, Dropped, Query, DisconnectAfter, DropConnection, QuickAck,
                           SessionCreated, SessionDestroyed, AuthKeyDestroyed, BadMessage>;

}  // namespace tgd::mtproto::server
