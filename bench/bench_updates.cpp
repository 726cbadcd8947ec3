// Update stream benchmark (issue #6): updates from the test DC through tgd to WebSocket subscribers,
// with processes as in reality — `tgd demo` (running tgd-testdc beside itself, given a control
// socket by a wrapper script) and this program as the load generator. For each run and each
// subscriber count (1, 10, 100; a fresh `tgd demo` each, so that the test DC's message store and
// tgd's journal start empty):
//
//   flood   the test DC's control socket floods the demo user (9996620000) from another account
//           with private messages, `--batch` per push (10: `updates` of 10 updateNewMessage), as fast
//           as the connections take them (floods of --chunk messages, two queued at a time so that
//           the stream never pauses). tgd's session "demo" feeds them through its update engine,
//           journals them (SQLite, the writer thread) and, once committed, notifies every
//           subscriber. Measured after a warm-up:
//             ingest          updates journaled per second (the seq the subscribers see, which tgd
//                             assigns when it journals; the fastest subscriber's);
//             per subscriber  update notifications received per second (min and median);
//             latency         p50/p99 from the making of an update's push in the test DC (the
//                             flood's "stamp": CLOCK_MONOTONIC ns in the text) to the read() here
//                             that returned its notification — queueing, at this load;
//             CPU             of tgd, tgd-testdc and this program per update ingested, and how busy
//                             each is (share of one core) — which one limits the throughput.
//   paced   the same flood at half the flood phase's median per-subscriber rate (--rate to fix
//           it): p50/p99 delivery latency.
//
// Subscribers are WebSocket connections (?token=) that each call subscribe {"sessions":["demo"]}.
// The load generator stays cheap: reads of up to 256 KiB, frames counted without parsing JSON, the
// seq found by a substring (checked consecutive per subscriber: gaps are reported), and the stamp
// read only from every Nth notification.
//
//   bench_updates [--runs 3] [--subscribers 1,10,100] [--batch 10] [--warmup 3] [--seconds 6]
//                 [--paced-seconds 6] [--rate N] [--chunk 5000]
//                 [--window 20000] [--tgd PATH] [--testdc PATH]
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench/support/processes.hpp"
#include "bench/support/ws_frames.hpp"
#include "protocol/net/asio.hpp"

using namespace tgd;
using namespace tgd::bench;
namespace fs = std::filesystem;
namespace asio = boost::asio;

namespace {

constexpr std::string_view kSender = "9996610001";    // an account of the test DC's (created by the flood)
constexpr std::string_view kDemoUser = "9996620000";  // `tgd demo`'s user session "demo"

struct Args {
  int runs = 3;
  std::vector<int> subscribers{1, 10, 100};
  int batch = 10;
  double warmup = 3, seconds = 6, paced_seconds = 6;
  double rate = 0;              // paced messages/s; 0: half the flood phase's median per-subscriber rate
  std::uint64_t chunk = 5000;   // messages per flood command
  std::int64_t window = 20000;  // messages made but not yet delivered, at most
  std::string tgd = TGD_PATH;
  std::string testdc = TGD_TESTDC_PATH;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* v = argv[i + 1];
    if (key == "--runs") {
      a.runs = std::max(1, std::atoi(v));
    } else if (key == "--subscribers") {
      a.subscribers.clear();
      std::stringstream list(v);
      std::string item;
      while (std::getline(list, item, ','))
        if (std::atoi(item.c_str()) > 0) a.subscribers.push_back(std::atoi(item.c_str()));
    } else if (key == "--batch") {
      a.batch = std::clamp(std::atoi(v), 1, 1000);
    } else if (key == "--warmup") {
      a.warmup = std::atof(v);
    } else if (key == "--seconds") {
      a.seconds = std::atof(v);
    } else if (key == "--paced-seconds") {
      a.paced_seconds = std::atof(v);
    } else if (key == "--rate") {
      a.rate = std::atof(v);
    } else if (key == "--chunk") {
      a.chunk = static_cast<std::uint64_t>(std::max(1000, std::atoi(v)));
    } else if (key == "--window") {
      a.window = std::max(1000, std::atoi(v));
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

// The unsigned number at `text[at...]` (0 if none); `at` moves past it.
std::int64_t parse_number(std::string_view text, std::size_t& at) {
  std::int64_t n = 0;
  for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) n = n * 10 + (text[at] - '0');
  return n;
}

// A field of a flat JSON answer (the control socket's stats), by substring: 0 if absent.
std::int64_t json_number(std::string_view json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":";
  std::size_t at = json.find(needle);
  if (at == std::string_view::npos) return 0;
  at += needle.size();
  return parse_number(json, at);
}

enum class Stage { kWarmup, kMeasure, kDrain };

// What a phase's subscribers share.
struct PhaseState {
  Stage stage = Stage::kWarmup;
  int sample_every = 1;  // read the stamp of every Nth notification per subscriber
  std::vector<float> latencies_us;
};

// One WebSocket subscriber: counts update notifications, checks their seqs, samples latency.
class Subscriber {
 public:
  Subscriber(net::tcp::socket socket, PhaseState*& phase) : socket_(std::move(socket)), phase_(phase) {
    read_.resize(256 << 10);
  }

