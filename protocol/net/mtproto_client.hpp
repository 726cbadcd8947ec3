#pragma once
// The client I/O driver: runs one sans-IO mtproto::ClientSession over one TCP connection to one DC,
// on one executor (one thread), with C++20 coroutines and nothing blocking.
//
//   MtprotoClient client(io.get_executor(), options);
//   client.start();                                  // connects in the background
//   CallResult r = co_await client.call(query);      // from any coroutine on the same executor
//
// It connects (obfuscated2 by default), creates an auth key when it has none, and keeps one
// ClientSession across reconnects, so a request sent before a connection loss is resent on the next
// connection and still answered exactly once. Calls issued during one turn of the event loop go out
// together in one container. Every call gets exactly one outcome: the answer, an rpc_error, or
// CallFailed (timeout, rejection by the server, client stopped).
//
// Not thread-safe: every member function must run on the executor's thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/rsa.hpp"
#include "protocol/mtproto/client/session_counters.hpp"
#include "protocol/mtproto/client/session_events.hpp"
#include "protocol/mtproto/client/session_options.hpp"
#include "protocol/transport/framing.hpp"

namespace tgd::net {

struct DcAddress {
  std::string host;  // an IP address or a name to resolve
  std::uint16_t port = 0;
  std::int32_t dc_id = 0;  // as sent in p_q_inner_data_dc (and, as int16, in the obfuscation header)
};

// An auth key to reuse, with what the client learnt about the server along with it.
struct StoredAuthKey {
  Bytes key;  // 256 bytes
  std::int64_t server_salt = 0;
  std::int64_t time_offset = 0;  // server time minus local time, seconds
};

struct ClientOptions {
  DcAddress dc;
  transport::Framing framing = transport::Framing::PaddedIntermediate;
  // tgd's default for real Telegram, as the official apps. Full has no obfuscated form: with
  // obfuscated = true it is refused (every call fails), not silently sent in the clear.
  bool obfuscated = true;
  // Accepted server keys: needed to create an auth key, also when the server forgets a stored one.
  std::vector<crypto::RsaPublicKey> rsa_keys;
  std::optional<StoredAuthKey> auth_key;  // reuse; else one is created on first connect
  std::chrono::milliseconds connect_timeout{10'000}, handshake_timeout{30'000};
  // Reconnect delays: exponential backoff from reconnect_initial up to reconnect_max, each delay
  // drawn uniformly from [d/2, d] so that many clients do not reconnect in lockstep.
  std::chrono::milliseconds reconnect_initial{100}, reconnect_max{30'000};
  mtproto::ClientSessionOptions session;
  // Wraps a query in what the server needs before anything else on a new auth key or session —
  // for the Telegram API, invokeWithLayer(initConnection(query)) (facts §5.1). Every call is
  // wrapped until one wrapped call has been answered (result or rpc_error) in the current session,
  // so the init still gets through when the first call is cancelled or times out. Empty: no wrap.
  std::function<Bytes(ByteSpan query)> wrap_until_initialized;
  // Where the auth key exchange's CPU-heavy steps run (a thread pool), so that many handshakes at
  // once do not stall the event loop; empty: inline.
  std::optional<boost::asio::any_io_executor> cpu_executor;
  // Called (on the executor) when the client created a new auth key, so it can be persisted.
  std::function<void(const StoredAuthKey&)> on_auth_key_created;
};

struct RpcError {
  std::int32_t code = 0;
  std::string message;
};

// No answer: "timeout", "cancelled" (the awaiting operation's cancellation slot fired), "rejected by
// the server (bad_msg_notification N)" (18/19/64), "client stopped", or a configuration error.
struct CallFailed {
  std::string reason;
};

// Bytes: the rpc_result body (gzip already unpacked).
using CallResult = std::variant<Bytes, RpcError, CallFailed>;

// One call made on one MtprotoClient, named by a later call of the same client that must reach
// the server after it (CallOptions::after).
struct CallTicket {
  std::uint32_t index = UINT32_MAX;  // the client's slot of the call
  std::uint64_t serial = 0;          // which use of that slot
  mtproto::RequestId request{};      // the session's request when the call was made (if any)
};

struct CallOptions {
  std::optional<std::chrono::milliseconds> timeout{};
  bool content_related = true;
  // Asks the transport to quick-ack the packet carrying the call (facts §1.5); on_quick_ack runs
  // (posted, on the executor) when the server confirms it received and decrypted the packet —
  // sooner than the answer, useful for showing progress of slow calls. Not called again for a
  // resend; never called after the outcome, nor over the Full transport, which has no quick acks.
  std::function<void()> on_quick_ack{};
  // False for bodies that do not compress (file parts): never tried as gzip_packed.
  bool compressible = true;
  // Sent as invokeAfterMsg naming that call (facts §5.1): the server runs this one only once that
  // one was processed, and answers 400 MSG_WAIT_FAILED if it failed — also when it has its outcome
  // already (the session remembers calls that handed out a ticket). A ticket of a call from an
  // older session (after -404) or another client is ignored.
  std::optional<CallTicket> after{};
  // When set, receives this call's ticket as the call is made (before call() suspends).
  CallTicket* ticket = nullptr;
};

enum class LinkEvent : std::uint8_t { Reconnected, NewSession };

class MtprotoClient {
 public:
  MtprotoClient(boost::asio::any_io_executor executor, ClientOptions options);
  // Stops the client: pending calls complete with CallFailed (on the executor, afterwards).
  ~MtprotoClient();
  MtprotoClient(const MtprotoClient&) = delete;
  MtprotoClient& operator=(const MtprotoClient&) = delete;

  // Spawns the connection loop. Idempotent; a stopped client does not start again.
  void start();
  // Closes the connection and ends every loop; pending calls complete with CallFailed. Later calls
  // fail at once.
  void stop();

  // Sends a TL query (an API method, possibly wrapped in invokeWithLayer etc.). Exactly one outcome
  // per call. Calls made before the connection is up wait for it (within their timeout). Supports
  // per-operation cancellation (e.g. `call(q) || timer.async_wait()`): the request leaves the
  // session, the server is asked to drop its answer, and the outcome is CallFailed{"cancelled"}.
  boost::asio::awaitable<CallResult> call(Bytes query, CallOptions options = {});
  // Server-pushed updates (content-related messages that are not answers), in arrival order.
  void on_update(std::function<void(ByteSpan)> handler);
  // Moments when pushed updates may have been lost (an update engine then checks with the server):
  // a connection after the first, or the server's new_session_created. Posted to the executor.
  void on_link_event(std::function<void(LinkEvent)> handler);

  // The auth key once created (for persistence), with the current salt and time offset.
  std::optional<StoredAuthKey> auth_key() const;
  // The session's counters, summed over every session this client had (a new auth key starts a
  // new session); the gauges (queued, in_flight) are current, calls waiting for a key included.
  mtproto::ClientCounters counters() const;
  // Connections established after the first one.
  std::uint64_t reconnects() const;
  // Connected, with an auth key, and able to send.
  bool connected() const;
  // The current MTProto session id, once there is a session (for logs and the test DC's push()).
  std::optional<std::int64_t> session_id() const;
  // Why the last connection attempt failed or the last connection ended ("" before any).
  std::string last_error() const;
  // The server's last new_session_created (facts §3.10): updates may have been lost before it.
  // Later issues run update recovery (getDifference) from it.
  std::optional<mtproto::client_event::NewSessionCreated> last_new_session() const;

 private:
  struct Impl;
  // Shared with the coroutines and handlers in flight, which may outlive the client by a turn or
  // two after stop() while they observe their cancellation.
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgd::net
