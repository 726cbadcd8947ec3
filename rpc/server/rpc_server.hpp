#pragma once
// tgd's JSON-RPC 2.0 server: a UNIX stream socket speaking newline-delimited JSON, and one TCP port
// serving HTTP `POST /rpc` and WebSocket (upgrade on `/`). Each request runs in its own coroutine
// (MethodHandler::call) on the given executor; everything runs on that executor's one thread.
//
//   rpc::RpcServer server(io.get_executor(), options, handler);
//   if (auto error = server.start()) { ... }   // binds the listeners, or says why not
//   ...
//   server.stop();                              // listeners and connections closed, calls cancelled
//
// The handler must outlive the server's calls: keep it alive until the executor has run the
// cancelled calls to completion after stop(). Not thread-safe: call everything on the executor's
// thread (or before it runs).
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rpc/jsonrpc/method_handler.hpp"

namespace tgd::rpc {

// Per connection.
struct Limits {
  // A line (UNIX socket), frame (WebSocket) or body (HTTP) over this: a -32006 error and the
  // connection closed (HTTP: 413).
  std::size_t max_message_bytes = 16 << 20;
  // Requests running at once (each batch entry counts; notifications too); past it -32005.
  std::size_t max_in_flight = 1000;
  // Closed after this long without traffic while nothing is in flight or waiting to be written.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  // Responses waiting to be written: past outgoing_pause_bytes the connection's requests are not
  // read until the client has read enough; past max_outgoing_bytes the connection is closed.
  // notify() refuses (false) a notification that would cross max_outgoing_bytes.
  std::size_t outgoing_pause_bytes = 1 << 20;
  std::size_t max_outgoing_bytes = 64 << 20;
};

struct ServerOptions {
  // The UNIX socket; empty for none. Created with unix_mode, owned by unix_group when given. A
  // stale socket file is replaced; one a live process listens on is not (start() fails).
  std::string unix_path;
  unsigned unix_mode = 0600;
  std::string unix_group;
  // The TCP listener (HTTP + WebSocket); nullopt for none, 0 for a free port.
  std::string tcp_host = "127.0.0.1";
  std::optional<std::uint16_t> tcp_port;
  // Every TCP request must present it; required when tcp_port is set.
  std::string token;
  // Origin header values accepted (e.g. "http://localhost:3000"; "*" accepts any). A request
  // without Origin (not from a browser) is accepted.
  std::vector<std::string> allowed_origins;
  // Host header values accepted besides the bound host:port and localhost:port ("name" for any
  // port, "name:port" for one).
  std::vector<std::string> allowed_hosts;
  Limits limits;
};

struct Stats {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t requests = 0;           // request objects received (batch entries count one each)
  std::uint64_t notifications = 0;      // of which notifications (valid ones, without id)
  std::uint64_t in_flight = 0;          // calls running now
  std::map<int, std::uint64_t> errors;  // error responses (and failed notifications) by code
};

class RpcServer {
 public:
  RpcServer(boost::asio::any_io_executor executor, ServerOptions options, MethodHandler& handler);
  ~RpcServer();  // stop()
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Binds the configured listeners and starts accepting; an error message when one can't be.
  std::optional<std::string> start();
  // Serve a listening socket made by someone else (systemd socket activation) instead of creating
  // unix_path / binding tcp_host:tcp_port; call before start(). The server owns the descriptor from
  // then on. An adopted UNIX socket's file is left in place by stop() (it is systemd's).
  std::optional<std::string> adopt_unix_listener(int fd);
  std::optional<std::string> adopt_tcp_listener(int fd);
  // Applies new options while serving (a configuration reload), without closing any connection:
  // the token, allowed origins and hosts and the limits apply from the next request, frame or
  // write of every connection (an open WebSocket is not asked for the token again); a listener
  // whose address changed is opened anew before the old one closes, a changed socket mode or group
  // is applied to the socket file, a listener no longer configured closes. Adopted listeners keep
  // their address. On failure (a port in use, an unknown group) nothing has changed.
  std::optional<std::string> reconfigure(ServerOptions options);
  // The first step of a graceful stop: closes the listeners (removing the socket file it created)
  // so that nothing new connects, and leaves the open connections and their calls be (stop() ends
  // them); /health answers 503 "stopping" from now on. Idempotent.
  void stop_listening();
  // Closes the listeners (removing the socket file it created) and every connection; calls in
  // flight are cancelled and their answers dropped. Idempotent.
  void stop();

  std::string unix_path() const;                  // empty when there is no UNIX listener
  bool unix_adopted() const;                      // the UNIX listener came from adopt_unix_listener
  std::optional<std::uint16_t> tcp_port() const;  // the bound port once started
  std::string tcp_host() const;                   // the listener's host (configured, or adopted address)
  bool tcp_adopted() const;                       // the TCP listener came from adopt_tcp_listener
  Stats stats() const;
  // Answers queued on the connections and not yet handed to the kernel (a graceful stop waits
  // for them before closing the connections).
  std::size_t queued_bytes() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgd::rpc
