// A TCP client: HTTP/1.1 (POST /rpc, one request or batch per body) that may upgrade to WebSocket
// (on "/", one JSON-RPC message per text frame). Every request is checked first: Host, Origin,
// token. Beast parses HTTP and answers the upgrade; the WebSocket frames are tgd's own
// (ws_frame.hpp says why).
#include <sys/socket.h>

#include <spdlog/spdlog.h>
#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

#include "rpc/server/connection.hpp"
#include "rpc/server/http_access.hpp"
#include "rpc/server/metrics_text.hpp"
#include "rpc/server/ws_frame.hpp"

namespace tgd::rpc {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using net::tcp;

constexpr std::size_t kHeaderLimit = 64 << 10;
constexpr std::size_t kReadChunk = 64 << 10;
// How long a close handshake may take before the connection is simply closed.
constexpr auto kCloseLinger = std::chrono::seconds(1);

class TcpConnection final : public Connection {
 public:
  TcpConnection(std::shared_ptr<ServerState> state, tcp::socket socket)
      : Connection(std::move(state), Framing::None),
        socket_(std::move(socket)),
        reply_wake_(state_->executor) {}

  void start() {
    // Answers and notifications are small and latency-bound: without this, Nagle holds a write
    // back until the previous one is acknowledged, and the client's delayed ACK makes that up to
    // 40 ms (measured: p50 16 ms, p99 40 ms for updates at 2,000/s; the write queue already
    // coalesces what a loop turn produces into one writev).
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    auto self = std::static_pointer_cast<TcpConnection>(shared_from_this());
    asio::co_spawn(state_->executor, serve_http(self), asio::detached);
    asio::co_spawn(state_->executor, idle_watch(self), asio::detached);
  }

 private:
  void deliver(std::string response) override {
    if (ws_mode_) {
      Connection::deliver(std::move(response));
    } else {
      reply_ = std::move(response);
      signal(reply_wake_);
    }
  }

  bool can_push() const override { return ws_mode_; }

  void close_transport() override {
    boost::system::error_code ignored;
    if (ws_) {
      ws_->next_layer().close(ignored);
    } else {
      socket_.close(ignored);
    }
    reply_wake_.cancel();
    if (linger_) linger_->cancel();
  }

  // WebSocket: everything is written. After our close frame, half-close and let the reader wait
  // (bounded by the linger timer) for the client's close frame or its end of stream, so that the
  // client reads our last frames before the connection goes.
  void on_flushed() override {
    if (!ws_mode_ || !output_closed_ || client_closed_) {
      close();
      return;
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Sends a close frame (after what is queued) and stops sending anything else.
  void close_websocket(std::uint16_t code, std::string_view reason) {
    if (output_closed_) return;
    enqueue_framed(ws::frame(ws::Opcode::Close, ws::close_payload(code, reason)));
    close_output();
    close_after_flush_ = true;
    signal(writer_wake_);
    linger_.emplace(state_->executor, kCloseLinger);
    linger_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->close();
    });
  }

  struct Refusal {
    http::status status;
    const char* text;
  };
  // The verdict on a request's Host, Origin and (unless !need_token) token: nullopt when it may go on.
  std::optional<Refusal> refusal(const http::request<http::string_body>& request, bool need_token) const {
    const ServerOptions& options = state_->options;
    if (!host_allowed(request[http::field::host], options.tcp_host, state_->tcp_port, options.allowed_hosts))
      return Refusal{http::status::forbidden, "Host not allowed"};
    if (auto origin = request.find(http::field::origin);
        origin != request.end() && !origin_allowed(origin->value(), options.allowed_origins))
      return Refusal{http::status::forbidden, "Origin not allowed"};
    if (!need_token) return std::nullopt;
    std::optional<std::string> token;
    if (auto authorization = request.find(http::field::authorization); authorization != request.end()) {
      if (auto bearer = bearer_token(authorization->value())) token.emplace(*bearer);
    } else {
      token = query_parameter(request.target(), "token");
    }
    if (!token || options.token.empty() || !constant_time_equal(*token, options.token))
      return Refusal{http::status::unauthorized, "a valid token is required"};
    return std::nullopt;
  }