  void subscribe() {
    std::string frame;
    append_client_frame(frame,
                        R"({"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"sessions":["demo"]}})");
    asio::write(socket_, asio::buffer(frame));
    read();
  }

  void close() {
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  bool subscribed() const { return subscribed_; }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  std::uint64_t updates() const { return updates_; }
  std::int64_t last_seq() const { return last_seq_; }
  std::uint64_t gaps() const { return gaps_; }
  std::uint64_t lagged() const { return lagged_; }
  std::uint64_t bytes() const { return bytes_; }
  std::int64_t last_frame_ns() const { return last_frame_ns_; }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(read_.data() + filled_, read_.size() - filled_),
                            [this](const boost::system::error_code& ec, std::size_t n) {
                              if (closed_) return;
                              if (ec) return fail("read: " + ec.message());
                              filled_ += n;
                              consume(monotonic_ns());
                              if (!closed_) read();
                            });
  }

  void fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    close();
  }

  void consume(std::int64_t now) {
    std::size_t pos = 0;
    while (pos < filled_) {
      std::string_view payload;
      std::size_t used = 0;
      const FrameParse parsed = parse_server_frame(read_.data() + pos, filled_ - pos, payload, used);
      if (parsed == FrameParse::kBad) return fail("unexpected WebSocket frame");
      if (parsed == FrameParse::kNeedMore) {
        if (used > read_.size()) read_.resize(used);
        break;
      }
      pos += used;
      bytes_ += used;
      on_message(payload, now);
      if (closed_) return;
    }
    last_frame_ns_ = now;
    std::memmove(read_.data(), read_.data() + pos, filled_ - pos);
    filled_ -= pos;
  }

  // {"jsonrpc":"2.0","method":"update","params":{"subscription":1,"session":"demo","seq":42,"update":{…}}}
  void on_message(std::string_view message, std::int64_t now) {
    static constexpr std::string_view kUpdate = R"({"jsonrpc":"2.0","method":"update",)";
    if (!message.starts_with(kUpdate) && message.find(R"("method":"update")") == std::string_view::npos)
      return on_other(message);
    ++updates_;
    std::size_t at = message.find(R"("seq":)");  // params' seq comes before the update
    if (at == std::string_view::npos)
      return fail("an update without seq: " + std::string(message.substr(0, 300)));
    at += 6;
    const std::int64_t seq = parse_number(message, at);
    if (last_seq_ != 0 && seq != last_seq_ + 1) ++gaps_;
    last_seq_ = seq;
    if (phase_ == nullptr) return;
    PhaseState& phase = *phase_;
    if (phase.stage != Stage::kMeasure || ++sampled_ % static_cast<std::uint64_t>(phase.sample_every) != 0)
      return;
    // The flood's text "bench <i> @<ns>" in the message object (not the update's own fields).
    static constexpr std::string_view kText = R"("message":"bench )";
    at = message.find(kText, at);
    if (at == std::string_view::npos) return;
    at += kText.size();
    parse_number(message, at);
    if (message.substr(at, 2) != " @") return;
    at += 2;
    const std::int64_t stamp = parse_number(message, at);
    phase.latencies_us.push_back(static_cast<float>(static_cast<double>(now - stamp) / 1e3));
  }

  // The subscribe answer, or a notice that ends the subscription (lagged).
  void on_other(std::string_view message) {
    if (message.find(R"("id":1,"result":)") != std::string_view::npos ||
        message.find(R"("id":2,"result":)") != std::string_view::npos) {
      subscribed_ = true;
    } else if (message.find(R"("method":"lagged")") != std::string_view::npos) {
      // As a client should: subscribe again from where it was (tgd replays the journal after it).
      ++lagged_;
      std::string frame;
      append_client_frame(frame,
                          R"({"jsonrpc":"2.0","id":2,"method":"subscribe","params":{"sessions":["demo"],)"
                          R"("since":{"demo":)" +
                              std::to_string(last_seq_) + "}}}");
      asio::write(socket_, asio::buffer(frame));
    } else if (message.find(R"("error")") != std::string_view::npos) {
      fail(std::string(message.substr(0, 300)));
    }
  }

  net::tcp::socket socket_;
  PhaseState*& phase_;
  std::vector<char> read_;
  std::size_t filled_ = 0;
  bool closed_ = false, subscribed_ = false;
  std::string error_;
  std::uint64_t updates_ = 0, gaps_ = 0, sampled_ = 0, lagged_ = 0, bytes_ = 0;
  std::int64_t last_seq_ = 0, last_frame_ns_ = 0;
};

