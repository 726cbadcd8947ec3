#include "rpc/server/rpc_server.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <variant>
#include <vector>

#include "rpc/server/connection.hpp"

namespace tgd::rpc {

using unix_protocol = asio::local::stream_protocol;
using net::tcp;

// One listening socket and what tgd knows of it. Each has its own accept loop, which holds it: a
// listener replaced by reconfigure() is closed and its loop ends, while connections it accepted
// stay with the server.
struct UnixListener {
  explicit UnixListener(asio::any_io_executor executor) : acceptor(std::move(executor)) {}
  unix_protocol::acceptor acceptor;
  std::string path;
  bool adopted = false;       // made by someone else (systemd): never unlinked by tgd
  bool created_file = false;  // tgd created `path` (and removes it on close)
  dev_t socket_dev = 0;
  ino_t socket_ino = 0;
  unsigned mode = 0600;
  std::string group;

  // Closes the socket and removes the file tgd created.
  void close();
};

struct TcpListener {
  explicit TcpListener(asio::any_io_executor executor) : acceptor(std::move(executor)) {}
  tcp::acceptor acceptor;
  std::string host;  // as configured (a name or an address), or the adopted socket's address
  std::uint16_t port = 0;
  bool adopted = false;
};

struct RpcServer::Impl : std::enable_shared_from_this<RpcServer::Impl> {
  Impl(asio::any_io_executor executor, ServerOptions options, MethodHandler& handler)
      : state(std::make_shared<ServerState>(executor, std::move(options), handler)) {}

  std::shared_ptr<ServerState> state;
  std::shared_ptr<UnixListener> unix_listener;
  std::shared_ptr<TcpListener> tcp_listener;
  bool started = false, stopped = false;

  void listen(const std::shared_ptr<UnixListener>& listener);
  void listen(const std::shared_ptr<TcpListener>& listener);
};

namespace {

std::string errno_text(int error) { return std::strerror(error); }

template <typename Listener, typename Serve>
awaitable<void> accept_loop(std::shared_ptr<RpcServer::Impl> impl, std::shared_ptr<Listener> listener,
                            Serve serve) {
  auto& acceptor = listener->acceptor;
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple_awaitable);
    if (impl->stopped) co_return;
    if (!ec) {
      // Also when the listener was closed meanwhile by reconfigure(): the client got in.
      serve(impl->state, std::move(socket));
      continue;
    }
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    // Out of descriptors or a connection that died in the backlog: pause briefly, go on.
    asio::steady_timer pause(impl->state->executor, std::chrono::milliseconds(50));
    co_await pause.async_wait(net::as_tuple_awaitable);
  }
}

// Serves the connections waiting in a listener's backlog, which closing it would reset: a client
// that connected just before a reload is not dropped.
template <typename Acceptor, typename Serve>
void accept_backlog(Acceptor& acceptor, const std::shared_ptr<ServerState>& state, Serve serve) {
  boost::system::error_code ec;
  acceptor.non_blocking(true, ec);
  while (!ec) {
    auto socket = acceptor.accept(ec);  // would_block once the backlog is empty
    if (!ec) serve(state, std::move(socket));
  }
}

