#include "rpc/server/rpc_server.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "rpc/server/connection.hpp"

namespace tgd::rpc {

using unix_protocol = asio::local::stream_protocol;
using net::tcp;

struct RpcServer::Impl : std::enable_shared_from_this<RpcServer::Impl> {
  Impl(asio::any_io_executor executor, ServerOptions options, MethodHandler& handler)
      : state(std::make_shared<ServerState>(executor, std::move(options), handler)),
        unix_acceptor(executor),
        tcp_acceptor(executor) {}

  std::optional<std::string> bind_unix();
  std::optional<std::string> bind_tcp();
  void remove_socket_file();

  std::shared_ptr<ServerState> state;
  unix_protocol::acceptor unix_acceptor;
  tcp::acceptor tcp_acceptor;
  bool started = false, stopped = false;
  bool adopted = false;       // the UNIX listener came from adopt_unix_listener
  bool created_file = false;  // we created unix_path (and remove it on stop)
  dev_t socket_dev = 0;
  ino_t socket_ino = 0;
  std::optional<std::uint16_t> port;
};

namespace {

std::string errno_text(int error) { return std::strerror(error); }

template <typename Acceptor, typename Serve>
awaitable<void> accept_loop(std::shared_ptr<RpcServer::Impl> impl, Acceptor& acceptor, Serve serve) {
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple_awaitable);
    if (impl->stopped || !acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or a connection that died in the backlog: pause briefly, go on.
      asio::steady_timer pause(impl->state->executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(net::as_tuple_awaitable);
      continue;
    }
    serve(impl->state, std::move(socket));
  }
}

}  // namespace

std::optional<std::string> RpcServer::Impl::bind_unix() {
  const std::string& path = state->options.unix_path;
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    return "UNIX socket path too long (" + std::to_string(path.size()) + " bytes, at most " +
           std::to_string(sizeof(sockaddr_un::sun_path) - 1) + "): " + path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return "refusing to replace " + path + ": it exists and is not a socket";
    unix_protocol::socket probe(state->executor);
    boost::system::error_code ec;
    probe.connect(unix_protocol::endpoint(path), ec);
    if (!ec) return "another process (another tgd?) is listening on " + path;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return "cannot remove the stale socket " + path + ": " + errno_text(errno);
  }
  boost::system::error_code ec;
  unix_acceptor.open(unix_protocol(), ec);
  if (ec) return "cannot create a UNIX socket: " + ec.message();
  // Created 0600 (no window where others could connect), then given the configured mode.
  const mode_t old_mask = ::umask(0177);
  unix_acceptor.bind(unix_protocol::endpoint(path), ec);
  ::umask(old_mask);
  if (ec) {
    unix_acceptor.close();
    return "cannot bind " + path + ": " + ec.message();
  }
  created_file = true;
  if (::lstat(path.c_str(), &st) == 0) {
    socket_dev = st.st_dev;
    socket_ino = st.st_ino;
  }
  auto fail = [&](std::string message) -> std::optional<std::string> {
    unix_acceptor.close();
    remove_socket_file();
    return message;
  };
  if (::chmod(path.c_str(), static_cast<mode_t>(state->options.unix_mode & 07777)) != 0)
    return fail("cannot chmod " + path + ": " + errno_text(errno));
  if (!state->options.unix_group.empty()) {
    std::vector<char> buffer(16384);
    group entry{};
    group* found = nullptr;
    int error = ::getgrnam_r(state->options.unix_group.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (error != 0 || found == nullptr) return fail("unknown group \"" + state->options.unix_group + "\"");
    if (::chown(path.c_str(), static_cast<uid_t>(-1), found->gr_gid) != 0)
      return fail("cannot give " + path + " to group " + state->options.unix_group + ": " +
                  errno_text(errno));
  }
  unix_acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on " + path + ": " + ec.message());
  return std::nullopt;
}