  // Answers with an error status and closes.
  awaitable<void> refuse(http::status status, const char* text, unsigned version,
                         const char* allow = "POST") {
    http::response<http::string_body> response{status, version};
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    if (status == http::status::unauthorized) response.set(http::field::www_authenticate, "Bearer");
    if (status == http::status::method_not_allowed) response.set(http::field::allow, allow);
    response.body() = text;
    response.body() += '\n';
    response.keep_alive(false);
    response.prepare_payload();
    auto [ec, n] = co_await http::async_write(socket_, response, net::as_tuple_awaitable);
    if (!ec && !closed_) {
      // Lingering close: read what the client still sends (an unread body) for a moment, so that
      // closing does not reset the connection before the client has read the answer.
      boost::system::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      asio::steady_timer linger(state_->executor, std::chrono::seconds(1));
      linger.async_wait([self = shared_from_this()](boost::system::error_code timer_ec) {
        if (!timer_ec) self->close();
      });
      std::array<char, 16384> scratch;
      std::size_t drained = 0;
      while (!closed_ && drained < (std::size_t{1} << 20)) {
        auto [read_ec, got] =
            co_await socket_.async_read_some(asio::buffer(scratch), net::as_tuple_awaitable);
        if (read_ec) break;
        drained += got;
      }
      linger.cancel();
    }
    close();
  }

  // While a call runs, notices a client that hangs up (its calls are then cancelled).
  void watch_for_hangup() {
    auto self = std::static_pointer_cast<TcpConnection>(shared_from_this());
    socket_.async_wait(tcp::socket::wait_read, [self](boost::system::error_code ec) {
      if (ec || self->closed_ || self->reply_) return;
      char byte;
      ssize_t got = ::recv(self->socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) self->close();
    });
  }

  awaitable<void> serve_http(std::shared_ptr<TcpConnection> self) {
    const std::size_t max = limits().max_message_bytes;
    while (!closed_) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(max);
      auto [ec, n] = co_await http::async_read_header(socket_, buffer_, parser, net::as_tuple_awaitable);
      if (closed_) co_return;
      if (ec) {
        if (ec == http::error::header_limit) {
          co_await refuse(http::status::request_header_fields_too_large, "request header too large", 11);
        } else if (ec == http::error::body_limit) {  // a Content-Length over the limit
          ++state_->stats.errors[codes::kRequestTooLarge];
          co_await refuse(http::status::payload_too_large, "body too large", 11);
        }
        close();
        co_return;
      }
      touch();
      const http::request<http::string_body>& request = parser.get();
      const unsigned version = request.version();
      const std::string_view path = target_path(request.target());
      // Probes reach /health without the token (it tells nothing but "serving"); Host and Origin are
      // still checked, so a rebound DNS name cannot use it to find tgd.
      if (auto refused = refusal(request, path != "/health")) {
        // The path only: a ?token= in the query must not reach the log.
        if (spdlog::should_log(spdlog::level::debug)) {
          boost::system::error_code peer_ec;
          const auto peer = socket_.remote_endpoint(peer_ec);
          spdlog::debug("http {}: {} {} refused with {}: {}",
                        peer_ec ? std::string("?") : peer.address().to_string(),
                        std::string(request.method_string()), std::string(path),
                        static_cast<unsigned>(refused->status), refused->text);
        }
        co_await refuse(refused->status, refused->text, version);
        co_return;
      }
      if (path == "/health" || path == "/metrics") {
        if (websocket::is_upgrade(request) || request.method() != http::verb::get) {
          co_await refuse(http::status::method_not_allowed, "method not allowed: use GET", version, "GET");
          co_return;
        }
        const bool goes_on = co_await serve_get(parser, path);
        if (!goes_on) co_return;
        continue;
      }
      if (websocket::is_upgrade(request)) {
        if (path != "/") {
          co_await refuse(http::status::not_found, "not found: WebSocket is served on /", version);
          co_return;
        }
        if (!parser.is_done()) {
          co_await refuse(http::status::bad_request, "a WebSocket upgrade has no body", version);
          co_return;
        }
        auto websocket = serve_websocket(parser.release(), self);
        co_await std::move(websocket);
        co_return;
      }
      if (path != "/rpc") {
        co_await refuse(http::status::not_found, "not found: JSON-RPC is served by POST /rpc", version);
        co_return;
      }
      if (request.method() != http::verb::post) {
        co_await refuse(http::status::method_not_allowed, "method not allowed: use POST", version);
        co_return;
      }
      if (beast::iequals(request[http::field::expect], "100-continue")) {
        http::response<http::empty_body> proceed{http::status::continue_, version};
        auto [ec2, n2] = co_await http::async_write(socket_, proceed, net::as_tuple_awaitable);
        if (ec2 || closed_) {
          close();
          co_return;
        }
      }
      auto [read_ec, read_n] = co_await http::async_read(socket_, buffer_, parser, net::as_tuple_awaitable);
      if (closed_) co_return;
      if (read_ec == http::error::body_limit) {
        ++state_->stats.errors[codes::kRequestTooLarge];
        co_await refuse(http::status::payload_too_large, "body too large", version);
        co_return;
      }
      if (read_ec) {
        close();
        co_return;
      }
      touch();
      const bool keep_alive = parser.get().keep_alive();
      std::string body = std::move(parser.get().body());
      const std::size_t size = body.size();
      body.append(kJsonPadding, ' ');
      reply_.reset();
      handle_message(std::string_view(body.data(), size), body.size());
      if (!reply_ && !closed_) {
        watch_for_hangup();
        while (!reply_ && !closed_) co_await wait(reply_wake_);
        boost::system::error_code ignored;
        socket_.cancel(ignored);
      }
      if (closed_) co_return;
      http::response<http::string_body> response{
          reply_->empty() ? http::status::no_content : http::status::ok, version};
      if (!reply_->empty()) {
        response.set(http::field::content_type, "application/json");
        response.body() = std::move(*reply_);
      }
      reply_.reset();
      response.keep_alive(keep_alive);
      response.prepare_payload();
      auto [write_ec, write_n] = co_await http::async_write(socket_, response, net::as_tuple_awaitable);
      if (closed_) co_return;
      if (write_ec || !keep_alive) {
        close();
        co_return;
      }
      touch();
    }
  }

