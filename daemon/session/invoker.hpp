#pragma once
// The one seam every Telegram API call of a session goes through — from scripts and from the
// daemon itself (logins, updates, files). It owns what no caller should repeat:
//
//   connections   one MtprotoClient per (DC, kind), opened on demand; a file connection per DC
//                 shares the DC's auth key but never carries updates (invokeWithoutUpdates), so
//                 transfers never delay interactive calls;
//   init          invokeWithLayer(initConnection(...)) around the first calls of every new key or
//                 session (MtprotoClient::wrap_until_initialized);
//   routing       the main DC, or the DC a call names; PHONE/NETWORK/USER_MIGRATE_X move the main DC
//                 and replay, FILE/STATS_MIGRATE_X replay on DC X; a logged-in session is authorized
//                 on another DC once (auth.exportAuthorization / auth.importAuthorization), then reuses it;
//   flood waits   FLOOD_WAIT_X and friends: wait and retry when X ≤ the threshold, else the caller
//                 gets the error with X;
//   retries       -503 Timeout and 5xx: bounded retries with exponential backoff;
//   ordering      calls in one queue (InvokeOptions::queue) go out in order, chained with
//                 invokeAfterMsg, and again in order when one of them is retried;
//   logouts       AUTH_KEY_UNREGISTERED / SESSION_REVOKED / ... on a logged-in session: the session
//                 is told once (hooks.on_logged_out) instead of looping; AUTH_KEY_DUPLICATED: the
//                 DC's key is dropped as well;
//   timeouts, cancellation (the awaiting operation's cancellation slot), and per-method metrics.
//
// Single-threaded: every call runs on the executor's thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/session/call_queue.hpp"
#include "daemon/session/connection_params.hpp"
#include "daemon/session/dc_target.hpp"
#include "protocol/base/bytes.hpp"
#include "protocol/base/histogram.hpp"
#include "protocol/mtproto/client/session_options.hpp"
#include "protocol/net/mtproto_client.hpp"

namespace tgd::session {

struct InvokerOptions {
  DcTarget target = DcTarget::production();
  ConnectionParams params;
  std::int32_t layer = 0;                                // the schema's layer (tl::Schema::layer())
  std::int32_t main_dc = 0;                              // 0: target.default_dc()
  bool authorized = false;                               // logged in on the main DC
  std::map<std::int32_t, net::StoredAuthKey> auth_keys;  // per DC, from the store
  std::set<std::int32_t> authorized_dcs;                 // other DCs with an imported authorization