// Gives the socket file its mode and group. Nothing is changed when the group is unknown.
std::optional<std::string> set_access(const std::string& path, unsigned mode, const std::string& group_name) {
  if (!group_name.empty()) {
    std::vector<char> buffer(16384);
    group entry{};
    group* found = nullptr;
    int error = ::getgrnam_r(group_name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (error != 0 || found == nullptr) return "unknown group \"" + group_name + "\"";
    if (::chown(path.c_str(), static_cast<uid_t>(-1), found->gr_gid) != 0)
      return "cannot give " + path + " to group " + group_name + ": " + errno_text(errno);
  }
  if (::chmod(path.c_str(), static_cast<mode_t>(mode & 07777)) != 0)
    return "cannot chmod " + path + ": " + errno_text(errno);
  return std::nullopt;
}

std::variant<std::shared_ptr<UnixListener>, std::string> open_unix(const asio::any_io_executor& executor,
                                                                   const ServerOptions& options) {
  const std::string& path = options.unix_path;
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    return "UNIX socket path too long (" + std::to_string(path.size()) + " bytes, at most " +
           std::to_string(sizeof(sockaddr_un::sun_path) - 1) + "): " + path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return "refusing to replace " + path + ": it exists and is not a socket";
    unix_protocol::socket probe(executor);
    boost::system::error_code ec;
    probe.connect(unix_protocol::endpoint(path), ec);
    if (!ec) return "another process (another tgd?) is listening on " + path;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return "cannot remove the stale socket " + path + ": " + errno_text(errno);
  }
  auto listener = std::make_shared<UnixListener>(executor);
  listener->path = path;
  listener->mode = options.unix_mode;
  listener->group = options.unix_group;
  boost::system::error_code ec;
  listener->acceptor.open(unix_protocol(), ec);
  if (ec) return "cannot create a UNIX socket: " + ec.message();
  // Created 0600 (no window where others could connect), then given the configured mode.
  const mode_t old_mask = ::umask(0177);
  listener->acceptor.bind(unix_protocol::endpoint(path), ec);
  ::umask(old_mask);
  if (ec) {
    listener->acceptor.close(ec);
    return "cannot bind " + path + ": " + ec.message();
  }
  listener->created_file = true;
  if (::lstat(path.c_str(), &st) == 0) {
    listener->socket_dev = st.st_dev;
    listener->socket_ino = st.st_ino;
  }
  if (auto error = set_access(path, options.unix_mode, options.unix_group)) {
    listener->close();
    return *error;
  }
  listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    listener->close();
    return "cannot listen on " + path + ": " + ec.message();
  }
  return listener;
}

std::variant<std::shared_ptr<TcpListener>, std::string> open_tcp(const asio::any_io_executor& executor,
                                                                 const ServerOptions& options) {
  if (options.token.empty()) return "the TCP listener needs a token";
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options.tcp_host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, *options.tcp_port);
  } else {
    tcp::resolver resolver(executor);
    auto results = resolver.resolve(options.tcp_host, std::to_string(*options.tcp_port), ec);
    if (ec || results.empty()) return "cannot resolve " + options.tcp_host + ": " + ec.message();
    endpoint = results.begin()->endpoint();
  }
  auto listener = std::make_shared<TcpListener>(executor);
  auto& acceptor = listener->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) listener->port = acceptor.local_endpoint(ec).port();
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return "cannot listen on " + options.tcp_host + ":" + std::to_string(*options.tcp_port) + ": " +
           ec.message();
  }
  listener->host = options.tcp_host;
  return listener;
}

}  // namespace

void UnixListener::close() {
  boost::system::error_code ignored;
  acceptor.close(ignored);
  if (!created_file) return;
  created_file = false;
  struct stat st {};
  // Only our socket: not one a newer process put there since.
  if (::lstat(path.c_str(), &st) == 0 && st.st_dev == socket_dev && st.st_ino == socket_ino)
    ::unlink(path.c_str());
}

void RpcServer::Impl::listen(const std::shared_ptr<UnixListener>& listener) {
  asio::co_spawn(state->executor, accept_loop(shared_from_this(), listener, serve_unix), asio::detached);
}

void RpcServer::Impl::listen(const std::shared_ptr<TcpListener>& listener) {
  asio::co_spawn(state->executor, accept_loop(shared_from_this(), listener, serve_tcp), asio::detached);
}

RpcServer::RpcServer(boost::asio::any_io_executor executor, ServerOptions options, MethodHandler& handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), handler)) {}

RpcServer::~RpcServer() { stop(); }

std::optional<std::string> RpcServer::adopt_unix_listener(int fd) {
  Impl& impl = *impl_;
  if (impl.started) return "adopt_unix_listener must be called before start()";
  auto listener = std::make_shared<UnixListener>(impl.state->executor);
  boost::system::error_code ec;
  listener->acceptor.assign(unix_protocol(), fd, ec);
  if (ec) return "cannot adopt the UNIX listener (fd " + std::to_string(fd) + "): " + ec.message();
  listener->adopted = true;
  auto endpoint = listener->acceptor.local_endpoint(ec);
  if (!ec) listener->path = endpoint.path();
  if (impl.unix_listener) impl.unix_listener->close();
  impl.unix_listener = std::move(listener);
  return std::nullopt;
}

