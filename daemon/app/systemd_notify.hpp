#pragma once
// tgd and systemd (libsystemd's sd-daemon; its header stays in systemd_notify.cpp):
//
//   - the service manager's notifications (Type=notify): READY=1 once the listeners are open,
//     RELOADING=1 / READY=1 around a SIGHUP reload, STOPPING=1 on shutdown, a STATUS= summary
//     refreshed every few seconds, and WATCHDOG=1 pings when WatchdogSec= is set;
//   - socket activation: the listening sockets a .socket unit passed (LISTEN_FDS / LISTEN_PID).
//
// The pings and the status refresh are timers on the daemon's own executor: a loop that stalls
// stops pinging, and systemd restarts the service, which is the point of the watchdog. Without
// NOTIFY_SOCKET (not under systemd, or not Type=notify) every call is a no-op and no timer runs.
//
// Everything runs on the executor's thread. sd_notify is one datagram on a local socket; systemd
// reads it at once, so it does not hold up the loop.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgd::app {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET and WATCHDOG_USEC (WATCHDOG_PID, when set, must be this process).
  explicit SystemdNotifier(boost::asio::any_io_executor executor);
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  // Whether there is a service manager to tell anything.
  bool active() const { return active_; }
  // The watchdog interval systemd set (WatchdogSec=); nullopt when none.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

  // Starts the timers: WATCHDOG=1 every half watchdog interval, and STATUS=<status()> every
  // `every`. `status` is called on the executor and must stay callable until stop().
  void start(std::function<std::string()> status, std::chrono::milliseconds every);
  // Cancels the timers (so that the loop can run dry at exit). Idempotent.
  void stop();

  void ready(std::string_view status);  // READY=1 with a STATUS=
  void reloading();                     // RELOADING=1 (with MONOTONIC_USEC, as systemd ≥ 253 asks)
  void stopping();                      // STOPPING=1
  void status(std::string_view line);   // STATUS=line (newlines become spaces)

 private:
  void send(const std::string& message);
  void arm_watchdog();
  void arm_status();

  bool active_ = false;
  bool running_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
  std::function<std::string()> status_;
  std::chrono::milliseconds status_every_{5000};
  boost::asio::steady_timer watchdog_timer_, status_timer_;
};

// The listening sockets systemd passed for this process (sd_listen_fds), sorted by kind. The
// LISTEN_* variables are removed from the environment, so that child processes (tgd demo's test
// DC) do not take them for theirs.
struct InheritedSockets {
  std::optional<int> unix_stream;  // a listening AF_UNIX SOCK_STREAM socket
  std::optional<int> tcp;          // a listening AF_INET / AF_INET6 SOCK_STREAM socket
  // Descriptors tgd has no use for (a second UNIX socket, a datagram socket, …), already closed,
  // one message each for the log.
  std::vector<std::string> ignored;
};
InheritedSockets take_inherited_sockets();

}  // namespace tgd::app
