// The server while its configuration changes under it (a SIGHUP reload) and with listeners it did
// not create (systemd socket activation): RpcServer::reconfigure and adopt_unix_listener.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "tests/rpc/server/test_server.hpp"

using namespace tgd::rpc;
using namespace tgd::rpc::test;

namespace {

std::string ask(LineClient& client, std::string_view line) {
  client.send(line);
  return client.read_line().value_or("<no answer>");
}

constexpr std::string_view kEcho = R"({"jsonrpc":"2.0","method":"echo","params":[1],"id":1})";
constexpr std::string_view kEchoed = R"({"jsonrpc":"2.0","id":1,"result":[1]})";

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// A listening UNIX socket bound at `path`, as systemd's .socket unit makes it.
int listening_unix_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(fd, 16) == 0);
  return fd;
}

}  // namespace

TEST_CASE("reconfigure: a new socket path is served, the old file goes, open connections stay") {
  ServerOptions options = test_options();
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  const std::string old_path = server.unix_path();
  LineClient before(old_path);
  REQUIRE(before.connected());

  options.unix_path = std::filesystem::path(old_path).parent_path() / "moved.sock";
  options.unix_mode = 0660;
  REQUIRE_FALSE(server.reconfigure(options));
  CHECK(server.unix_path() == options.unix_path);
  CHECK_FALSE(exists(old_path));
  struct stat st {};
  REQUIRE(::stat(options.unix_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0660);
  LineClient after(options.unix_path);
  REQUIRE(after.connected());
  CHECK(ask(after, kEcho) == kEchoed);
  CHECK(ask(before, kEcho) == kEchoed);
}

TEST_CASE("reconfigure: the mode of the same socket file changes in place") {
  ServerOptions options = test_options();
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  options.unix_mode = 0660;
  REQUIRE_FALSE(server.reconfigure(options));
  struct stat st {};
  REQUIRE(::stat(options.unix_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0660);
}

TEST_CASE("reconfigure: the message size limit applies to new connections, open ones keep theirs") {
  ServerOptions options = test_options();
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  LineClient open(server.unix_path());
  const std::string long_line =
      R"({"jsonrpc":"2.0","method":"echo","params":[")" + std::string(4000, 'x') + R"("],"id":2})";
  CHECK(ask(open, long_line).find("\"result\"") != std::string::npos);
  options.limits.max_message_bytes = 1024;
  REQUIRE_FALSE(server.reconfigure(options));
  LineClient fresh(server.unix_path());
  CHECK(ask(fresh, long_line).find("-32006") != std::string::npos);
  CHECK(ask(open, long_line).find("\"result\"") != std::string::npos);
}

TEST_CASE("reconfigure: the in-flight limit applies to open connections at once") {
  ServerOptions options = test_options();
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  options.limits.max_in_flight = 1;
  REQUIRE_FALSE(server.reconfigure(options));
  client.send(R"({"jsonrpc":"2.0","method":"sleep","params":[300],"id":1})");
  CHECK(ask(client, kEcho).find("-32005") != std::string::npos);
  CHECK(client.read_line().value_or("").find(R"("id":1,"result":true)") != std::string::npos);
}

TEST_CASE("reconfigure: a TCP port in use fails and changes nothing, not even the new socket path") {
  ServerOptions options = test_options(true, true);
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  const std::uint16_t port = server.port();
  const std::string old_path = server.unix_path();

  const int blocker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(blocker, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(blocker, 1) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(blocker, reinterpret_cast<sockaddr*>(&address), &length) == 0);

  ServerOptions next = options;
  next.unix_path = std::filesystem::path(old_path).parent_path() / "new.sock";
  next.tcp_port = ntohs(address.sin_port);
  auto error = server.reconfigure(next);
  REQUIRE(error);
  CHECK(error->find("cannot listen") != std::string::npos);
  CHECK_FALSE(exists(next.unix_path));
  CHECK(server.unix_path() == old_path);
  CHECK(server.port() == port);
  LineClient client(old_path);
  CHECK(ask(client, kEcho) == kEchoed);
  ::close(blocker);

  // TCP off: the port closes, the socket stays.
  next = options;
  next.tcp_port.reset();
  REQUIRE_FALSE(server.reconfigure(next));
  CHECK(server.port() == 0);
  CHECK(ask(client, kEcho) == kEchoed);
}

TEST_CASE("adopt_unix_listener: an inherited socket is served, kept by reconfigure, its file left by stop") {
  const std::string dir = temp_dir();
  const std::string path = dir + "/systemd.sock";
  const int fd = listening_unix_socket(path);
  ServerOptions options = test_options();  // its own unix_path is not used
  TestServer server(options);
  REQUIRE_FALSE(server.adopt_unix(fd));
  REQUIRE_FALSE(server.start());
  CHECK(server.unix_path() == path);
  CHECK_FALSE(exists(options.unix_path));
  LineClient client(path);
  REQUIRE(client.connected());
  CHECK(ask(client, kEcho) == kEchoed);

  options.unix_path = dir + "/elsewhere.sock";
  REQUIRE_FALSE(server.reconfigure(options));
  CHECK(server.unix_path() == path);
  CHECK_FALSE(exists(options.unix_path));
  CHECK(ask(client, kEcho) == kEchoed);

  server.stop();
  CHECK(exists(path));
}