// Floods through the test DC's control socket, keeping at most `window` messages made but not yet
// delivered (tgd takes pushes as fast as they come and queues what its journal has not committed:
// without a bound, a flood faster than the journal only grows that queue and the latency). The
// socket runs one command at a time and answers a flood when it is done: floods of `chunk`, at most
// two queued, so that the stream never pauses.
class Flooder {
 public:
  Flooder(asio::io_context& io, const std::string& control_path, std::function<std::int64_t()> delivered)
      : socket_(io), timer_(io), delivered_(std::move(delivered)) {
    socket_.connect(asio::local::stream_protocol::endpoint(control_path));
  }

  void start(double rate, std::uint64_t chunk, int batch, std::int64_t window) {
    running_ = true;
    chunk_ = static_cast<std::int64_t>(chunk);
    window_ = std::max(window, 2 * chunk_);
    base_ = delivered_();
    char line[300];
    std::snprintf(line, sizeof line,
                  R"({"op":"flood","from":"%s","to":"%s","count":%llu,"rate":%.1f,"batch":%d,"text":"bench",)"
                  R"("stamp":true})"
                  "\n",
                  std::string(kSender).c_str(), std::string(kDemoUser).c_str(),
                  static_cast<unsigned long long>(chunk), rate, batch);
    command_ = line;
    pump();
  }
  void stop() {
    running_ = false;
    timer_.cancel();
  }
  int outstanding() const { return outstanding_; }
  const std::string& error() const { return error_; }

 private:
  // Queues floods while the window allows; looks again in 1 ms.
  void pump() {
    if (!running_ || !error_.empty()) return;
    while (outstanding_ < 2 && requested_ + chunk_ - (delivered_() - base_) <= window_) send();
    timer_.expires_after(std::chrono::milliseconds(1));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) pump();
    });
  }

  void send() {
    if (outstanding_++ == 0) read();
    requested_ += chunk_;
    asio::async_write(socket_, asio::buffer(command_),
                      [this](const boost::system::error_code& ec, std::size_t) {
                        if (ec && error_.empty()) error_ = "control write: " + ec.message();
                      });
  }

  void read() {
    asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), '\n',
                           [this](const boost::system::error_code& ec, std::size_t n) {
                             if (ec) {
                               if (error_.empty()) error_ = "control read: " + ec.message();
                               outstanding_ = 0;
                               return;
                             }
                             const std::string answer = buffer_.substr(0, n - 1);
                             buffer_.erase(0, n);
                             if (answer.find(R"("ok":true)") == std::string::npos && error_.empty())
                               error_ = "flood: " + answer;
                             if (--outstanding_ > 0) read();
                           });
  }

  asio::local::stream_protocol::socket socket_;
  asio::steady_timer timer_;
  std::function<std::int64_t()> delivered_;
  std::string command_, buffer_;
  bool running_ = false;
  int outstanding_ = 0;
  std::int64_t chunk_ = 0, window_ = 0, base_ = 0, requested_ = 0;
  std::string error_;
};