  // GET /health or /metrics (already checked): reads what body the request has (ignored), answers,
  // and says whether the connection goes on with its next request.
  awaitable<bool> serve_get(http::request_parser<http::string_body>& parser, std::string_view path) {
    if (!parser.is_done()) {
      auto [read_ec, read_n] = co_await http::async_read(socket_, buffer_, parser, net::as_tuple_awaitable);
      if (closed_) co_return false;
      if (read_ec == http::error::body_limit) {
        co_await refuse(http::status::payload_too_large, "body too large", parser.get().version());
        co_return false;
      }
      if (read_ec) {
        close();
        co_return false;
      }
    }
    const http::request<http::string_body>& request = parser.get();
    http::response<http::string_body> response{http::status::ok, request.version()};
    if (path == "/health") {
      // Nothing but whether tgd serves: probes need no more, and anyone who may reach it learns no more.
      if (state_->stopped) response.result(http::status::service_unavailable);
      response.set(http::field::content_type, "application/json");
      response.body() = state_->stopped ? R"({"status":"stopping"})" : R"({"status":"ok"})";
    } else {
      metrics::Writer writer;
      metrics::server_metrics(writer, state_->stats);
      response.set(http::field::content_type, metrics::kContentType);
      response.body() = writer.done() + state_->handler.metrics();
    }
    response.set(http::field::cache_control, "no-store");
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    touch();
    auto [write_ec, write_n] = co_await http::async_write(socket_, response, net::as_tuple_awaitable);
    if (closed_) co_return false;
    if (write_ec || !response.keep_alive()) {
      close();
      co_return false;
    }
    touch();
    co_return true;
  }