std::optional<std::string> RpcServer::adopt_tcp_listener(int fd) {
  Impl& impl = *impl_;
  if (impl.started) return "adopt_tcp_listener must be called before start()";
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    return "cannot adopt the TCP listener (fd " + std::to_string(fd) + "): " + errno_text(errno);
  if (address.ss_family != AF_INET && address.ss_family != AF_INET6)
    return "cannot adopt the TCP listener (fd " + std::to_string(fd) + "): not an IP socket";
  auto listener = std::make_shared<TcpListener>(impl.state->executor);
  boost::system::error_code ec;
  listener->acceptor.assign(address.ss_family == AF_INET ? tcp::v4() : tcp::v6(), fd, ec);
  if (ec) return "cannot adopt the TCP listener (fd " + std::to_string(fd) + "): " + ec.message();
  auto endpoint = listener->acceptor.local_endpoint(ec);
  if (ec) return "cannot adopt the TCP listener (fd " + std::to_string(fd) + "): " + ec.message();
  listener->adopted = true;
  listener->port = endpoint.port();
  listener->host = endpoint.address().to_string();
  impl.tcp_listener = std::move(listener);
  return std::nullopt;
}

std::optional<std::string> RpcServer::start() {
  Impl& impl = *impl_;
  if (impl.started) return "already started";
  if (impl.stopped) return "stopped";
  ServerOptions& options = impl.state->options;
  if (!impl.unix_listener && !options.unix_path.empty()) {
    auto opened = open_unix(impl.state->executor, options);
    if (auto* error = std::get_if<std::string>(&opened)) return *error;
    impl.unix_listener = std::get<0>(std::move(opened));
  }
  if (impl.tcp_listener && options.token.empty()) {
    impl.tcp_listener.reset();
    if (impl.unix_listener) impl.unix_listener->close();
    return "the TCP listener needs a token";
  }
  if (!impl.tcp_listener && options.tcp_port) {
    auto opened = open_tcp(impl.state->executor, options);
    if (auto* error = std::get_if<std::string>(&opened)) {
      if (impl.unix_listener) impl.unix_listener->close();
      return *error;
    }
    impl.tcp_listener = std::get<0>(std::move(opened));
  }
  impl.started = true;
  if (impl.unix_listener) {
    options.unix_path = impl.unix_listener->path;
    impl.listen(impl.unix_listener);
  }
  if (impl.tcp_listener) {
    options.tcp_host = impl.tcp_listener->host;
    options.tcp_port = impl.tcp_listener->port;
    impl.state->tcp_port = impl.tcp_listener->port;
    impl.listen(impl.tcp_listener);
  }
  return std::nullopt;
}

