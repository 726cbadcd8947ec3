// File transfer benchmark (issue #7): a 512 MiB download and upload through `tgd demo` and its test
// DC, next to the single-core crypto limit measured in the same run. Processes as in reality — `tgd
// demo` (running tgd-testdc beside itself, given a control socket by a wrapper script) and this
// program as the client, over tgd's UNIX socket. Per run (a fresh `tgd demo` each):
//
//   limit     AES-256-IGE decrypt and SHA-256 over 1 MiB buffers on one core, with the project's
//             own primitives (protocol/crypto), and the combined 1/(1/ige + 1/sha256): MTProto 2.0
//             makes one IGE pass and one SHA-256 pass (msg_key) over every message, so a transfer
//             whose crypto runs on one core cannot go faster. IGE encrypt is shown too (the upload's
//             side in tgd).
//   download  the test DC's control socket makes another account send the demo user (9996620000) a
//             document read in place from the source file; its updateNewMessage (from a subscription)
//             is the `file` of a timed downloadToFile. MB/s = bytes / the call's wall time here. The
//             output's size is checked every run, its SHA-256 against the source's in the first
//             (outside the timed part).
//   upload    a timed uploadFile of the source; checked by its answer (bytes, inputFileBig) and the
//             test DC's bytes_saved.
//
// During each transfer: tgd's VmRSS sampled every 20 ms (and its VmHWM after: the peak since it
// started, which no sampling misses), help.getNearestDc called on a second connection one at a time
// every --probe-ms (latency p50/p99 as this program sees it), and the CPU time of tgd (all threads,
// and its event loop thread) and tgd-testdc per MB moved. MB = 10^6 bytes throughout.
//
//   bench_files [--runs 3] [--size-mib 512] [--probe-ms 10] [--tgd PATH] [--testdc PATH]
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/support/processes.hpp"
#include "protocol/crypto/aes_ige.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/random.hpp"

using namespace tgd;
using namespace tgd::bench;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSender = "9996610001";    // an account of the test DC's (made on first use)
constexpr std::string_view kDemoUser = "9996620000";  // `tgd demo`'s user session "demo"
constexpr std::size_t kMiB = 1 << 20;
constexpr double kDownloadTarget = 0.70, kUploadTarget = 0.60;  // of the limit (issue #7)
constexpr double kRssTargetMib = 64, kProbeP99TargetMs = 20;

struct Args {
  int runs = 3;
  std::size_t size_mib = 512;
  int probe_ms = 10;
  std::string tgd = TGD_PATH;
  std::string testdc = TGD_TESTDC_PATH;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", key.c_str());
      std::exit(2);
    }
    const char* v = argv[i + 1];
    if (key == "--runs") {
      a.runs = std::max(1, std::atoi(v));
    } else if (key == "--size-mib") {
      a.size_mib = static_cast<std::size_t>(std::max(1, std::atoi(v)));
    } else if (key == "--probe-ms") {
      a.probe_ms = std::max(1, std::atoi(v));
    } else if (key == "--tgd") {
      a.tgd = v;
    } else if (key == "--testdc") {
      a.testdc = v;
    } else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  return a;
}

double seconds_between(std::int64_t from_ns, std::int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e9;
}

// A number field of a flat JSON text, by substring (the control socket's and tgd's small answers):
// nullopt if absent.
std::optional<double> json_number(std::string_view json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":";
  const std::size_t at = json.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  return std::strtod(std::string(json.substr(at + needle.size(), 32)).c_str(), nullptr);
}

std::string json_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// VmRSS and VmHWM of a process in MiB, from /proc (0 when it is gone).
struct Memory {
  double rss_mib = 0, hwm_mib = 0;
};
Memory memory_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  Memory m;
  std::string line;
  while (std::getline(in, line)) {
    const auto kib = [&] { return std::strtod(line.c_str() + line.find(':') + 1, nullptr) / 1024; };
    if (line.starts_with("VmRSS:")) m.rss_mib = kib();
    if (line.starts_with("VmHWM:")) m.hwm_mib = kib();
  }
  return m;
}

