#include "daemon/app/systemd_notify.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace tgd::app {

SystemdNotifier::SystemdNotifier(boost::asio::any_io_executor executor)
    : watchdog_timer_(executor), status_timer_(std::move(executor)) {
  // sd_notify would tell us nothing is listening only by returning 0 on each call: decide once.
  const char* socket = std::getenv("NOTIFY_SOCKET");
  active_ = socket != nullptr && socket[0] != '\0';
  std::uint64_t usec = 0;
  // The environment is left alone (unset_environment 0): the pings keep working after a reload.
  if (const int r = sd_watchdog_enabled(0, &usec); r > 0 && usec > 0) {
    watchdog_ = std::chrono::microseconds(usec);
  } else if (r < 0) {
    spdlog::warn("systemd: ignoring a bad WATCHDOG_USEC/WATCHDOG_PID: {}", std::strerror(-r));
  }
  if (watchdog_ && !active_) spdlog::warn("systemd: WATCHDOG_USEC is set but NOTIFY_SOCKET is not: no pings");
}

SystemdNotifier::~SystemdNotifier() { stop(); }

void SystemdNotifier::start(std::function<std::string()> status, std::chrono::milliseconds every) {
  if (!active_ || running_) return;
  running_ = true;
  status_ = std::move(status);
  status_every_ = every;
  if (watchdog_) {
    spdlog::info("systemd: watchdog every {} ms, pinged every {} ms", watchdog_->count() / 1000,
                 watchdog_->count() / 2000);
    send("WATCHDOG=1");
    arm_watchdog();
  }
  if (status_) arm_status();
}

void SystemdNotifier::stop() {
  running_ = false;
  watchdog_timer_.cancel();
  status_timer_.cancel();
}

void SystemdNotifier::arm_watchdog() {
  // Half the interval, as sd_watchdog_enabled(3) recommends: one late turn of the loop is not yet
  // a restart.
  watchdog_timer_.expires_after(*watchdog_ / 2);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) return;
    send("WATCHDOG=1");
    arm_watchdog();
  });
}

void SystemdNotifier::arm_status() {
  status_timer_.expires_after(status_every_);
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) return;
    status(status_());
    arm_status();
  });
}

namespace {

// A status text is one line of the message: a newline in it would start another assignment.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

}  // namespace

void SystemdNotifier::ready(std::string_view line) { send("READY=1\nSTATUS=" + one_line(line)); }

void SystemdNotifier::reloading() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec =
      static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
  send("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::stopping() { send("STOPPING=1\nSTATUS=stopping"); }

void SystemdNotifier::status(std::string_view line) { send("STATUS=" + one_line(line)); }

void SystemdNotifier::send(const std::string& message) {
  if (!active_) return;
  if (const int r = sd_notify(0, message.c_str()); r < 0)
    spdlog::debug("systemd: sd_notify failed: {}", std::strerror(-r));
}

InheritedSockets take_inherited_sockets() {
  InheritedSockets out;
  // Checks LISTEN_PID against our pid and unsets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES.
  const int n = sd_listen_fds(1);
  if (n < 0) {
    out.ignored.push_back(std::string("LISTEN_FDS: ") + std::strerror(-n));
    return out;
  }
  for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; ++fd) {
    if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) > 0 && !out.unix_stream) {
      out.unix_stream = fd;
    } else if ((sd_is_socket_inet(fd, AF_INET, SOCK_STREAM, 1, 0) > 0 ||
                sd_is_socket_inet(fd, AF_INET6, SOCK_STREAM, 1, 0) > 0) &&
               !out.tcp) {
      out.tcp = fd;
    } else {
      out.ignored.push_back("fd " + std::to_string(fd) +
                            ": not a listening stream socket tgd can serve (or a second one of a kind)");
      ::close(fd);
    }
  }
  return out;
}

}  // namespace tgd::app
