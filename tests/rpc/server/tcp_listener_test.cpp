// The server's TCP port with a fake MethodHandler: HTTP POST /rpc and WebSocket, the token,
// Origin and Host checks, limits and cancellation. Clients are small blocking Beast clients.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "tests/rpc/server/test_server.hpp"

using namespace tgd::rpc;
using namespace tgd::rpc::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
};

std::string local_host(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }
Headers with_token() { return {{"Authorization", "Bearer t0ken"}}; }

// One HTTP exchange on `socket` (keeps it open when the server does).
Reply exchange(tcp::socket& socket, beast::flat_buffer& buffer, std::uint16_t port, http::verb verb,
               const std::string& target, const std::string& body, const Headers& headers) {
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, local_host(port));
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  if (verb == http::verb::post) request.set(http::field::content_type, "application/json");
  request.prepare_payload();
  boost::system::error_code ec;
  http::write(socket, request, ec);
  http::response<http::string_body> response;
  http::read(socket, buffer, response, ec);
  if (ec) return {};
  return Reply{response.result_int(), response.body(), std::string(response[http::field::content_type])};
}

Reply http_call(std::uint16_t port, http::verb verb, const std::string& target, const std::string& body,
                const Headers& headers) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::flat_buffer buffer;
  return exchange(socket, buffer, port, verb, target, body, headers);
}

Reply post(std::uint16_t port, const std::string& body, const Headers& headers = with_token()) {
  return http_call(port, http::verb::post, "/rpc", body, headers);
}

class WsClient {
 public:
  // Connects and upgrades; status() is the handshake's HTTP status (101 when accepted).
  WsClient(std::uint16_t port, const std::string& target = "/", const Headers& headers = with_token(),
           std::string host = "") {
    ws_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
      for (const auto& [name, value] : headers) request.set(name, value);
    }));
    websocket::response_type response;
    boost::system::error_code ec;
    ws_.handshake(response, host.empty() ? local_host(port) : host, target, ec);
    status_ = response.result_int();
  }
  unsigned status() const { return status_; }
  void send(const std::string& text) {
    ws_.text(true);
    boost::system::error_code ec;
    ws_.write(asio::buffer(text), ec);
  }
  void send_binary(const std::string& bytes) {
    ws_.binary(true);
    ws_.write(asio::buffer(bytes));
  }
  // The next text frame, or nullopt when the connection ended.
  std::optional<std::string> receive() {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    ws_.read(buffer, ec);
    if (ec) return std::nullopt;
    return beast::buffers_to_string(buffer.data());
  }
  void drop() { ws_.next_layer().close(); }
  // Sends a ping; receive() then records the pong's payload in pongs().
  void ping(const std::string& payload) {
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view data) {
      if (kind == websocket::frame_type::pong) pongs_.emplace_back(data);
    });
    ws_.ping(websocket::ping_data(payload.c_str()));
  }
  const std::vector<std::string>& pongs() const { return pongs_; }
  // Sends a message in fragments of `piece` bytes.
  void send_fragmented(const std::string& text, std::size_t piece) {
    ws_.text(true);
    for (std::size_t at = 0; at < text.size(); at += piece) {
      const std::size_t n = std::min(piece, text.size() - at);
      ws_.write_some(at + n == text.size(), asio::buffer(text.data() + at, n));
    }
  }
  // The close handshake (Beast's close() waits for the server's close frame): true when the server
  // echoed our code.
  bool close(std::uint16_t code) {
    boost::system::error_code ec;
    ws_.close(websocket::close_reason(code), ec);
    return !ec && ws_.reason().code == code;
  }

 private:
  asio::io_context io_;
  websocket::stream<tcp::socket> ws_{io_};
  unsigned status_ = 0;
  std::vector<std::string> pongs_;
};