std::optional<std::string> RpcServer::Impl::bind_tcp() {
  const ServerOptions& options = state->options;
  if (options.token.empty()) return "the TCP listener needs a token";
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options.tcp_host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, *options.tcp_port);
  } else {
    tcp::resolver resolver(state->executor);
    auto results = resolver.resolve(options.tcp_host, std::to_string(*options.tcp_port), ec);
    if (ec || results.empty()) return "cannot resolve " + options.tcp_host + ": " + ec.message();
    endpoint = results.begin()->endpoint();
  }
  tcp_acceptor.open(endpoint.protocol(), ec);
  if (!ec) tcp_acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) tcp_acceptor.bind(endpoint, ec);
  if (!ec) tcp_acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    tcp_acceptor.close(ignored);
    return "cannot listen on " + options.tcp_host + ":" + std::to_string(*options.tcp_port) + ": " +
           ec.message();
  }
  port = tcp_acceptor.local_endpoint(ec).port();
  state->tcp_port = *port;
  return std::nullopt;
}

void RpcServer::Impl::remove_socket_file() {
  if (!created_file) return;
  created_file = false;
  struct stat st {};
  const std::string& path = state->options.unix_path;
  // Only our socket: not one a newer process put there since.
  if (::lstat(path.c_str(), &st) == 0 && st.st_dev == socket_dev && st.st_ino == socket_ino)
    ::unlink(path.c_str());
}

RpcServer::RpcServer(boost::asio::any_io_executor executor, ServerOptions options, MethodHandler& handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), handler)) {}

RpcServer::~RpcServer() { stop(); }

std::optional<std::string> RpcServer::adopt_unix_listener(int fd) {
  if (impl_->started) return "adopt_unix_listener must be called before start()";
  boost::system::error_code ec;
  impl_->unix_acceptor.assign(unix_protocol(), fd, ec);
  if (ec) return "cannot adopt the UNIX listener (fd " + std::to_string(fd) + "): " + ec.message();
  impl_->adopted = true;
  auto endpoint = impl_->unix_acceptor.local_endpoint(ec);
  if (!ec) impl_->state->options.unix_path = endpoint.path();
  return std::nullopt;
}

std::optional<std::string> RpcServer::start() {
  Impl& impl = *impl_;
  if (impl.started) return "already started";
  if (impl.stopped) return "stopped";
  if (!impl.adopted && !impl.state->options.unix_path.empty()) {
    if (auto error = impl.bind_unix()) return error;
  }
  if (impl.state->options.tcp_port) {
    if (auto error = impl.bind_tcp()) {
      boost::system::error_code ignored;
      impl.unix_acceptor.close(ignored);
      impl.remove_socket_file();
      return error;
    }
  }
  impl.started = true;
  if (impl.unix_acceptor.is_open()) {
    asio::co_spawn(impl.state->executor, accept_loop(impl_, impl.unix_acceptor, serve_unix), asio::detached);
  }
  if (impl.tcp_acceptor.is_open()) {
    asio::co_spawn(impl.state->executor, accept_loop(impl_, impl.tcp_acceptor, serve_tcp), asio::detached);
  }
  return std::nullopt;
}

void RpcServer::stop() {
  Impl& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  impl.state->stopped = true;
  boost::system::error_code ignored;
  impl.unix_acceptor.close(ignored);
  impl.tcp_acceptor.close(ignored);
  impl.remove_socket_file();
  std::vector<std::shared_ptr<Connection>> connections;
  for (auto& [id, weak] : impl.state->connections) {
    if (auto connection = weak.lock()) connections.push_back(std::move(connection));
  }
  for (auto& connection : connections) connection->close(/*with_notifications=*/true);
}

std::string RpcServer::unix_path() const {
  return impl_->unix_acceptor.is_open() || impl_->started ? impl_->state->options.unix_path : std::string();
}

std::optional<std::uint16_t> RpcServer::tcp_port() const { return impl_->port; }

Stats RpcServer::stats() const { return impl_->state->stats; }

}  // namespace tgd::rpc
