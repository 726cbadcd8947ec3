#pragma once
// tgd-testdc --control PATH: a UNIX socket (mode 0600) for other processes — benchmarks and
// end-to-end tests of tgd — to drive the test DC: newline-delimited JSON commands, one JSON answer
// line per command, in order (a flood's answer comes when it is done; open another connection to
// ask for stats meanwhile). The commands: control_commands.hpp and the README.
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace tgd::testdc {

class TestDc;

class ControlSocket {
 public:
  ControlSocket(boost::asio::io_context& io, TestDc& dc);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // Listens on `path` (a stale socket file there is replaced). Returns an error message on failure.
  std::optional<std::string> start(const std::string& path);
  // Closes the listener and every connection; removes the socket file.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgd::testdc
