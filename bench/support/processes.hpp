#pragma once
// What the end-to-end benchmarks share (bench_rpc, bench_updates, bench_files): `tgd demo` as a child process
// with its ready line, CPU time of processes from /proc, a blocking NDJSON call for set-up, and the
// figures (percentiles, median and range over runs).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tgd::bench {

// CLOCK_MONOTONIC in ns (std::chrono::steady_clock on Linux): shared by every process on the
// machine, so a time stamped by one process can be compared with another's.
std::int64_t monotonic_ns();

std::chrono::nanoseconds secs(double s);

// utime + stime of a running process, from /proc (0 when it is gone).
double cpu_seconds(pid_t pid);
// The same for one thread of a process (tid == pid: its main thread).
double thread_cpu_seconds(pid_t pid, pid_t tid);
double self_cpu_seconds();
// The children of a process (all its threads'), from /proc.
std::vector<pid_t> children_of(pid_t pid);

// `tgd demo` (or any program printing one ready line on stdout), stderr to `log`; stopped with
// SIGTERM and waited for (also when it goes out of scope).
struct TgdProcess {
  pid_t pid = -1;
  std::string ready_line;

  TgdProcess() = default;
  TgdProcess(const TgdProcess&) = delete;
  TgdProcess& operator=(const TgdProcess&) = delete;
  ~TgdProcess() { stop(); }

  // Spawns args[0] with args and waits (up to 60 s) for the first line on its stdout.
  bool start(const std::vector<std::string>& args, const std::filesystem::path& log);
  // `tgd demo` on a free TCP port with its state in <dir>/state, its test DC <dir>/testdc.sh and
  // its log <dir>/tgd.log; says on stderr when it did not get ready.
  bool start_demo(const std::string& tgd, const std::filesystem::path& dir);
  void stop();
};

// A new temporary directory (`prefix`-XXXXXX) holding testdc.sh: `testdc` with a control socket at
// <dir>/control.sock, for `tgd demo --testdc <dir>/testdc.sh` (tgd demo runs its test DC as
// `PROGRAM --dcs 3`). Empty on failure.
std::filesystem::path make_demo_dir(const std::string& prefix, const std::string& testdc);

// /proc/loadavg's three averages, "1.02 0.98 0.91".
std::string loadavg();

// One request line and its answer line over a UNIX socket, blocking (set-up, control sockets).
std::string call_once(const std::string& socket_path, const std::string& line);

struct Percentiles {
  double p50 = 0, p99 = 0;
};
// Sorts `samples`.
Percentiles percentiles(std::vector<float>& samples);

// Over runs: the median, and "lo – hi" printed with `format`.
double median(std::vector<double> v);
std::string range(std::vector<double> v, const char* format);

}  // namespace tgd::bench