struct Processes {
  pid_t tgd = -1, testdc = -1;
};

struct PhaseResult {
  double rate = 0;                     // the flood's rate (0: as fast as possible)
  double made_per_s = 0;               // updates the test DC made
  double ingest_per_s = 0;             // updates journaled (seq progress)
  double sub_min = 0, sub_median = 0;  // notifications received per subscriber per second
  Percentiles latency_ms;
  double tgd_us = 0, testdc_us = 0, bench_us = 0;        // CPU per update ingested
  double tgd_core = 0, testdc_core = 0, bench_core = 0;  // CPU seconds per second
  double frame_bytes = 0;                                // per update notification
  double tgd_main_core = 0;            // tgd's event loop thread (the rest: the store's writer thread)
  std::uint64_t gaps = 0, lagged = 0;  // lagged: subscriptions tgd ended (and the subscriber renewed)
  int failed = 0;
  bool drained = true;
};

struct Snapshot {
  std::int64_t t_ns = 0;
  double tgd = 0, tgd_main = 0, testdc = 0, self = 0;
  std::int64_t made = 0, max_seq = 0;
  std::vector<std::uint64_t> updates;
  std::uint64_t bytes = 0;  // frames received, all subscribers
};

// One phase against the running subscribers: flood (rate 0) or paced, warm-up, measured window,
// then drained (no flood left, every live subscriber at the same seq, quiet for 300 ms).
PhaseResult run_phase(asio::io_context& io, const Processes& procs, const std::string& control,
                      std::vector<std::unique_ptr<Subscriber>>& subs, PhaseState*& current, double rate,
                      std::uint64_t chunk, std::int64_t window, int batch, int sample_every, double warmup,
                      double seconds) {
  PhaseState state;
  state.sample_every = sample_every;
  std::uint64_t gaps0 = 0, lagged0 = 0;
  for (const auto& sub : subs) {
    gaps0 += sub->gaps();
    lagged0 += sub->lagged();
  }
  current = &state;
  // Delivered: the furthest seq a live subscriber has (one update per message).
  Flooder flooder(io, control, [&subs] {
    std::int64_t seq = 0;
    for (const auto& sub : subs) seq = std::max(seq, sub->last_seq());
    return seq;
  });
  auto snapshot = [&] {
    Snapshot s;
    s.t_ns = monotonic_ns();
    s.tgd = cpu_seconds(procs.tgd);
    s.tgd_main = thread_cpu_seconds(procs.tgd, procs.tgd);
    s.testdc = cpu_seconds(procs.testdc);
    s.self = self_cpu_seconds();
    // A second control connection: the first one is busy with floods.
    s.made = json_number(call_once(control, R"({"op":"stats"})"), "updates");
    for (const auto& sub : subs) {
      s.updates.push_back(sub->updates());
      s.bytes += sub->bytes();
      s.max_seq = std::max(s.max_seq, sub->last_seq());
    }
    return s;
  };
  Snapshot a, b;
  asio::steady_timer timer(io);
  bool drained = false;
  const std::int64_t drain_deadline_s = 60;
  std::int64_t drain_start = 0;
  std::function<void()> poll_drain = [&] {
    const std::int64_t now = monotonic_ns();
    std::int64_t lo = INT64_MAX, hi = 0, last = 0;
    for (const auto& sub : subs) {
      if (sub->failed()) continue;
      lo = std::min(lo, sub->last_seq());
      hi = std::max(hi, sub->last_seq());
      last = std::max(last, sub->last_frame_ns());
    }
    const bool quiet = now - last > 300'000'000;
    if ((flooder.outstanding() == 0 && (lo == hi || lo == INT64_MAX) && quiet) ||
        now - drain_start > drain_deadline_s * 1'000'000'000) {
      drained = flooder.outstanding() == 0 && (lo == hi || lo == INT64_MAX);
      io.stop();
      return;
    }
    timer.expires_after(std::chrono::milliseconds(100));
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) poll_drain();
    });
  };

  flooder.start(rate, chunk, batch, window);
  timer.expires_after(secs(warmup));
  timer.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    a = snapshot();
    state.stage = Stage::kMeasure;
    timer.expires_after(secs(seconds));
    timer.async_wait([&](const boost::system::error_code& ec2) {
      if (ec2) return;
      state.stage = Stage::kDrain;
      b = snapshot();
      flooder.stop();
      drain_start = monotonic_ns();
      poll_drain();
    });
  });
  io.restart();
  io.run();
  current = nullptr;

  PhaseResult r;
  r.rate = rate;
  r.drained = drained;
  const double wall = static_cast<double>(b.t_ns - a.t_ns) / 1e9;
  if (wall <= 0) return r;
  const double ingested = static_cast<double>(b.max_seq - a.max_seq);
  r.made_per_s = static_cast<double>(b.made - a.made) / wall;
  r.ingest_per_s = ingested / wall;
  std::vector<double> per_sub;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    per_sub.push_back(static_cast<double>(b.updates[i] - a.updates[i]) / wall);
    r.gaps += subs[i]->gaps();
    r.lagged += subs[i]->lagged();
    if (subs[i]->failed()) ++r.failed;
  }
  double frames = 0;
  for (std::size_t i = 0; i < subs.size(); ++i) frames += static_cast<double>(b.updates[i] - a.updates[i]);
  if (frames > 0) r.frame_bytes = static_cast<double>(b.bytes - a.bytes) / frames;
  r.gaps -= gaps0;
  r.lagged -= lagged0;
  std::sort(per_sub.begin(), per_sub.end());
  r.sub_min = per_sub.empty() ? 0 : per_sub.front();
  r.sub_median = median(per_sub);
  std::vector<float> ms;
  ms.reserve(state.latencies_us.size());
  for (float us : state.latencies_us) ms.push_back(us / 1000.0f);
  r.latency_ms = percentiles(ms);
  r.tgd_core = (b.tgd - a.tgd) / wall;
  r.tgd_main_core = (b.tgd_main - a.tgd_main) / wall;
  r.testdc_core = (b.testdc - a.testdc) / wall;
  r.bench_core = (b.self - a.self) / wall;
  if (ingested > 0) {
    r.tgd_us = (b.tgd - a.tgd) / ingested * 1e6;
    r.testdc_us = (b.testdc - a.testdc) / ingested * 1e6;
    r.bench_us = (b.self - a.self) / ingested * 1e6;
  }
  if (!flooder.error().empty()) std::fprintf(stderr, "  %s\n", flooder.error().c_str());
  for (const auto& sub : subs)
    if (sub->failed()) {
      std::fprintf(stderr, "  a subscriber failed: %s\n", sub->error().c_str());
      break;
    }
  return r;
}

