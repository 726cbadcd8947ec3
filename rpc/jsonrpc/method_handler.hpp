#pragma once
// The seam between tgd's JSON-RPC front-end (rpc/server: listeners, framing, JSON-RPC 2.0 rules,
// limits) and what the methods do (rpc/methods: Telegram API methods by TL name, daemon methods).
// The server parses each request once, calls MethodHandler::call in its own coroutine, and writes
// the outcome as the response (or nothing for a notification). Everything runs on the daemon's one
// event loop.
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tgd::rpc {

// JSON-RPC 2.0's own codes, and tgd's in the -32000..-32099 range (documented in README). A
// Telegram rpc_error keeps Telegram's code (400, 401, 420, 303, 500, -503, ...).
namespace codes {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

inline constexpr int kUnknownSession = -32000;   // no such session, or several and none named
inline constexpr int kNotLoggedIn = -32001;      // the session is not Ready (or logged out)
inline constexpr int kTimeout = -32002;          // no answer from Telegram in time
inline constexpr int kCancelled = -32003;        // the call was cancelled (client gone, shutdown)
inline constexpr int kUnavailable = -32004;      // no connection to Telegram could be used
inline constexpr int kTooManyRequests = -32005;  // this connection's in-flight limit
inline constexpr int kRequestTooLarge = -32006;  // line/frame/body over the limit
inline constexpr int kPeerNotFound = -32007;     // a peer reference that resolves to nothing
inline constexpr int kWrongLoginState = -32008;  // a login step out of order
inline constexpr int kSessionExists = -32009;    // addSession with a name in use
inline constexpr int kPushUnavailable = -32010;  // subscribe on a connection that cannot push (HTTP)
inline constexpr int kFileError = -32011;  // a path on disk: missing, not writable, no space… (data.kind)
inline constexpr int kTransferFailed = -32012;  // a transfer gave up (retries used up, a broken answer)
inline constexpr int kNoSuchTransfer = -32013;  // cancelTransfer: no transfer with that id is running
inline constexpr int kStopping = -32014;        // the daemon is stopping: it takes no new calls
}  // namespace codes

struct Error {
  int code = codes::kInternalError;
  std::string message;
  std::string data;  // raw JSON value (object), or empty for none
};

// A method's outcome: the result as raw JSON text, or an error.
using Outcome = std::variant<std::string, Error>;

struct Request {
  std::string method;
  // The params as raw JSON text: an object or an array; "{}" when absent.
  std::string params;
  // The id as raw JSON text (echoed verbatim); nullopt for a notification.
  std::optional<std::string> id;
};

// The connection a request came on, for methods that push notifications to it (progress,
// subscriptions) or need to know when it goes away.
class Caller {
 public:
  virtual ~Caller() = default;
  virtual std::uint64_t connection_id() const = 0;
  // Queues a JSON-RPC notification (a complete JSON object) to this connection; false if the
  // connection is gone or its outgoing buffer is over its limit.
  virtual bool notify(std::string notification) = 0;
  // The same for a notification given in two pieces, head + body: a body shared by many
  // subscribers (an update's session, seq and object) then reaches each connection's outgoing
  // buffer with one copy instead of being joined into a string per subscriber first.
  virtual bool notify_parts(std::string_view head, std::string_view body) {
    std::string joined;
    joined.reserve(head.size() + body.size());
    joined.append(head).append(body);
    return notify(std::move(joined));
  }
  // Still connected.
  virtual bool alive() const = 0;
  // Whether notify() can ever succeed here: false on plain HTTP (one answer per request, nothing
  // pushed), so methods that only push (subscribe) refuse at once instead of failing silently.
  virtual bool can_notify() const { return alive(); }
  // Bytes queued on this connection and not yet written (answers and notifications): what a
  // pushing method compares with its own budget to detect a subscriber that does not keep up.
  virtual std::size_t queued_bytes() const { return 0; }
};

class MethodHandler {
 public:
  virtual ~MethodHandler() = default;
  // Runs one request. The caller stays valid until the returned awaitable completes; keep a
  // shared_ptr if the work outlives it (the server cancels the coroutine when the client goes away).
  virtual boost::asio::awaitable<Outcome> call(const Request& request, std::shared_ptr<Caller> caller) = 0;
  // The handler's own metrics for GET /metrics, in Prometheus text format (rpc/server/metrics_text.hpp),
  // appended after the server's; empty when it has none. Runs on the event loop: no blocking.
  virtual std::string metrics() { return {}; }
};

}  // namespace tgd::rpc