  awaitable<void> serve_websocket(http::request<http::string_body> request,
                                  std::shared_ptr<TcpConnection> self) {
    // Beast checks the upgrade request and writes the 101 answer; then the socket is ours again.
    ws_.emplace(std::move(socket_));
    ws_->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "tgd"); }));
    auto [ec] = co_await ws_->async_accept(request, net::as_tuple_awaitable);
    if (closed_) co_return;
    socket_ = std::move(ws_->next_layer());
    ws_.reset();
    if (ec) {
      close();
      co_return;
    }
    ws_mode_ = true;
    set_framing(Framing::WebSocket);
    touch();
    asio::co_spawn(state_->executor, write_frames(self), asio::detached);
    co_await read_frames();
  }

  awaitable<void> read_frames() {
    const std::size_t max = limits().max_message_bytes;
    ws::FrameReader reader(max, kJsonPadding);
    bool reader_failed = false;
    // Bytes Beast's HTTP parser read past the upgrade request (a client may send frames at once).
    std::vector<char> buffer(std::max(kReadChunk, buffer_.size()) + kJsonPadding);
    std::size_t begin = 0, end = buffer_.size();
    asio::buffer_copy(asio::buffer(buffer), buffer_.data());
    buffer_.consume(buffer_.size());
    while (!closed_) {
      while (!closed_ && !reading_paused() && begin < end) {
        if (reader_failed) {  // the stream cannot be parsed past the error: drop what comes
          begin = end;
          break;
        }
        std::size_t consumed = 0;
        ws::Event event = reader.next(buffer.data() + begin, end - begin, consumed);
        begin += consumed;
        if (output_closed_) {  // closing: the client's close frame ends it, the rest is dropped
          if (event.kind == ws::Event::Kind::Close || event.kind == ws::Event::Kind::Error) {
            close();
            co_return;
          }
          if (event.kind == ws::Event::Kind::NeedMore && consumed == 0) break;
          continue;
        }
        switch (event.kind) {
          case ws::Event::Kind::NeedMore:
            break;
          case ws::Event::Kind::Message:
            touch();
            if (event.opcode != ws::Opcode::Text) {
              ++state_->stats.errors[codes::kInvalidRequest];
              deliver(error_response("null", Error{codes::kInvalidRequest,
                                                   "binary frames are not accepted: send JSON-RPC as text",
                                                   {}}));
            } else {
              handle_message(event.payload, event.capacity);
            }
            break;
          case ws::Event::Kind::Ping:
            enqueue_framed(ws::frame(ws::Opcode::Pong, event.payload));
            break;
          case ws::Event::Kind::Pong:
            break;
          case ws::Event::Kind::Close:
            // Echo the code (RFC 6455 §5.5.1), then close once it is written.
            client_closed_ = true;
            close_websocket(event.close_code ? event.close_code : ws::kCloseNormal, {});
            co_return;
          case ws::Event::Kind::Error:
            reader_failed = true;
            if (event.close_code == ws::kCloseTooBig) {
              fail_message(Error{codes::kRequestTooLarge, event.detail, {}});
            }
            close_websocket(event.close_code, event.detail);
            continue;  // read on until the client's close frame (or the linger timer)
        }
        if (event.kind == ws::Event::Kind::NeedMore && consumed == 0) break;
      }
      if (closed_) co_return;
      if (reading_paused() && !output_closed_) {
        co_await wait(reader_wake_);
        continue;
      }
      if (begin == end) begin = end = 0;
      if (buffer.size() - kJsonPadding - end < kReadChunk / 4) {
        if (begin > 0) {
          std::memmove(buffer.data(), buffer.data() + begin, end - begin);
          end -= begin;
          begin = 0;
        }
        // A whole frame (at most the message limit plus its header) must fit: it is parsed in place.
        if (buffer.size() - kJsonPadding - end < kReadChunk / 4) {
          buffer.resize(std::min(buffer.size() * 2, max + ws::kMaxHeader + 4 + kReadChunk + kJsonPadding));
        }
      }
      auto [read_ec, n] = co_await socket_.async_read_some(
          asio::buffer(buffer.data() + end, buffer.size() - kJsonPadding - end), net::as_tuple_awaitable);
      if (closed_) co_return;
      if (read_ec) {
        close();
        co_return;
      }
      end += n;
    }
  }

  awaitable<void> write_frames(std::shared_ptr<TcpConnection> self) {
    (void)self;
    co_await write_queued(socket_);
  }

  tcp::socket socket_;
  std::optional<websocket::stream<tcp::socket>> ws_;  // during the upgrade only
  beast::flat_buffer buffer_;
  bool ws_mode_ = false;
  bool client_closed_ = false;  // the client sent its close frame
  std::optional<asio::steady_timer> linger_;
  std::optional<std::string> reply_;
  asio::steady_timer reply_wake_;
};

}  // namespace

void serve_tcp(std::shared_ptr<ServerState> state, net::tcp::socket socket) {
  auto connection = std::make_shared<TcpConnection>(state, std::move(socket));
  state->connections.emplace(connection->connection_id(), connection);
  connection->start();
}

}  // namespace tgd::rpc