void show(const char* what, int n, const PhaseResult& r) {
  std::printf(
      "  %3d subs %-6s made %7.0f/s  ingest %7.0f/s  per sub min %7.0f median %7.0f/s  latency p50 %7.2f "
      "p99 %7.2f ms  CPU/update tgd %.2f us (%.0f%%, loop %.0f%%) testdc %.2f us (%.0f%%) bench %.2f us "
      "(%.0f%%)  %.0f B/notification  gaps %llu lagged %llu failed %d%s\n",
      n, what, r.made_per_s, r.ingest_per_s, r.sub_min, r.sub_median, r.latency_ms.p50, r.latency_ms.p99,
      r.tgd_us, r.tgd_core * 100, r.tgd_main_core * 100, r.testdc_us, r.testdc_core * 100, r.bench_us,
      r.bench_core * 100, r.frame_bytes, static_cast<unsigned long long>(r.gaps),
      static_cast<unsigned long long>(r.lagged), r.failed, r.drained ? "" : "  NOT DRAINED");
  std::fflush(stdout);
}

struct Round {
  int subscribers = 0;
  PhaseResult flood, paced;
};

// One `tgd demo`, `n` subscribers, the flood phase then the paced phase. false: tgd did not start
// or the subscribers could not subscribe.
bool run_round(const Args& args, const fs::path& dir, int n, Round& out) {
  std::error_code ec;
  fs::remove_all(dir / "state", ec);
  fs::remove(dir / "control.sock", ec);
  TgdProcess tgd;
  if (!tgd.start_demo(args.tgd, dir)) return false;
  // {"socket":…,"ws":"ws://127.0.0.1:PORT/","http":…,"token":"…","sessions":[…]}: by substring.
  const std::string& ready = tgd.ready_line;
  auto field = [&](std::string_view key) {
    const std::string needle = "\"" + std::string(key) + "\":\"";
    const auto at = ready.find(needle);
    if (at == std::string::npos) return std::string();
    const auto start = at + needle.size();
    return ready.substr(start, ready.find('"', start) - start);
  };
  const std::string token = field("token"), ws = field("ws");
  const auto port = static_cast<std::uint16_t>(std::atoi(ws.c_str() + ws.rfind(':') + 1));
  Processes procs{tgd.pid, -1};
  for (pid_t child : children_of(tgd.pid)) procs.testdc = child;  // the wrapper exec'd tgd-testdc
  const std::string control = (dir / "control.sock").string();
  if (procs.testdc <= 0 || !fs::exists(control)) {
    std::fprintf(stderr, "no tgd-testdc with a control socket under tgd (pid %d)\n", tgd.pid);
    return false;
  }

  asio::io_context io;
  PhaseState* current = nullptr;
  std::vector<std::unique_ptr<Subscriber>> subs;
  for (int i = 0; i < n; ++i) {
    subs.push_back(std::make_unique<Subscriber>(ws_connect(io, port, token), current));
    subs.back()->subscribe();
  }
  {
    // Every subscribe answered (or 20 s).
    asio::steady_timer timer(io);
    const auto deadline = monotonic_ns() + 20'000'000'000;
    std::function<void()> wait = [&] {
      const bool all = std::all_of(subs.begin(), subs.end(), [](const auto& s) { return s->subscribed(); });
      if (all || monotonic_ns() > deadline) return io.stop();
      timer.expires_after(std::chrono::milliseconds(10));
      timer.async_wait([&](const boost::system::error_code& e) {
        if (!e) wait();
      });
    };
    wait();
    io.run();
    for (const auto& s : subs)
      if (!s->subscribed()) {
        std::fprintf(stderr, "a subscriber did not get its subscribe answer%s%s\n", s->failed() ? ": " : "",
                     s->error().c_str());
        return false;
      }
  }
  std::printf("  tgd pid %d, tgd-testdc pid %d, %d subscribers (load average %s)\n", procs.tgd, procs.testdc,
              n, loadavg().c_str());
  std::fflush(stdout);

  out.subscribers = n;
  out.flood = run_phase(io, procs, control, subs, current, 0, args.chunk, args.window, args.batch, n,
                        args.warmup, args.seconds);
  show("flood", n, out.flood);
  const double rate = args.rate > 0 ? args.rate : 0.5 * out.flood.sub_median;
  if (rate > 0) {
    const auto paced_chunk = static_cast<std::uint64_t>(std::max(1000.0, rate));  // about a second each
    out.paced = run_phase(io, procs, control, subs, current, rate, paced_chunk, args.window, args.batch,
                          std::max(1, n / 10), std::min(args.warmup, 2.0), args.paced_seconds);
    show("paced", n, out.paced);
  }
  for (auto& s : subs) s->close();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // timers on time, not 50 µs late

  const fs::path dir = make_demo_dir("tgd-updbench", args.testdc);
  if (dir.empty()) return 1;

  std::printf(
      "batch %d, floods of %llu, window %lld, warm-up %.0f s, measured %.0f s (paced %.0f s); load average "
      "%s\n\n",
      args.batch, static_cast<unsigned long long>(args.chunk), static_cast<long long>(args.window),
      args.warmup, args.seconds, args.paced_seconds, loadavg().c_str());
  std::fflush(stdout);
  std::vector<Round> rounds;
  bool ok = true;
  for (int run = 0; run < args.runs && ok; ++run) {
    std::printf("run %d\n", run + 1);
    for (int n : args.subscribers) {
      Round r;
      if (!run_round(args, dir, n, r)) {
        ok = false;
        break;
      }
      rounds.push_back(r);
    }
  }
  const std::string load_end = loadavg();
  std::error_code ec;
  if (ok) fs::remove_all(dir, ec);

  std::printf("\nload average at the end %s; medians of %d runs (range)\n\n", load_end.c_str(), args.runs);
  std::printf("| subscribers | measurement | median | range |\n|---|---|---|---|\n");
  bool clean = ok;
  for (int n : args.subscribers) {
    std::vector<const Round*> mine;
    for (const auto& r : rounds)
      if (r.subscribers == n) mine.push_back(&r);
    auto row = [&](const char* what, auto field, const char* format) {
      std::vector<double> v;
      for (const Round* r : mine) v.push_back(field(*r));
      if (v.empty()) return;
      char m[64];
      std::snprintf(m, sizeof m, format, median(v));
      std::printf("| %d | %s | %s | %s |\n", n, what, m, range(v, format).c_str());
    };
    row(
        "flood: updates ingested/s", [](const Round& r) { return r.flood.ingest_per_s; }, "%.0f");
    row(
        "flood: updates made by the test DC/s", [](const Round& r) { return r.flood.made_per_s; }, "%.0f");
    row(
        "flood: received/s, slowest subscriber", [](const Round& r) { return r.flood.sub_min; }, "%.0f");
    row(
        "flood: received/s, median subscriber", [](const Round& r) { return r.flood.sub_median; }, "%.0f");
    row(
        "flood: latency p50 (ms)", [](const Round& r) { return r.flood.latency_ms.p50; }, "%.1f");
    row(
        "flood: latency p99 (ms)", [](const Round& r) { return r.flood.latency_ms.p99; }, "%.1f");
    row(
        "flood: tgd CPU per update (us)", [](const Round& r) { return r.flood.tgd_us; }, "%.2f");
    row(
        "flood: tgd-testdc CPU per update (us)", [](const Round& r) { return r.flood.testdc_us; }, "%.2f");
    row(
        "flood: load generator CPU per update (us)", [](const Round& r) { return r.flood.bench_us; }, "%.2f");
    row(
        "flood: tgd busy (share of a core)", [](const Round& r) { return r.flood.tgd_core; }, "%.2f");
    row(
        "flood: tgd event loop thread busy", [](const Round& r) { return r.flood.tgd_main_core; }, "%.2f");
    row(
        "flood: notification size (bytes)", [](const Round& r) { return r.flood.frame_bytes; }, "%.0f");
    row(
        "flood: tgd-testdc busy", [](const Round& r) { return r.flood.testdc_core; }, "%.2f");
    row(
        "flood: load generator busy", [](const Round& r) { return r.flood.bench_core; }, "%.2f");
    row(
        "paced: rate (updates/s)", [](const Round& r) { return r.paced.rate; }, "%.0f");
    row(
        "paced: received/s, slowest subscriber", [](const Round& r) { return r.paced.sub_min; }, "%.0f");
    row(
        "paced: latency p50 (ms)", [](const Round& r) { return r.paced.latency_ms.p50; }, "%.2f");
    row(
        "paced: latency p99 (ms)", [](const Round& r) { return r.paced.latency_ms.p99; }, "%.2f");
    row(
        "paced: tgd busy (share of a core)", [](const Round& r) { return r.paced.tgd_core; }, "%.2f");
    for (const Round* r : mine)
      if (r->flood.gaps || r->paced.gaps || r->flood.failed || r->paced.failed || !r->flood.drained ||
          !r->paced.drained)
        clean = false;
  }
  if (!clean) std::printf("\nsome phases had gaps, failed subscribers or did not drain (see above)\n");
  return clean ? 0 : 1;
}
