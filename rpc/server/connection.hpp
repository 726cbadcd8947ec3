#pragma once
// Internal to rpc/server: what every client connection shares, whatever its framing — the
// JSON-RPC dispatch (one coroutine per request, batches answered in order, the in-flight limit),
// the cancellation of a connection's calls, the bounded outgoing queue with read pausing, the idle
// timeout, and the Caller the methods see.
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/net/asio.hpp"
#include "rpc/server/message.hpp"
#include "rpc/server/rpc_server.hpp"

namespace tgd::rpc {

namespace asio = boost::asio;
using net::awaitable;

class Connection;

// State shared by the server and its connections (connections keep it alive).
struct ServerState {
  ServerState(asio::any_io_executor executor, ServerOptions options, MethodHandler& handler)
      : executor(std::move(executor)), options(std::move(options)), handler(handler) {}
  asio::any_io_executor executor;
  ServerOptions options;
  MethodHandler& handler;
  MessageParser parser;
  Stats stats;
  bool stopped = false;
  std::uint16_t tcp_port = 0;  // the bound TCP port (for the Host check)
  std::uint64_t next_connection_id = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
};

// How queued messages are framed on the wire.
enum class Framing : std::uint8_t {
  None,       // as they are (HTTP bodies)
  Newline,    // each gets a '\n' (NDJSON, the UNIX socket)
  WebSocket,  // each becomes one text frame (ws_frame.hpp)
};

class Connection : public Caller, public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<ServerState> state, Framing framing);
  ~Connection() override;

  std::uint64_t connection_id() const override { return id_; }
  bool notify(std::string notification) override;
  bool notify_parts(std::string_view head, std::string_view body) override;
  bool alive() const override { return !closed_; }
  bool can_notify() const override { return !closed_ && !output_closed_ && can_push(); }
  std::size_t queued_bytes() const override { return out_bytes_; }

  // Closes the transport and cancels the calls that have an id (with_notifications: all calls).
  void close(bool with_notifications = false);

 protected:
  const Limits& limits() const { return state_->options.limits; }
  // Parses one message and starts its calls; its answer reaches deliver() when ready.
  void handle_message(std::string_view text, std::size_t capacity);
  // The answer to one message ("" when it has none: only notifications). Default: queue it.
  virtual void deliver(std::string response);
  virtual void close_transport() = 0;
  virtual bool can_push() const { return true; }

  // Answers a message that could not be read (id null), then closes once it is written.
  void fail_message(const Error& error);
  // The client will send no more (half-closed): close once everything is answered and written.
  void input_finished();

  void touch() { last_activity_ = std::chrono::steady_clock::now(); }
  // Outgoing queue: a message framed as framing_ says, or bytes already framed (WebSocket control
  // frames). After close_output() nothing more is queued (a WebSocket close frame was the last).
  // Small messages are copied into the tail of the queue (chunks of up to kChunkBytes) so that a
  // burst of notifications costs one memcpy each and a few large writes; big ones are moved in.
  void enqueue(std::string message);
  void enqueue_framed(std::string bytes);
  void close_output() { output_closed_ = true; }
  void set_framing(Framing framing) { framing_ = framing; }
  bool reading_paused() const { return !closed_ && out_bytes_ >= limits().outgoing_pause_bytes; }
  // The writer wrote the first `count` queued messages.
  void written(std::size_t count);
  // Nothing left to do: the writer closes when the queue is empty and this is true.
  bool done_when_flushed() const { return close_after_flush_ || (input_done_ && in_flight_ == 0); }
  static awaitable<void> wait(asio::steady_timer& event);
  // Writes the outgoing queue as it fills, many messages per system call, until the connection
  // closes or has nothing left to do (done_when_flushed); then on_flushed() decides.
  template <class Socket>
  awaitable<void> write_queued(Socket& socket);
  // Everything is written and nothing more will come: close (default), or linger for a WebSocket
  // close handshake.
  virtual void on_flushed() { close(); }
  static void signal(asio::steady_timer& event) { event.cancel(); }
  // Closes the connection after idle_timeout without traffic and with nothing to do.
  awaitable<void> idle_watch(std::shared_ptr<Connection> self);

  std::shared_ptr<ServerState> state_;
  const std::uint64_t id_;
  bool closed_ = false;
  bool close_after_flush_ = false;
  bool input_done_ = false;
  Framing framing_;
  bool output_closed_ = false;
  std::deque<std::string> out_;  // chunks of framed bytes
  std::size_t out_bytes_ = 0;
  std::size_t writing_ = 0;  // chunks at the front that the writer is writing (not appended to)
  asio::steady_timer writer_wake_, reader_wake_, idle_timer_;
  std::chrono::steady_clock::time_point last_activity_;

 private:
  struct Batch;
  struct Target {
    std::optional<std::string> id;  // nullopt: a notification
    std::shared_ptr<Batch> batch;
    std::size_t index = 0;
  };
  struct Call {
    std::unique_ptr<asio::cancellation_signal> signal;
    bool notification = false;
  };
  void start_call(Request request, Target target);
  void finish_call(std::uint64_t call, Target& target, std::exception_ptr error, Outcome outcome);
  void answer(Target& target, std::string response);
  // Drops one hold on a batch; the last one sends its answer.
  void release(Batch& batch);
  void count_error(int code) { ++state_->stats.errors[code]; }
  // Whether a message of `size` bytes may be queued now (the first one always may).
  bool admits(std::size_t size);
  // Frames `head` + `body` as one message into the queue's tail chunk.
  void append_message(std::string_view head, std::string_view body);
  // The chunk to append `size` bytes to: the tail if the writer isn't on it and it has room.
  std::string& tail_with_room(std::size_t size);

  std::size_t in_flight_ = 0;
  std::uint64_t next_call_ = 1;
  std::unordered_map<std::uint64_t, Call> calls_;
};

template <class Socket>
awaitable<void> Connection::write_queued(Socket& socket) {
  constexpr std::size_t kMaxGather = 64;  // iovecs per writev
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(kMaxGather);
  while (!closed_) {
    if (out_.empty()) {
      if (done_when_flushed()) {
        on_flushed();
        co_return;
      }
      co_await wait(writer_wake_);
      continue;
    }
    const std::size_t count = std::min(out_.size(), kMaxGather);
    buffers.clear();
    for (std::size_t i = 0; i < count; ++i) buffers.push_back(asio::buffer(out_[i]));
    writing_ = count;
    auto [ec, n] = co_await asio::async_write(socket, buffers, net::as_tuple_awaitable);
    if (closed_) co_return;
    if (ec) {
      close();
      co_return;
    }
    written(count);
  }
}

// Starts serving an accepted connection (unix_connection.cpp, tcp_connection.cpp).
void serve_unix(std::shared_ptr<ServerState> state, asio::local::stream_protocol::socket socket);
void serve_tcp(std::shared_ptr<ServerState> state, net::tcp::socket socket);

}  // namespace tgd::rpc