// The single-core limit: what one core does of the crypto every byte of MTProto 2.0 needs.
struct Limit {
  double ige_decrypt = 0, ige_encrypt = 0, sha256 = 0;  // MB/s
  double combined = 0;                                  // 1/(1/ige_decrypt + 1/sha256), MB/s
};

Limit measure_limit() {
  using crypto::AesIge256;
  const Bytes key = crypto::random_bytes(32), iv = crypto::random_bytes(32);
  const AesIge256 ige(std::span<const std::uint8_t, 32>(key.data(), 32));
  const crypto::IgeIv ige_iv(iv.data(), 32);
  const Bytes in = crypto::random_bytes(kMiB);
  Bytes out(kMiB);
  crypto::Sha256 sha;
  constexpr int kRepeats = 5;
  constexpr double kSampleSeconds = 0.1;
  const double dec = median_seconds_per_call(
      [&] {
        (void)ige.decrypt(ige_iv, in, out);
        keep(out.data());
      },
      kRepeats, kSampleSeconds);
  const double enc = median_seconds_per_call(
      [&] {
        (void)ige.encrypt(ige_iv, in, out);
        keep(out.data());
      },
      kRepeats, kSampleSeconds);
  const double hash = median_seconds_per_call([&] { keep(sha.digest({in})); }, kRepeats, kSampleSeconds);
  Limit l;
  l.ige_decrypt = static_cast<double>(kMiB) / dec / 1e6;
  l.ige_encrypt = static_cast<double>(kMiB) / enc / 1e6;
  l.sha256 = static_cast<double>(kMiB) / hash / 1e6;
  l.combined = 1 / (1 / l.ige_decrypt + 1 / l.sha256);
  return l;
}

// `size` pseudo-random bytes (incompressible, every MiB different) at `path`; false on an error.
bool make_source(const fs::path& path, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::mt19937_64 random(std::random_device{}());
  std::vector<std::uint64_t> chunk(kMiB / sizeof(std::uint64_t));
  for (std::size_t left = size; left > 0 && out;) {
    for (auto& word : chunk) word = random();
    const std::size_t n = std::min(left, kMiB);
    out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(n));
    left -= n;
  }
  return static_cast<bool>(out.flush());
}

