#include "bench/support/processes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

extern char** environ;

namespace tgd::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::int64_t monotonic_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

std::chrono::nanoseconds secs(double s) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}

namespace {

// utime + stime from a /proc/…/stat file.
double stat_cpu_seconds(const std::string& path) {
  std::ifstream stat(path);
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close_paren = content.rfind(')');  // the name may hold spaces and parentheses
  if (close_paren == std::string::npos) return 0;
  std::vector<std::string> fields;
  std::string field;
  for (std::size_t i = close_paren + 2; i < content.size(); ++i) {
    if (content[i] == ' ') {
      fields.push_back(field);
      field.clear();
    } else {
      field += content[i];
    }
  }
  if (fields.size() < 13) return 0;  // after the name: state is 0, utime 11, stime 12
  return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

double cpu_seconds(pid_t pid) { return stat_cpu_seconds("/proc/" + std::to_string(pid) + "/stat"); }

double thread_cpu_seconds(pid_t pid, pid_t tid) {
  return stat_cpu_seconds("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/stat");
}

double self_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "children");
    pid_t child;
    while (in >> child) out.push_back(child);
  }
  return out;
}

bool TgdProcess::start(const std::vector<std::string>& args, const fs::path& log) {
  int out[2];
  if (::pipe(out) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    pid = -1;
    return false;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  char c;
  while (Clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    if (::read(out[0], &c, 1) != 1 || c == '\n') break;
    ready_line += c;
  }
  ::close(out[0]);  // later stdout writes (none expected) would get EPIPE, not block
  return !ready_line.empty();
}

bool TgdProcess::start_demo(const std::string& tgd, const std::filesystem::path& dir) {
  if (start({tgd, "demo", "--tcp-port", "0", "--log-level", "warn", "--state", (dir / "state").string(),
             "--testdc", (dir / "testdc.sh").string()},
            dir / "tgd.log")) {
    return true;
  }
  std::fprintf(stderr, "tgd demo did not get ready; its log: %s\n", (dir / "tgd.log").c_str());
  stop();
  return false;
}

void TgdProcess::stop() {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  int status;
  ::waitpid(pid, &status, 0);
  pid = -1;
}

std::string call_once(const std::string& socket_path, const std::string& line) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string out = line + "\n";
    if (::write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size())) {
      char chunk[4096];
      ssize_t n;
      while (answer.find('\n') == std::string::npos && (n = ::read(fd, chunk, sizeof chunk)) > 0)
        answer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer.substr(0, answer.find('\n'));
}

Percentiles percentiles(std::vector<float>& samples) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  auto at = [&](double p) {
    return static_cast<double>(
        samples[static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1))]);
  };
  return {at(0.50), at(0.99)};
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string range(std::vector<double> v, const char* format) {
  if (v.empty()) return "";
  std::sort(v.begin(), v.end());
  char lo[64], hi[64];
  std::snprintf(lo, sizeof lo, format, v.front());
  std::snprintf(hi, sizeof hi, format, v.back());
  return std::string(lo) + " – " + hi;
}

std::filesystem::path make_demo_dir(const std::string& prefix, const std::string& testdc) {
  namespace fs = std::filesystem;
  std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  const fs::path dir = pattern;
  std::ofstream(dir / "testdc.sh") << "#!/bin/sh\nexec '" << testdc << "' --control '"
                                   << (dir / "control.sock").string() << "' \"$@\"\n";
  fs::permissions(dir / "testdc.sh", fs::perms::owner_all);
  return dir;
}

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

}  // namespace tgd::bench
