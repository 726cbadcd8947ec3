#pragma once
// `tgd demo`: tgd against the local test DC with two ready sessions — a user ("demo") and a bot
// ("demobot") — and no credentials needed. It starts tgd-testdc beside itself (a child process;
// its log goes to <state>/testdc.log), logs both sessions in, opens the UNIX socket and an HTTP /
// WebSocket port on loopback, prints one JSON line on stdout for scripts:
//
//   {"socket":"/…/tgd.sock","ws":"ws://127.0.0.1:…/","http":"http://127.0.0.1:…/rpc","token":"…",
//    "sessions":["demo","demobot"]}
//
// and serves until SIGTERM/SIGINT, then stops the test DC. The test DC forgets its accounts when
// it stops, so the demo sessions are made afresh on every start.
#include <filesystem>
#include <optional>
#include <string>

namespace tgd::app {

struct DemoOptions {
  // Where the store, token and logs go; a fresh temporary directory (removed at exit) when empty.
  std::optional<std::filesystem::path> state_dir;
  // tgd-testdc; found beside tgd (installed, or in the build tree) or on PATH when empty.
  std::optional<std::filesystem::path> testdc;
  std::uint16_t tcp_port = 0;  // 0: a free port
  std::string log_level = "info";
};

int run_demo(const DemoOptions& options);

}  // namespace tgd::app
