#pragma once
// The commands of tgd-testdc's control socket (control_socket.hpp), without the socket: one JSON
// object in, one JSON object out (README "Control socket" lists them). Accounts are named by
// phone number ("9996610001", created if new), bot token ("123:secret", created if new, home DC
// 1) or user id (a number or a string of digits that is not a test phone number).
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace simdjson::dom {
class parser;
}

namespace tgd::testdc {

class TestDc;

class ControlCommands {
 public:
  explicit ControlCommands(TestDc& dc);
  ~ControlCommands();
  ControlCommands(const ControlCommands&) = delete;
  ControlCommands& operator=(const ControlCommands&) = delete;

  // Runs one command line; `reply` gets the answer (no newline): at once, or for a flood when it
  // is done (on the event loop).
  void execute(std::string_view line, std::function<void(std::string)> reply);

 private:
  TestDc& dc_;
  std::unique_ptr<simdjson::dom::parser> parser_;
};

}  // namespace tgd::testdc