// A WebSocket client without a library, for what Beast's client will not send (unmasked frames,
// frames written together with the upgrade request).
class RawWs {
 public:
  explicit RawWs(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    upgrade_ = "GET /?token=t0ken HTTP/1.1\r\nHost: " + local_host(port) +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  }
  const std::string& upgrade_request() const { return upgrade_; }
  void write(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // The HTTP status line of the handshake answer.
  std::string read_handshake() {
    boost::system::error_code ec;
    const std::size_t n = asio::read_until(socket_, asio::dynamic_buffer(in_), "\r\n\r\n", ec);
    if (ec) return {};
    std::string head = in_.substr(0, n);
    in_.erase(0, n);
    return head.substr(0, head.find("\r\n"));
  }
  // The next server frame: opcode and payload; nullopt when the connection ended first.
  std::optional<std::pair<int, std::string>> read_frame() {
    boost::system::error_code ec;
    auto need = [&](std::size_t n) {
      if (in_.size() < n)
        asio::read(socket_, asio::dynamic_buffer(in_), asio::transfer_at_least(n - in_.size()), ec);
      return in_.size() >= n;
    };
    if (!need(2)) return std::nullopt;
    const int opcode = static_cast<unsigned char>(in_[0]) & 0x0F;
    std::size_t length = static_cast<unsigned char>(in_[1]) & 0x7F, header = 2;
    if (length == 126) {
      if (!need(4)) return std::nullopt;
      length = (static_cast<unsigned char>(in_[2]) << 8) | static_cast<unsigned char>(in_[3]);
      header = 4;
    }
    if (!need(header + length)) return std::nullopt;
    std::string payload = in_.substr(header, length);
    in_.erase(0, header + length);
    return std::pair{opcode, payload};
  }
  // A client frame, masked unless told otherwise.
  static std::string frame(std::uint8_t first_byte, const std::string& payload, bool masked = true) {
    std::string out(1, static_cast<char>(first_byte));
    out += static_cast<char>((masked ? 0x80 : 0) | payload.size());  // payloads < 126 bytes here
    const char key[4] = {1, 2, 3, 4};
    if (masked) out.append(key, 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
      out += masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
    return out;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::string upgrade_;
  std::string in_;
};

bool eventually(auto condition, std::chrono::milliseconds timeout = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

}  // namespace

TEST_CASE("TCP: the listener needs a token") {
  auto options = test_options(false, true);
  options.token.clear();
  TestServer server(options);
  auto error = server.start();
  REQUIRE(error);
  CHECK(error->find("token") != std::string::npos);
}

TEST_CASE("HTTP: POST /rpc answers a request and a batch as application/json") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  auto reply = post(server.port(), R"({"jsonrpc":"2.0","method":"echo","params":[1.0e5],"id":1e0})");
  CHECK(reply.status == 200);
  CHECK(reply.content_type == "application/json");
  CHECK(reply.body == R"({"jsonrpc":"2.0","id":1e0,"result":[1.0e5]})");
  reply = post(server.port(),
               R"([{"jsonrpc":"2.0","method":"echo","id":"a"},{"jsonrpc":"2.0","method":"nope","id":"b"}])");
  CHECK(reply.body ==
        R"([{"jsonrpc":"2.0","id":"a","result":{}},)"
        R"({"jsonrpc":"2.0","id":"b","error":{"code":-32601,"message":"method not found: nope"}}])");
}

TEST_CASE("HTTP: notifications only get 204, malformed JSON a -32700 answer") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  auto reply = post(server.port(), R"({"jsonrpc":"2.0","method":"sleep","params":[1]})");
  CHECK(reply.status == 204);
  CHECK(reply.body.empty());
  reply = post(server.port(), R"([{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"echo"}])");
  CHECK(reply.status == 204);
  reply = post(server.port(), R"({"jsonrpc":"2.0",)");
  CHECK(reply.status == 200);
  CHECK(reply.body.starts_with(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,)"));
  reply = post(server.port(), "[]");
  CHECK(reply.body.starts_with(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,)"));
}

TEST_CASE("HTTP: a missing or wrong token is 401, Bearer or ?token= is accepted") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  const std::string body = R"({"jsonrpc":"2.0","method":"echo","id":1})";
  CHECK(post(server.port(), body, {}).status == 401);
  CHECK(post(server.port(), body, {{"Authorization", "Bearer t0ken2"}}).status == 401);
  CHECK(post(server.port(), body, {{"Authorization", "Basic dDBrZW4="}}).status == 401);
  CHECK(http_call(server.port(), http::verb::post, "/rpc?token=wrong", body, {}).status == 401);
  CHECK(post(server.port(), body).status == 200);
  CHECK(http_call(server.port(), http::verb::post, "/rpc?token=t0ken", body, {}).status == 200);
}

TEST_CASE("HTTP: a foreign Origin or Host is 403, allowlisted ones and localhost are accepted") {
  auto options = test_options(false, true);
  options.allowed_origins = {"http://localhost:3000"};
  options.allowed_hosts = {"tgd.internal"};
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  const std::string body = R"({"jsonrpc":"2.0","method":"echo","id":1})";
  Headers evil_origin = with_token();
  evil_origin.emplace_back("Origin", "http://evil.example");
  CHECK(post(server.port(), body, evil_origin).status == 403);
  Headers good_origin = with_token();
  good_origin.emplace_back("Origin", "http://localhost:3000");
  CHECK(post(server.port(), body, good_origin).status == 200);
  auto with_host = [&](std::string host) {
    Headers headers = with_token();
    headers.emplace_back("Host", std::move(host));
    return post(server.port(), body, headers).status;
  };
  CHECK(with_host("evil.example:" + std::to_string(server.port())) == 403);  // DNS rebinding
  CHECK(with_host("127.0.0.1:1") == 403);
  CHECK(with_host("localhost:" + std::to_string(server.port())) == 200);
  CHECK(with_host("tgd.internal") == 200);
}

TEST_CASE("HTTP: other paths are 404, other methods 405") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  CHECK(http_call(server.port(), http::verb::post, "/other", "{}", with_token()).status == 404);
  CHECK(http_call(server.port(), http::verb::get, "/rpc", "", with_token()).status == 405);
  CHECK(http_call(server.port(), http::verb::put, "/rpc", "{}", with_token()).status == 405);
}

TEST_CASE("HTTP: GET /health answers without the token, but through the Host and Origin checks") {
  auto options = test_options(false, true);
  options.allowed_origins = {"http://localhost:3000"};
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  auto reply = http_call(server.port(), http::verb::get, "/health", "", {});
  CHECK(reply.status == 200);
  CHECK(reply.body == R"({"status":"ok"})");
  CHECK(reply.content_type == "application/json");
  CHECK(http_call(server.port(), http::verb::get, "/health", "", with_token()).status == 200);
  CHECK(
      http_call(server.port(), http::verb::get, "/health", "", {{"Authorization", "Bearer wrong"}}).status ==
      200);
  // DNS rebinding and cross-site pages are refused as on /rpc.
  CHECK(http_call(server.port(), http::verb::get, "/health", "", {{"Host", "evil.example"}}).status == 403);
  CHECK(
      http_call(server.port(), http::verb::get, "/health", "", {{"Origin", "http://evil.example"}}).status ==
      403);
  CHECK(http_call(server.port(), http::verb::get, "/health", "", {{"Origin", "http://localhost:3000"}})
            .status == 200);
  CHECK(http_call(server.port(), http::verb::post, "/health", "{}", {}).status == 405);
  // The token is still needed everywhere else.
  CHECK(http_call(server.port(), http::verb::get, "/metrics", "", {}).status == 401);
}

TEST_CASE("HTTP: GET /metrics needs the token and answers in Prometheus text format") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  CHECK(post(server.port(), R"({"jsonrpc":"2.0","method":"echo","id":1})").status == 200);
  CHECK(post(server.port(), R"({"jsonrpc":"2.0","method":"nope","id":2})").status == 200);
  CHECK(http_call(server.port(), http::verb::get, "/metrics", "", {}).status == 401);
  CHECK(http_call(server.port(), http::verb::get, "/metrics", "", {{"Authorization", "Bearer t0ken2"}})
            .status == 401);
  CHECK(http_call(server.port(), http::verb::get, "/metrics?token=wrong", "", {}).status == 401);
  CHECK(http_call(server.port(), http::verb::get, "/metrics?token=t0ken", "", {}).status == 200);
  CHECK(http_call(server.port(), http::verb::post, "/metrics", "", with_token()).status == 405);
  // Two scrapes on one keep-alive connection.
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  beast::flat_buffer buffer;
  for (int i = 0; i < 2; ++i) {
    auto reply = exchange(socket, buffer, server.port(), http::verb::get, "/metrics", "", with_token());
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(reply.body.find("# TYPE tgd_rpc_requests_total counter\ntgd_rpc_requests_total 2\n") !=
          std::string::npos);
    CHECK(reply.body.find("tgd_rpc_errors_total{code=\"-32601\"} 1\n") != std::string::npos);
    CHECK(reply.body.find("# TYPE tgd_rpc_connections_open gauge\n") != std::string::npos);
  }
}