  // FLOOD_WAIT_X (and PREMIUM/TEST_PHONE/SLOWMODE) with X at most this are waited out and retried.
  std::chrono::seconds flood_wait_threshold{10};
  // -503 Timeout / 5xx: this many retries, the first after retry_delay, then doubling.
  int max_retries = 3;
  std::chrono::milliseconds retry_delay{1000};
  int max_migrations = 5;                          // per call: a DC ping-pong ends in the last error
  std::chrono::milliseconds call_timeout{60'000};  // when the call names none

  transport::Framing framing = transport::Framing::PaddedIntermediate;
  bool obfuscated = true;
  std::chrono::milliseconds reconnect_initial{100}, reconnect_max{30'000};
  mtproto::ClientSessionOptions session;
  // A thread pool for the auth key exchange's CPU work (see net::ClientOptions::cpu_executor).
  std::optional<boost::asio::any_io_executor> cpu_executor;
};

struct InvokerHooks {
  std::function<void(std::int32_t dc, const net::StoredAuthKey&)> on_auth_key;  // created: persist it
  std::function<void(std::int32_t dc)> on_auth_key_dropped;                     // AUTH_KEY_DUPLICATED
  std::function<void(std::int32_t dc)> on_main_dc;                              // after a migration
  std::function<void(std::int32_t dc)> on_dc_authorized;                        // import succeeded
  std::function<void(const std::string& reason)> on_logged_out;
  std::function<void(ByteSpan updates)> on_update;    // pushed by the main DC's main connection
  std::function<void(net::LinkEvent)> on_link_event;  // the main DC's main connection: updates may be lost
};

enum class ConnectionKind : std::uint8_t { Main, File };

struct InvokeOptions {
  std::optional<std::int32_t> dc{};  // else the main DC
  ConnectionKind connection = ConnectionKind::Main;
  std::optional<std::chrono::milliseconds> timeout{};  // else InvokerOptions::call_timeout
  bool wait_flood = true;                              // false: return FLOOD_WAIT at once whatever X is
  // Set to the DC that answered, when the call succeeds (after FILE_MIGRATE_X, not the one asked):
  // a transfer then sends its next parts there directly.
  std::int32_t* answered_by = nullptr;
  // The call's place in an ordered queue (call_queue.hpp), held by the caller until invoke() ends:
  // it is sent only after the call before it in the queue, as invokeAfterMsg naming that one.
  QueueNode* queue = nullptr;
};

struct CallError {
  enum class Kind : std::uint8_t {
    Rpc,        // an rpc_error the Invoker did not handle: code and message from Telegram
    FloodWait,  // a flood wait above the threshold (or not waited): wait_seconds
    Failed,     // no answer: timeout, cancelled, stopped, or a connection that cannot be made
    LoggedOut,  // the session lost its authorization (code/message of the error that said so)
    BadInput,   // (Session) the call could not be encoded; message says where
  };
  Kind kind = Kind::Rpc;
  std::int32_t code = 0;
  std::string message;
  std::int32_t wait_seconds = 0;
};

using InvokeResult = std::variant<Bytes, CallError>;

struct MethodMetrics {
  std::uint64_t calls = 0, ok = 0, rpc_errors = 0, failed = 0;
  std::uint64_t flood_waits = 0, retries = 0, migrations = 0;
  std::chrono::nanoseconds total_time{0};
  LatencyHistogram latency;  // seconds per ended call, retries included (as total_time)
};

std::string_view to_string(ConnectionKind kind);  // "main", "file"

// One MTProto connection of the Invoker (per DC and kind), for metrics. The counters are monotonic:
// they include the connections that were there before for the same DC and kind (a DC whose key
// was dropped gets new ones).
struct ConnectionStats {
  std::int32_t dc = 0;
  ConnectionKind kind = ConnectionKind::Main;
  bool open = false;             // a client exists for it now (connecting, connected or backing off)
  bool connected = false;        // connected with an auth key, able to send
  std::uint64_t reconnects = 0;  // connections established after a client's first one
  std::uint64_t resends = 0;     // requests sent again (after a reconnect, bad_msg, no ack)
  std::uint64_t bad_msg_notifications = 0;           // bad_server_salt included
  std::uint64_t bytes_sent = 0, bytes_received = 0;  // MTProto packets (encrypted payloads)
};

class Invoker {
 public:
  Invoker(boost::asio::any_io_executor executor, InvokerOptions options, InvokerHooks hooks);
  ~Invoker();
  Invoker(const Invoker&) = delete;
  Invoker& operator=(const Invoker&) = delete;

  // `query` is a bare API method (no invokeWithLayer etc.). Exactly one outcome.
  boost::asio::awaitable<InvokeResult> invoke(Bytes query, InvokeOptions options = {});

  std::int32_t main_dc() const;
  void set_main_dc(std::int32_t dc);
  // Logged in (other DCs then need an imported authorization) or not.
  void set_authorized(bool authorized);
  bool authorized() const;
  // Other DCs this session imported its authorization to (persisted with the session).
  const std::set<std::int32_t>& authorized_dcs() const;
  DcTarget& target();
  const ConnectionParams& params() const;

  // The auth keys as they are now (salts and time offsets move), for persisting at shutdown.
  std::map<std::int32_t, net::StoredAuthKey> auth_keys() const;
  // Per method constructor id.
  const std::map<std::uint32_t, MethodMetrics>& metrics() const;
  std::size_t open_connections() const;
  // Every connection there is or was, by DC and kind (Main before File).
  std::vector<ConnectionStats> connections() const;
  std::uint64_t in_flight() const;
  // Closes every connection; pending and later calls fail with Kind::Failed.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgd::session