std::string sha256_hex(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  crypto::Sha256 sha;
  std::vector<char> chunk(kMiB);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    sha.update(
        ByteSpan(reinterpret_cast<const std::uint8_t*>(chunk.data()), static_cast<std::size_t>(in.gcount())));
  }
  std::string hex;
  char byte[3];
  for (std::uint8_t b : sha.finish()) {
    std::snprintf(byte, sizeof byte, "%02x", b);
    hex += byte;
  }
  return hex;
}

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// One connection to tgd's UNIX socket (NDJSON), blocking with deadlines: a request at a time, its
// answer line; notification lines that come in between are kept for next_notification().
class LineClient {
 public:
  explicit LineClient(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (fd_.get() < 0 || ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot connect to " + path + ": " + std::strerror(errno));
  }

  // The answer line to a call of `method` with `params` (a JSON object); throws on a timeout or a
  // closed connection. A JSON-RPC error is an answer like any other (the caller looks).
  std::string call(std::string_view method, std::string_view params, std::chrono::seconds timeout) {
    const std::string id = std::to_string(next_id_++);
    const std::string line = R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":)" + json_quoted(method) +
                             R"(,"params":)" + std::string(params) + "}\n";
    for (std::size_t sent = 0; sent < line.size();) {
      const ssize_t n = ::send(fd_.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      sent += static_cast<std::size_t>(n);
    }
    const std::string answer_prefix = R"({"jsonrpc":"2.0","id":)" + id + ",";
    const std::int64_t deadline = monotonic_ns() + timeout.count() * 1'000'000'000;
    for (;;) {
      std::string got = read_line(deadline);
      if (got.starts_with(answer_prefix)) return got;
      notifications_.push_back(std::move(got));
    }
  }

  // The next notification line, waiting up to `timeout`; throws on a timeout.
  std::string next_notification(std::chrono::seconds timeout) {
    if (!notifications_.empty()) {
      std::string first = std::move(notifications_.front());
      notifications_.erase(notifications_.begin());
      return first;
    }
    return read_line(monotonic_ns() + timeout.count() * 1'000'000'000);
  }

 private:
  std::string read_line(std::int64_t deadline_ns) {
    for (;;) {
      if (const auto end = buffer_.find('\n', scanned_); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        scanned_ = 0;
        return line;
      }
      scanned_ = buffer_.size();
      const std::int64_t left_ms = (deadline_ns - monotonic_ns()) / 1'000'000;
      pollfd p{fd_.get(), POLLIN, 0};
      if (left_ms <= 0 || ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left_ms, 1000))) < 0)
        throw std::runtime_error("no answer from tgd in time");
      if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char chunk[64 << 10];
      const ssize_t n = ::read(fd_.get(), chunk, sizeof chunk);
      if (n <= 0) throw std::runtime_error("tgd closed the connection");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  UniqueFd fd_;
  std::string buffer_;
  std::size_t scanned_ = 0;  // buffer_ has no newline before this
  std::vector<std::string> notifications_;
  int next_id_ = 1;
};

bool is_error(std::string_view answer) { return answer.find(R"("error":)") != std::string_view::npos; }

// help.getNearestDc, one at a time: latencies in ms. `stop` ends the loop after the current call.
std::vector<float> probe(LineClient& client, int interval_ms, const std::atomic<bool>& stop,
                         std::size_t max_probes = SIZE_MAX) {
  std::vector<float> ms;
  while (!stop.load(std::memory_order_relaxed) && ms.size() < max_probes) {
    const std::int64_t start = monotonic_ns();
    const std::string answer =
        client.call("help.getNearestDc", R"({"session":"demo"})", std::chrono::seconds(60));
    const std::int64_t end = monotonic_ns();
    if (is_error(answer)) throw std::runtime_error("help.getNearestDc: " + answer.substr(0, 300));
    ms.push_back(static_cast<float>(static_cast<double>(end - start) / 1e6));
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  return ms;
}

struct Processes {
  pid_t tgd = -1, testdc = -1;
};

struct Transfer {
  bool ok = false;
  double seconds = 0;      // the call's wall time here
  double tgd_seconds = 0;  // what tgd's answer says
  double mb_per_s = 0, of_limit = 0;
  double rss_before_mib = 0, rss_peak_mib = 0, hwm_after_mib = 0, testdc_rss_peak_mib = 0;
  Percentiles probe_ms;
  double probe_max_ms = 0;
  std::size_t probes = 0;
  double tgd_ms_per_mb = 0, testdc_ms_per_mb = 0;  // CPU time per MB moved
  double tgd_core = 0, tgd_loop_core = 0, testdc_core = 0;
};

// Runs `call` (the transfer, on this thread) while a thread samples RSS every 20 ms and another
// probes latency on its own connection; fills everything but the answer's checks.
template <class Call>
Transfer measured(const Processes& procs, LineClient& prober, int probe_ms, std::size_t bytes, Call call) {
  Transfer t;
  std::atomic<bool> stop{false};
  const Memory before = memory_of(procs.tgd);
  t.rss_before_mib = before.rss_mib;
  double peak = before.rss_mib, testdc_peak = memory_of(procs.testdc).rss_mib;
  std::vector<float> latencies;
  std::string probe_error;
  const double tgd0 = cpu_seconds(procs.tgd), loop0 = thread_cpu_seconds(procs.tgd, procs.tgd),
               testdc0 = cpu_seconds(procs.testdc);
  const std::int64_t start = monotonic_ns();
  {
    std::jthread sampler([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        peak = std::max(peak, memory_of(procs.tgd).rss_mib);
        testdc_peak = std::max(testdc_peak, memory_of(procs.testdc).rss_mib);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    std::jthread prober_thread([&] {
      try {
        latencies = probe(prober, probe_ms, stop);
      } catch (const std::exception& e) {
        probe_error = e.what();
      }
    });
    try {
      t.ok = call(t);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "  transfer: %s\n", e.what());
    }
    stop = true;
  }  // both threads joined: their results are ours to read
  const std::int64_t end = monotonic_ns();
  t.seconds = seconds_between(start, end);
  const double tgd_cpu = cpu_seconds(procs.tgd) - tgd0,
               loop_cpu = thread_cpu_seconds(procs.tgd, procs.tgd) - loop0,
               testdc_cpu = cpu_seconds(procs.testdc) - testdc0;
  const Memory after = memory_of(procs.tgd);
  t.rss_peak_mib = std::max(peak, after.rss_mib);
  t.hwm_after_mib = after.hwm_mib;
  t.testdc_rss_peak_mib = testdc_peak;
  if (!probe_error.empty()) std::fprintf(stderr, "  probe: %s\n", probe_error.c_str());
  t.probes = latencies.size();
  t.probe_ms = percentiles(latencies);  // sorts
  t.probe_max_ms = latencies.empty() ? 0 : latencies.back();
  const double mb = static_cast<double>(bytes) / 1e6;
  t.mb_per_s = mb / t.seconds;
  t.tgd_ms_per_mb = tgd_cpu * 1e3 / mb;
  t.testdc_ms_per_mb = testdc_cpu * 1e3 / mb;
  t.tgd_core = tgd_cpu / t.seconds;
  t.tgd_loop_core = loop_cpu / t.seconds;
  t.testdc_core = testdc_cpu / t.seconds;
  return t;
}

struct Run {
  Limit limit;
  Transfer download, upload;
  Percentiles idle_ms;  // help.getNearestDc with no transfer running
};

void show(const char* what, const Transfer& t, double limit) {
  std::printf(
      "  %-8s %s %7.1f MB/s (%.0f%% of the limit) in %.2f s (tgd says %.2f s)  tgd RSS %.1f -> peak %.1f MiB "
      "(VmHWM %.1f), testdc peak %.1f MiB  getNearestDc p50 %.2f p99 %.2f max %.2f ms (%zu)  CPU/MB tgd %.2f "
      "ms "
      "(%.2f cores, loop %.2f) testdc %.2f ms (%.2f cores)\n",
      what, t.ok ? "ok    " : "FAILED", t.mb_per_s, 100 * t.mb_per_s / limit, t.seconds, t.tgd_seconds,
      t.rss_before_mib, t.rss_peak_mib, t.hwm_after_mib, t.testdc_rss_peak_mib, t.probe_ms.p50,
      t.probe_ms.p99, t.probe_max_ms, t.probes, t.tgd_ms_per_mb, t.tgd_core, t.tgd_loop_core,
      t.testdc_ms_per_mb, t.testdc_core);
  std::fflush(stdout);
}

// One `tgd demo`: idle probes, the download, the upload. false: tgd did not start or a transfer
// failed.
bool run_round(const Args& args, const fs::path& dir, const fs::path& source, const std::string& source_sha,
               bool verify_content, Run& out) {
  const std::size_t size = args.size_mib * kMiB;
  std::error_code ec;
  fs::remove_all(dir / "state", ec);
  fs::remove(dir / "control.sock", ec);
  TgdProcess tgd;
  if (!tgd.start_demo(args.tgd, dir)) return false;
  simdjson::dom::parser parser;
  simdjson::dom::element ready;
  std::string_view socket_path;
  if (parser.parse(tgd.ready_line).get(ready) != simdjson::SUCCESS ||
      ready["socket"].get_string().get(socket_path) != simdjson::SUCCESS) {
    std::fprintf(stderr, "tgd's ready line has no socket: %s\n", tgd.ready_line.c_str());
    return false;
  }
  const std::string socket(socket_path);
  Processes procs{tgd.pid, -1};
  for (pid_t child : children_of(tgd.pid)) procs.testdc = child;  // the wrapper exec'd tgd-testdc
  const std::string control = (dir / "control.sock").string();
  if (procs.testdc <= 0 || !fs::exists(control)) {
    std::fprintf(stderr, "no tgd-testdc with a control socket under tgd (pid %d)\n", tgd.pid);
    return false;
  }

  try {
    LineClient main(socket), prober(socket), events(socket);
    const auto timeout = std::chrono::seconds(1800);
    // Warm both connections (and the session's main connection) before anything is timed.
    for (LineClient* c : {&main, &prober}) {
      const std::string a = c->call("help.getNearestDc", R"({"session":"demo"})", std::chrono::seconds(60));
      if (is_error(a)) throw std::runtime_error("help.getNearestDc: " + a);
    }
    {
      const std::atomic<bool> never{false};
      std::vector<float> idle = probe(prober, args.probe_ms, never, 200);
      out.idle_ms = percentiles(idle);
    }
    std::printf("  tgd pid %d, tgd-testdc pid %d, idle getNearestDc p50 %.2f p99 %.2f ms (load average %s)\n",
                procs.tgd, procs.testdc, out.idle_ms.p50, out.idle_ms.p99, loadavg().c_str());
    std::fflush(stdout);

    // The document's update: a subscription sees it, then downloadToFile gets it whole.
    const std::string subscribed = events.call(
        "subscribe", R"({"sessions":["demo"],"types":["updateNewMessage"]})", std::chrono::seconds(60));
    if (is_error(subscribed)) throw std::runtime_error("subscribe: " + subscribed);
    const std::string sent =
        call_once(control, R"({"op":"send_document","from":")" + std::string(kSender) + R"(","to":")" +
                               std::string(kDemoUser) + R"(","path":)" + json_quoted(source.string()) +
                               R"(,"name":"bench.bin","mime":"application/octet-stream"})");
    if (sent.find(R"("ok":true)") == std::string::npos) throw std::runtime_error("send_document: " + sent);
    std::string update;
    while (update.empty()) {
      const std::string note = events.next_notification(std::chrono::seconds(60));
      simdjson::dom::element n, u;
      if (parser.parse(note).get(n) != simdjson::SUCCESS || n["params"]["update"].get(u) != simdjson::SUCCESS)
        continue;
      if (simdjson::to_string(u).find(R"("document")") != std::string::npos) update = simdjson::to_string(u);
    }

    const fs::path target = dir / "download.bin";
    fs::remove(target, ec);
    const std::string download_params =
        R"({"session":"demo","file":)" + update + R"(,"path":)" + json_quoted(target.string()) + "}";
    out.download = measured(procs, prober, args.probe_ms, size, [&](Transfer& t) {
      const std::string answer = main.call("downloadToFile", download_params, timeout);
      t.tgd_seconds = json_number(answer, "seconds").value_or(0);
      if (is_error(answer) || json_number(answer, "bytes") != static_cast<double>(size)) {
        std::fprintf(stderr, "  downloadToFile: %s\n", answer.substr(0, 500).c_str());
        return false;
      }
      return true;
    });
    out.download.of_limit = out.download.mb_per_s / out.limit.combined;
    if (out.download.ok && fs::file_size(target, ec) != size) {
      std::fprintf(stderr, "  the download has %llu bytes, not %zu\n",
                   static_cast<unsigned long long>(fs::file_size(target, ec)), size);
      out.download.ok = false;
    }
    if (out.download.ok && verify_content) {
      const std::string got = sha256_hex(target);
      std::printf("  download SHA-256 %s the source's\n", got == source_sha ? "equals" : "DIFFERS FROM");
      if (got != source_sha) out.download.ok = false;
    }
    fs::remove(target, ec);
    show("download", out.download, out.limit.combined);

    const double saved0 = json_number(call_once(control, R"({"op":"stats"})"), "bytes_saved").value_or(0);
    out.upload = measured(procs, prober, args.probe_ms, size, [&](Transfer& t) {
      const std::string answer = main.call(
          "uploadFile", R"({"session":"demo","path":)" + json_quoted(source.string()) + "}", timeout);
      t.tgd_seconds = json_number(answer, "seconds").value_or(0);
      if (is_error(answer) || json_number(answer, "bytes") != static_cast<double>(size) ||
          answer.find(R"("big":true)") == std::string::npos) {
        std::fprintf(stderr, "  uploadFile: %s\n", answer.substr(0, 500).c_str());
        return false;
      }
      return true;
    });
    out.upload.of_limit = out.upload.mb_per_s / out.limit.combined;
    const double saved =
        json_number(call_once(control, R"({"op":"stats"})"), "bytes_saved").value_or(0) - saved0;
    if (out.upload.ok && saved != static_cast<double>(size)) {
      std::fprintf(stderr, "  the test DC saved %.0f bytes, not %zu\n", saved, size);
      out.upload.ok = false;
    }
    show("upload", out.upload, out.limit.combined);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "  %s (tgd's log: %s)\n", e.what(), (dir / "tgd.log").c_str());
    return false;
  }
  return out.download.ok && out.upload.ok;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // probe sleeps on time, not 50 µs late

  const fs::path dir = make_demo_dir("tgd-filebench", args.testdc);
  if (dir.empty()) return 1;

  const fs::path source = dir / "source.bin";
  if (!make_source(source, args.size_mib * kMiB)) {
    std::fprintf(stderr, "cannot write %s\n", source.c_str());
    return 1;
  }
  const std::string source_sha = sha256_hex(source);  // also brings the file into the page cache
  std::printf(
      "%zu MiB file, %d runs, getNearestDc every %d ms during transfers; AES-NI %s; load average %s\n\n",
      args.size_mib, args.runs, args.probe_ms, crypto::aes_ni_supported() ? "yes" : "no", loadavg().c_str());
  std::fflush(stdout);

  std::vector<Run> runs;
  bool ok = true;
  for (int i = 0; i < args.runs; ++i) {
    Run r;
    r.limit = measure_limit();  // before tgd starts: the core is this program's alone
    std::printf("run %d: limit %.0f MB/s (AES-256-IGE decrypt %.0f, encrypt %.0f, SHA-256 %.0f MB/s)\n",
                i + 1, r.limit.combined, r.limit.ige_decrypt, r.limit.ige_encrypt, r.limit.sha256);
    std::fflush(stdout);
    const bool round_ok = run_round(args, dir, source, source_sha, i == 0, r);
    if (r.download.seconds > 0) runs.push_back(r);
    if (!round_ok) {
      ok = false;
      break;
    }
  }
  const std::string load_end = loadavg();
  std::error_code ec;
  if (ok) {
    fs::remove_all(dir, ec);
  } else {
    fs::remove(source, ec);  // keep the logs, not 512 MiB
    std::fprintf(stderr, "logs kept in %s\n", dir.c_str());
  }

  std::printf("\nload average at the end %s; medians of %zu runs (range)\n\n", load_end.c_str(), runs.size());
  std::printf("| measurement | median | range | target |\n|---|---|---|---|\n");
  auto row = [&](const char* what, auto field, const char* format, std::string target = "") {
    std::vector<double> v;
    for (const Run& r : runs) v.push_back(field(r));
    if (v.empty()) return;
    char m[64];
    std::snprintf(m, sizeof m, format, median(v));
    std::printf("| %s | %s | %s | %s |\n", what, m, range(v, format).c_str(), target.c_str());
  };
  const auto met = [](bool yes) { return std::string(yes ? " — met" : " — **missed**"); };
  std::vector<double> v;
  auto median_of = [&](auto field) {
    v.clear();
    for (const Run& r : runs) v.push_back(field(r));
    return median(v);
  };
  const double down_ratio = median_of([](const Run& r) { return r.download.of_limit; });
  const double up_ratio = median_of([](const Run& r) { return r.upload.of_limit; });
  const double rss =
      median_of([](const Run& r) { return std::max(r.download.hwm_after_mib, r.upload.hwm_after_mib); });
  const double down_p99 = median_of([](const Run& r) { return r.download.probe_ms.p99; });
  const double up_p99 = median_of([](const Run& r) { return r.upload.probe_ms.p99; });

  row(
      "AES-256-IGE decrypt, 1 MiB, one core (MB/s)", [](const Run& r) { return r.limit.ige_decrypt; },
      "%.0f");
  row(
      "AES-256-IGE encrypt, 1 MiB, one core (MB/s)", [](const Run& r) { return r.limit.ige_encrypt; },
      "%.0f");
  row(
      "SHA-256, 1 MiB, one core (MB/s)", [](const Run& r) { return r.limit.sha256; }, "%.0f");
  row(
      "**limit** 1/(1/IGE-decrypt + 1/SHA-256) (MB/s)", [](const Run& r) { return r.limit.combined; },
      "%.0f");
  row(
      "**download** (MB/s)", [](const Run& r) { return r.download.mb_per_s; }, "%.1f");
  row(
      "**download / limit**", [](const Run& r) { return 100 * r.download.of_limit; }, "%.1f%%",
      "≥ 70%" + met(down_ratio >= kDownloadTarget));
  row(
      "**upload** (MB/s)", [](const Run& r) { return r.upload.mb_per_s; }, "%.1f");
  row(
      "**upload / limit**", [](const Run& r) { return 100 * r.upload.of_limit; }, "%.1f%%",
      "≥ 60%" + met(up_ratio >= kUploadTarget));
  row(
      "tgd RSS before the download (MiB)", [](const Run& r) { return r.download.rss_before_mib; }, "%.1f");
  row(
      "download: tgd peak RSS, sampled every 20 ms (MiB)",
      [](const Run& r) { return r.download.rss_peak_mib; }, "%.1f");
  row(
      "upload: tgd peak RSS, sampled (MiB)", [](const Run& r) { return r.upload.rss_peak_mib; }, "%.1f");
  row(
      "**tgd VmHWM** after both transfers (MiB)",
      [](const Run& r) { return std::max(r.download.hwm_after_mib, r.upload.hwm_after_mib); }, "%.1f",
      "≤ 64 MiB" + met(rss <= kRssTargetMib));
  row(
      "tgd-testdc peak RSS during the transfers (MiB)",
      [](const Run& r) { return std::max(r.download.testdc_rss_peak_mib, r.upload.testdc_rss_peak_mib); },
      "%.1f");
  row(
      "help.getNearestDc idle: p50 (ms)", [](const Run& r) { return r.idle_ms.p50; }, "%.2f");
  row(
      "help.getNearestDc idle: p99 (ms)", [](const Run& r) { return r.idle_ms.p99; }, "%.2f");
  row(
      "download: help.getNearestDc p50 (ms)", [](const Run& r) { return r.download.probe_ms.p50; }, "%.2f");
  row(
      "**download: help.getNearestDc p99** (ms)", [](const Run& r) { return r.download.probe_ms.p99; },
      "%.2f", "< 20 ms" + met(down_p99 < kProbeP99TargetMs));
  row(
      "download: probes per run", [](const Run& r) { return static_cast<double>(r.download.probes); },
      "%.0f");
  row(
      "upload: help.getNearestDc p50 (ms)", [](const Run& r) { return r.upload.probe_ms.p50; }, "%.2f");
  row(
      "**upload: help.getNearestDc p99** (ms)", [](const Run& r) { return r.upload.probe_ms.p99; }, "%.2f",
      "< 20 ms" + met(up_p99 < kProbeP99TargetMs));
  row(
      "upload: probes per run", [](const Run& r) { return static_cast<double>(r.upload.probes); }, "%.0f");
  row(
      "download: tgd CPU per MB (ms)", [](const Run& r) { return r.download.tgd_ms_per_mb; }, "%.2f");
  row(
      "download: tgd busy, all threads (cores)", [](const Run& r) { return r.download.tgd_core; }, "%.2f");
  row(
      "download: tgd event loop thread busy (cores)", [](const Run& r) { return r.download.tgd_loop_core; },
      "%.2f");
  row(
      "download: tgd-testdc CPU per MB (ms)", [](const Run& r) { return r.download.testdc_ms_per_mb; },
      "%.2f");
  row(
      "download: tgd-testdc busy (cores)", [](const Run& r) { return r.download.testdc_core; }, "%.2f");
  row(
      "upload: tgd CPU per MB (ms)", [](const Run& r) { return r.upload.tgd_ms_per_mb; }, "%.2f");
  row(
      "upload: tgd busy, all threads (cores)", [](const Run& r) { return r.upload.tgd_core; }, "%.2f");
  row(
      "upload: tgd event loop thread busy (cores)", [](const Run& r) { return r.upload.tgd_loop_core; },
      "%.2f");
  row(
      "upload: tgd-testdc CPU per MB (ms)", [](const Run& r) { return r.upload.testdc_ms_per_mb; }, "%.2f");
  row(
      "upload: tgd-testdc busy (cores)", [](const Run& r) { return r.upload.testdc_core; }, "%.2f");
  if (!ok) std::printf("\na run failed (see above): the figures are of the runs before it\n");
  return ok ? 0 : 1;
}