TEST_CASE("HTTP: a body over the limit is 413") {
  auto options = test_options(false, true);
  options.limits.max_message_bytes = 1000;
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  auto reply = post(server.port(), R"({"jsonrpc":"2.0","method":"echo","params":[")" +
                                       std::string(5000, 'a') + R"("],"id":1})");
  CHECK(reply.status == 413);
  CHECK(post(server.port(), R"({"jsonrpc":"2.0","method":"echo","id":1})").status == 200);
}

TEST_CASE("HTTP: one keep-alive connection carries several requests") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  beast::flat_buffer buffer;
  for (int i = 0; i < 3; ++i) {
    auto reply = exchange(
        socket, buffer, server.port(), http::verb::post, "/rpc",
        R"({"jsonrpc":"2.0","method":"echo","params":[)" + std::to_string(i) + R"(],"id":1})", with_token());
    CHECK(reply.body == R"({"jsonrpc":"2.0","id":1,"result":[)" + std::to_string(i) + "]}");
  }
  CHECK(server.stats().connections_total == 1);
}

TEST_CASE("HTTP: a client hanging up mid-call has its call cancelled") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    http::request<http::string_body> request{http::verb::post, "/rpc", 11};
    request.set(http::field::host, local_host(server.port()));
    request.set(http::field::authorization, "Bearer t0ken");
    request.body() = R"({"jsonrpc":"2.0","method":"sleep","params":[10000],"id":1})";
    request.prepare_payload();
    http::write(socket, request);
    REQUIRE(eventually([&] { return server.counters().started == 1; }));
  }
  CHECK(eventually([&] { return server.counters().cancelled == 1; }));
}