std::optional<std::string> RpcServer::reconfigure(ServerOptions next) {
  Impl& impl = *impl_;
  if (!impl.started || impl.stopped) return "the server is not running";
  const asio::any_io_executor& executor = impl.state->executor;

  // 1. Open what is new, touching nothing that runs: any failure leaves the server as it was.
  std::shared_ptr<UnixListener> unix_next = impl.unix_listener;
  bool unix_access = false;  // the same socket file, another mode or group
  if (impl.unix_listener && impl.unix_listener->adopted) {
    // systemd's socket: its path, mode and group are the .socket unit's business.
  } else if (next.unix_path.empty()) {
    unix_next.reset();
  } else if (!impl.unix_listener || impl.unix_listener->path != next.unix_path) {
    auto opened = open_unix(executor, next);
    if (auto* error = std::get_if<std::string>(&opened)) return *error;
    unix_next = std::get<0>(std::move(opened));
  } else {
    unix_access = impl.unix_listener->mode != next.unix_mode || impl.unix_listener->group != next.unix_group;
  }
  auto undo_unix = [&] {
    if (unix_next && unix_next != impl.unix_listener) unix_next->close();
  };

  std::shared_ptr<TcpListener> tcp_next = impl.tcp_listener;
  if (impl.tcp_listener && impl.tcp_listener->adopted) {
    // systemd's socket: the address is the .socket unit's business; the token still applies.
  } else if (!next.tcp_port) {
    tcp_next.reset();
  } else if (!impl.tcp_listener || impl.tcp_listener->host != next.tcp_host ||
             (*next.tcp_port != 0 && *next.tcp_port != impl.tcp_listener->port)) {
    auto opened = open_tcp(executor, next);
    if (auto* error = std::get_if<std::string>(&opened)) {
      undo_unix();
      return *error;
    }
    tcp_next = std::get<0>(std::move(opened));
  }
  auto undo_tcp = [&] {
    boost::system::error_code ignored;
    if (tcp_next && tcp_next != impl.tcp_listener) tcp_next->acceptor.close(ignored);
  };
  if (tcp_next && next.token.empty()) {
    undo_unix();
    undo_tcp();
    return "the TCP listener needs a token";
  }
  if (unix_access) {
    if (auto error = set_access(impl.unix_listener->path, next.unix_mode, next.unix_group)) {
      undo_unix();
      undo_tcp();
      return error;
    }
    impl.unix_listener->mode = next.unix_mode;
    impl.unix_listener->group = next.unix_group;
  }

  // 2. Commit: close what was replaced (its connections stay), start what is new.
  if (impl.unix_listener && impl.unix_listener != unix_next) {
    accept_backlog(impl.unix_listener->acceptor, impl.state, serve_unix);
    impl.unix_listener->close();
  }
  if (impl.tcp_listener && impl.tcp_listener != tcp_next) {
    accept_backlog(impl.tcp_listener->acceptor, impl.state, serve_tcp);
    boost::system::error_code ignored;
    impl.tcp_listener->acceptor.close(ignored);
  }
  const bool new_unix = unix_next && unix_next != impl.unix_listener;
  const bool new_tcp = tcp_next && tcp_next != impl.tcp_listener;
  impl.unix_listener = std::move(unix_next);
  impl.tcp_listener = std::move(tcp_next);
  next.unix_path = impl.unix_listener ? impl.unix_listener->path : std::string();
  if (impl.tcp_listener) {
    next.tcp_host = impl.tcp_listener->host;
    next.tcp_port = impl.tcp_listener->port;
    impl.state->tcp_port = impl.tcp_listener->port;
  } else {
    next.tcp_port.reset();
    impl.state->tcp_port = 0;
  }
  // The access rules and limits are read from here on every request, frame and write.
  impl.state->options = std::move(next);
  if (new_unix) impl.listen(impl.unix_listener);
  if (new_tcp) impl.listen(impl.tcp_listener);
  return std::nullopt;
}

void RpcServer::stop_listening() {
  Impl& impl = *impl_;
  impl.state->stopped = true;
  if (impl.unix_listener) impl.unix_listener->close();
  if (impl.tcp_listener) {
    boost::system::error_code ignored;
    impl.tcp_listener->acceptor.close(ignored);
  }
}

void RpcServer::stop() {
  Impl& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  stop_listening();
  std::vector<std::shared_ptr<Connection>> connections;
  for (auto& [id, weak] : impl.state->connections) {
    if (auto connection = weak.lock()) connections.push_back(std::move(connection));
  }
  for (auto& connection : connections) connection->close(/*with_notifications=*/true);
}

std::string RpcServer::unix_path() const {
  return impl_->unix_listener ? impl_->unix_listener->path : std::string();
}

bool RpcServer::unix_adopted() const { return impl_->unix_listener && impl_->unix_listener->adopted; }

std::optional<std::uint16_t> RpcServer::tcp_port() const {
  if (!impl_->tcp_listener) return std::nullopt;
  return impl_->tcp_listener->port;
}

std::string RpcServer::tcp_host() const {
  return impl_->tcp_listener ? impl_->tcp_listener->host : std::string();
}

bool RpcServer::tcp_adopted() const { return impl_->tcp_listener && impl_->tcp_listener->adopted; }

Stats RpcServer::stats() const { return impl_->state->stats; }

std::size_t RpcServer::queued_bytes() const {
  std::size_t total = 0;
  for (const auto& [id, weak] : impl_->state->connections) {
    if (auto connection = weak.lock()) total += connection->queued_bytes();
  }
  return total;
}

}  // namespace tgd::rpc