TEST_CASE("WebSocket: text frames carry requests and batches, answers and notifications come as frames") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  WsClient client(server.port());
  REQUIRE(client.status() == 101);
  client.send(R"({"jsonrpc":"2.0","method":"echo","params":{"x":-0.0},"id":"w1"})");
  CHECK(client.receive() == R"({"jsonrpc":"2.0","id":"w1","result":{"x":-0.0}})");
  client.send(
      R"([{"jsonrpc":"2.0","method":"echo","id":1},{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"1"}])");
  CHECK(
      client.receive() ==
      R"([{"jsonrpc":"2.0","id":1,"result":{}},)"
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: \"jsonrpc\" must be \"2.0\""}}])");
  client.send(R"({"jsonrpc":"2.0","method":"push","params":[1],"id":2})");
  CHECK(client.receive() == R"({"jsonrpc":"2.0","method":"tick","params":[0]})");
  CHECK(client.receive() == R"({"jsonrpc":"2.0","id":2,"result":true})");
  client.send("{oops");
  CHECK(client.receive()->starts_with(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,)"));
}

TEST_CASE("WebSocket: pings get pongs, fragmented messages are gathered, a close is echoed") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  WsClient client(server.port());
  REQUIRE(client.status() == 101);
  client.ping("are you there");
  client.send_fragmented(
      R"({"jsonrpc":"2.0","method":"echo","params":{"long":")" + std::string(5000, 'f') + R"("},"id":7})",
      1000);
  auto answer = client.receive();  // the pong arrives before it, through the control callback
  REQUIRE(answer);
  CHECK(answer->starts_with(R"({"jsonrpc":"2.0","id":7,"result":{"long":"ffff)"));
  CHECK(client.pongs() == std::vector<std::string>{"are you there"});
  CHECK(client.close(4000));
}

TEST_CASE("WebSocket: frames sent together with the upgrade request are answered") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  RawWs raw(server.port());
  raw.write(raw.upgrade_request() + RawWs::frame(0x81, R"({"jsonrpc":"2.0","method":"echo","id":1})") +
            RawWs::frame(0x81, R"({"jsonrpc":"2.0","method":"echo","id":2})"));
  CHECK(raw.read_handshake() == "HTTP/1.1 101 Switching Protocols");
  auto first = raw.read_frame();
  auto second = raw.read_frame();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*first == std::pair<int, std::string>{1, R"({"jsonrpc":"2.0","id":1,"result":{}})"});
  CHECK(*second == std::pair<int, std::string>{1, R"({"jsonrpc":"2.0","id":2,"result":{}})"});
}

TEST_CASE("WebSocket: an unmasked client frame gets close 1002 and the connection ends") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  RawWs raw(server.port());
  raw.write(raw.upgrade_request());
  REQUIRE(raw.read_handshake() == "HTTP/1.1 101 Switching Protocols");
  raw.write(RawWs::frame(0x81, R"({"jsonrpc":"2.0","method":"echo","id":1})", /*masked=*/false));
  auto close = raw.read_frame();
  REQUIRE(close);
  CHECK(close->first == 8);
  CHECK(close->second.substr(0, 2) == std::string("\x03\xEA", 2));  // 1002
  CHECK(close->second.substr(2) == "client frames must be masked");
  CHECK_FALSE(raw.read_frame());  // then the server closes (within its 1 s linger)
  // The server goes on serving others.
  WsClient other(server.port());
  other.send(R"({"jsonrpc":"2.0","method":"echo","id":3})");
  CHECK(other.receive() == R"({"jsonrpc":"2.0","id":3,"result":{}})");
}

TEST_CASE("WebSocket: binary frames are refused with -32600") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  WsClient client(server.port());
  REQUIRE(client.status() == 101);
  client.send_binary(R"({"jsonrpc":"2.0","method":"echo","id":1})");
  CHECK(
      client.receive() ==
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"binary frames are not accepted: send JSON-RPC as text"}})");
}

TEST_CASE(
    "WebSocket: an upgrade without the token is 401, from a foreign Origin or Host 403, elsewhere 404") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  CHECK(WsClient(server.port(), "/", {}).status() == 401);
  CHECK(WsClient(server.port(), "/?token=t0ken", {}).status() == 101);
  CHECK(WsClient(server.port(), "/", {{"Authorization", "Bearer t0ken"}, {"Origin", "https://evil.example"}})
            .status() == 403);
  CHECK(WsClient(server.port(), "/", with_token(), "rebind.evil.example:" + std::to_string(server.port()))
            .status() == 403);
  CHECK(WsClient(server.port(), "/ws", with_token()).status() == 404);
}

TEST_CASE("WebSocket: an oversized frame gets -32006 and the connection is closed") {
  auto options = test_options(false, true);
  options.limits.max_message_bytes = 1000;
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  WsClient client(server.port());
  client.send(R"({"jsonrpc":"2.0","method":"echo","params":[")" + std::string(300'000, 'a') +
              R"("],"id":1})");
  CHECK(client.receive() ==
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32006,"message":"message over 1000 bytes"}})");
  CHECK_FALSE(client.receive());
}

TEST_CASE("WebSocket: a client vanishing mid-call has its calls cancelled, others go on") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  WsClient other(server.port());
  {
    WsClient leaving(server.port());
    for (int i = 0; i < 3; ++i)
      leaving.send(R"({"jsonrpc":"2.0","method":"sleep","params":[10000],"id":)" + std::to_string(i) + "}");
    REQUIRE(eventually([&] { return server.counters().started == 3; }));
    leaving.drop();
  }
  CHECK(eventually([&] { return server.counters().cancelled == 3; }));
  other.send(R"({"jsonrpc":"2.0","method":"echo","id":1})");
  CHECK(other.receive() == R"({"jsonrpc":"2.0","id":1,"result":{}})");
}

TEST_CASE("WebSocket: 10,000 concurrent requests from 50 clients are all answered, matched by id") {
  TestServer server(test_options(false, true));
  REQUIRE_FALSE(server.start());
  constexpr int kClients = 50, kPerClient = 200;
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      WsClient client(server.port());
      std::map<std::string, std::string> expected;
      for (int i = 0; i < kPerClient; ++i) {
        std::string id = std::to_string(c * 1000 + i);
        std::string params = "[" + std::to_string(c) + "," + std::to_string(i) + "]";
        client.send(R"({"jsonrpc":"2.0","method":"echo","params":)" + params + R"(,"id":)" + id + "}");
        expected[id] = params;
      }
      for (int i = 0; i < kPerClient; ++i) {
        auto frame = client.receive();
        if (!frame) break;
        const std::string prefix = R"({"jsonrpc":"2.0","id":)";
        auto comma = frame->find(",\"result\":");
        if (comma == std::string::npos) continue;
        std::string id = frame->substr(prefix.size(), comma - prefix.size());
        auto it = expected.find(id);
        if (it != expected.end() && frame->substr(comma + 10, frame->size() - comma - 11) == it->second) {
          ++correct;
          expected.erase(it);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(correct == kClients * kPerClient);
}
