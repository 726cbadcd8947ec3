// JSON-RPC front-end benchmark (issue #5): processes as in reality — `tgd demo` (the daemon with
// its two ready sessions, running tgd-testdc beside itself) and this program as the load generator.
// Each round measures:
//
//   unix    50 clients × 200 requests in flight over the UNIX socket (NDJSON, pipelined lines
//           matched by id), closed loop: calls/s, p50/p99 latency (send → answer, per call), and the
//           CPU time of tgd, tgd-testdc and this load generator per call;
//   ws      the same over WebSocket (?token=; the upgrade by Beast, then frames written in batches
//           and parsed here, so that the load generator stays cheap on a shared 2-core machine);
//   paced   open-loop load at 10% of the round's UNIX throughput (--rate to fix it), spread over
//           the same 50 UNIX clients: p50/p99 latency through tgd;
//   direct  the same call at the same paced rate straight to the same tgd-testdc over MTProto
//           (net::MtprotoClient, one connection, as tgd's session has): p50/p99. The difference of
//           the two is the latency tgd adds.
//
// The call is help.getNearestDc with {"session":"demo"}: it goes through the session to the test
// DC and back, and every DC answers it. tgd-testdc is started by tgd (--testdc points it at a
// wrapper script that passes --key, so that this program knows the server's RSA key for the
// direct client); the DC the demo session uses comes from help.getNearestDc and help.getConfig.
//
//   bench_rpc [--runs 3] [--warmup 4] [--seconds 8] [--clients 50] [--inflight 200] [--rate N]
//             [--paced-seconds 8] [--only unix|ws|paced] [--tgd PATH] [--testdc PATH]
#include <signal.h>
#include <simdjson.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/support/processes.hpp"
#include "bench/support/ws_frames.hpp"
#include "protocol/crypto/rsa.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/net/mtproto_client.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_to_tl.hpp"

using namespace tgd;
using namespace tgd::bench;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace asio = boost::asio;

namespace {

struct Args {
  int runs = 3;
  double warmup = 4, seconds = 8, paced_seconds = 8;
  int clients = 50, inflight = 200;
  double rate = 0;  // 0: 10% of the round's UNIX throughput
  std::string only;
  std::string tgd = TGD_PATH;
  std::string testdc = TGD_TESTDC_PATH;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* v = argv[i + 1];
    if (key == "--runs")
      a.runs = std::max(1, std::atoi(v));
    else if (key == "--warmup")
      a.warmup = std::atof(v);
    else if (key == "--seconds")
      a.seconds = std::atof(v);
    else if (key == "--paced-seconds")
      a.paced_seconds = std::atof(v);
    else if (key == "--clients")
      a.clients = std::max(1, std::atoi(v));
    else if (key == "--inflight")
      a.inflight = std::max(1, std::atoi(v));
    else if (key == "--rate")
      a.rate = std::atof(v);
    else if (key == "--only")
      a.only = v;
    else if (key == "--tgd")
      a.tgd = v;
    else if (key == "--testdc")
      a.testdc = v;
  }
  return a;
}

struct Processes {
  pid_t tgd = -1, testdc = -1;
};

struct PhaseResult {
  double calls_per_s = 0;
  Percentiles latency;
  double tgd_us = 0, testdc_us = 0, bench_us = 0;  // CPU per call
  long errors = 0;
};

// The clock and the CPU time of the three processes at one moment: a phase is measured between two.
struct Mark {
  Clock::time_point at;
  double tgd = 0, testdc = 0, self = 0;
  static Mark take(const Processes& procs) {
    return Mark{Clock::now(), cpu_seconds(procs.tgd), cpu_seconds(procs.testdc), self_cpu_seconds()};
  }
};

// A phase's figures from its marks and what the load saw.
PhaseResult phase_result(const Mark& begin, const Mark& end, long answered,
                         std::vector<float>& latencies_us) {
  PhaseResult r;
  const double wall = std::chrono::duration<double>(end.at - begin.at).count();
  const double calls = static_cast<double>(answered);
  r.calls_per_s = wall > 0 ? calls / wall : 0;
  r.latency = percentiles(latencies_us);
  if (calls > 0) {
    r.tgd_us = (end.tgd - begin.tgd) / calls * 1e6;
    r.testdc_us = (end.testdc - begin.testdc) / calls * 1e6;
    r.bench_us = (end.self - begin.self) / calls * 1e6;
  }
  return r;
}

// ---- The load generator: N client connections, NDJSON or WebSocket frames, matched by id. ----

constexpr std::size_t kRing = 4096;

enum class Mode { kClosed, kPaced };
enum class Stage { kWarmup, kMeasure, kDrain, kDone };

struct LoadState {
  Mode mode = Mode::kClosed;
  Stage stage = Stage::kWarmup;
  int inflight_target = 0;
  long in_flight = 0;
  long answered = 0, errors = 0;
  std::vector<float> latencies_us;
  std::string first_error;
  std::function<void()> on_drained;
};

template <typename Socket>
class Client {
 public:
  Client(Socket socket, bool ws, LoadState& load)
      : socket_(std::move(socket)), ws_(ws), load_(load), read_(1 << 16) {}

  // Queues a request (written by flush()).
  void send() {
    const std::uint64_t id = next_id_++;
    ring_[id % kRing] = {id, monotonic_ns()};
    char body[160];
    const int n = std::snprintf(
        body, sizeof body,
        R"({"jsonrpc":"2.0","id":%llu,"method":"help.getNearestDc","params":{"session":"demo"}})",
        static_cast<unsigned long long>(id));
    if (ws_) {
      append_client_frame(pending_, std::string_view(body, static_cast<std::size_t>(n)));
    } else {
      pending_.append(body, static_cast<std::size_t>(n));
      pending_ += '\n';
    }
    ++mine_;
    ++load_.in_flight;
  }

  void flush() {
    if (writing_ || pending_.empty() || closed_) return;
    writing_ = true;
    std::swap(pending_, out_);
    pending_.clear();
    asio::async_write(socket_, asio::buffer(out_), [this](const boost::system::error_code& ec, std::size_t) {
      writing_ = false;
      if (ec) return fail("write: " + ec.message());
      flush();
    });
  }

  void start_reading() {
    socket_.async_read_some(asio::buffer(read_.data() + filled_, read_.size() - filled_),
                            [this](const boost::system::error_code& ec, std::size_t n) {
                              if (ec) return fail("read: " + ec.message());
                              filled_ += n;
                              consume();
                              if (!closed_) start_reading();
                            });
  }

  void close() {
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  long in_flight() const { return mine_; }

 private:
  struct Slot {
    std::uint64_t id = 0;
    std::int64_t sent_ns = 0;
  };

  void fail(const std::string& why) {
    if (closed_) return;
    if (load_.stage != Stage::kDone) {
      ++load_.errors;
      if (load_.first_error.empty()) load_.first_error = why;
    }
    load_.in_flight -= mine_;
    mine_ = 0;
    close();
    if (load_.stage == Stage::kDrain && load_.in_flight == 0 && load_.on_drained) load_.on_drained();
  }

  // Answers complete in [0, filled_): handle them, keep the rest.
  void consume() {
    std::size_t pos = 0;
    int answered = 0;
    while (true) {
      std::string_view message;
      if (ws_) {
        std::size_t used = 0;
        const FrameParse parsed = parse_server_frame(read_.data() + pos, filled_ - pos, message, used);
        if (parsed == FrameParse::kBad) return fail("unexpected WebSocket frame");
        if (parsed == FrameParse::kNeedMore) {
          if (used > read_.size()) read_.resize(used);
          break;
        }
        pos += used;
      } else {
        const void* nl = std::memchr(read_.data() + pos, '\n', filled_ - pos);
        if (!nl) {
          if (pos == 0 && filled_ == read_.size()) read_.resize(read_.size() * 2);
          break;
        }
        const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - read_.data());
        message = std::string_view(read_.data() + pos, end - pos);
        pos = end + 1;
      }
      on_answer(message);
      ++answered;
      if (closed_) return;
    }
    if (pos > 0) {
      std::memmove(read_.data(), read_.data() + pos, filled_ - pos);
      filled_ -= pos;
    }
    if (load_.mode == Mode::kClosed && (load_.stage == Stage::kWarmup || load_.stage == Stage::kMeasure)) {
      for (int i = 0; i < answered; ++i) send();
    }
    flush();
    if (load_.stage == Stage::kDrain && load_.in_flight == 0 && load_.on_drained) load_.on_drained();
  }

  // {"jsonrpc":"2.0","id":N,"result":{...}}
  void on_answer(std::string_view message) {
    const std::int64_t t = monotonic_ns();
    const auto at = message.find("\"id\":");
    std::uint64_t id = 0;
    std::size_t i = at == std::string_view::npos ? message.size() : at + 5;
    for (; i < message.size() && message[i] >= '0' && message[i] <= '9'; ++i)
      id = id * 10 + (message[i] - '0');
    --mine_;
    --load_.in_flight;
    const bool ok = message.substr(i).starts_with(",\"result\":");
    const Slot& slot = ring_[id % kRing];
    if (!ok || slot.id != id) {
      if (load_.stage == Stage::kMeasure) ++load_.errors;
      if (load_.first_error.empty()) load_.first_error = std::string(message.substr(0, 300));
      return;
    }
    if (load_.stage == Stage::kMeasure) {
      ++load_.answered;
      load_.latencies_us.push_back(static_cast<float>(static_cast<double>(t - slot.sent_ns) / 1e3));
    }
  }

  Socket socket_;
  const bool ws_;
  LoadState& load_;
  std::string pending_, out_;
  bool writing_ = false, closed_ = false;
  std::vector<char> read_;
  std::size_t filled_ = 0;
  std::uint64_t next_id_ = 1;
  long mine_ = 0;
  std::array<Slot, kRing> ring_{};
};

struct Endpoints {
  std::string socket;
  std::uint16_t ws_port = 0;
  std::string token;
};

// Runs one phase against tgd: closed loop (inflight per client) or paced (rate calls/s in total).
PhaseResult run_load(const Endpoints& at, const Processes& procs, bool ws, Mode mode, int clients,
                     int inflight, double rate, double warmup, double seconds) {
  asio::io_context io;
  LoadState load;
  load.mode = mode;
  load.inflight_target = inflight;
  load.latencies_us.reserve(mode == Mode::kClosed ? 4'000'000
                                                  : static_cast<std::size_t>(rate * seconds * 1.2));

  using Local = asio::local::stream_protocol::socket;
  using Tcp = net::tcp::socket;
  std::vector<std::unique_ptr<Client<Local>>> unix_clients;
  std::vector<std::unique_ptr<Client<Tcp>>> ws_clients;
  for (int c = 0; c < clients; ++c) {
    if (ws) {
      ws_clients.push_back(std::make_unique<Client<Tcp>>(ws_connect(io, at.ws_port, at.token), true, load));
    } else {
      Local socket(io);
      socket.connect(asio::local::stream_protocol::endpoint(at.socket));
      unix_clients.push_back(std::make_unique<Client<Local>>(std::move(socket), false, load));
    }
  }
  auto each = [&](auto&& f) {
    for (auto& c : unix_clients) f(*c);
    for (auto& c : ws_clients) f(*c);
  };
  each([](auto& c) { c.start_reading(); });

  Mark begin, end;
  asio::steady_timer phase(io), pacer(io);
  bool finished = false;
  auto finish = [&] {
    if (finished) return;
    finished = true;
    load.stage = Stage::kDone;
    phase.cancel();
    pacer.cancel();
    each([](auto& c) { c.close(); });
  };
  load.on_drained = finish;

  // Closed loop: every client keeps `inflight` requests in flight.
  if (mode == Mode::kClosed) {
    each([&](auto& c) {
      for (int i = 0; i < inflight; ++i) c.send();
      c.flush();
    });
  } else {
    // Open loop: request k is due at start + k / rate, on client k % clients.
    const auto start = Clock::now();
    auto k = std::make_shared<long>(0);
    auto tick = std::make_shared<std::function<void()>>();
    const std::size_t n = unix_clients.size() + ws_clients.size();
    *tick = [&, start, k, tick, n] {
      if (load.stage != Stage::kWarmup && load.stage != Stage::kMeasure) return;
      const auto now = Clock::now();
      auto due = [&](long i) {
        return start +
               std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(i) / rate * 1e9));
      };
      while (due(*k) <= now) {
        const std::size_t c = static_cast<std::size_t>(*k % static_cast<long>(n));
        if (c < unix_clients.size()) {
          unix_clients[c]->send();
          unix_clients[c]->flush();
        } else {
          ws_clients[c - unix_clients.size()]->send();
          ws_clients[c - unix_clients.size()]->flush();
        }
        ++*k;
      }
      pacer.expires_at(due(*k));
      pacer.async_wait([tick](const boost::system::error_code& ec) {
        if (!ec) (*tick)();
      });
    };
    (*tick)();
  }

  phase.expires_after(secs(warmup));
  phase.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    load.stage = Stage::kMeasure;
    begin = Mark::take(procs);
    phase.expires_after(secs(seconds));
    phase.async_wait([&](const boost::system::error_code& ec2) {
      if (ec2) return;
      end = Mark::take(procs);
      load.stage = Stage::kDrain;
      pacer.cancel();
      if (load.in_flight == 0) return finish();
      phase.expires_after(std::chrono::seconds(20));  // answers that never come
      phase.async_wait([&](const boost::system::error_code& ec3) {
        if (ec3) return;
        if (load.first_error.empty()) load.first_error = std::to_string(load.in_flight) + " calls unanswered";
        load.errors += load.in_flight;
        finish();
      });
    });
  });
  io.run();

  PhaseResult r = phase_result(begin, end, load.answered, load.latencies_us);
  r.errors = load.errors;
  if (!load.first_error.empty()) std::fprintf(stderr, "  first error: %s\n", load.first_error.c_str());
  return r;
}

// ---- The direct path: tgd's own MTProto client straight to the test DC, paced the same way. ----

struct DirectTarget {
  net::DcAddress dc;
  crypto::RsaPublicKey key;
};

Bytes encode(tl::JsonToTl& encoder, std::string_view json) {
  Bytes out;
  if (auto err = encoder.encode_object_text(json, out)) {
    std::fprintf(stderr, "cannot encode %s: %s\n", std::string(json).c_str(), err->to_string().c_str());
    std::exit(1);
  }
  return out;
}

PhaseResult run_direct(const DirectTarget& target, const Processes& procs, tl::JsonToTl& encoder, double rate,
                       double warmup, double seconds) {
  net::ClientOptions options;
  options.dc = target.dc;
  options.rsa_keys = {target.key};
  const Bytes init = encode(
      encoder, R"({"_":"invokeWithLayer","layer":223,"query":{"_":"initConnection","api_id":1,)"
               R"("device_model":"bench","system_version":"linux","app_version":"1","system_lang_code":"en",)"
               R"("lang_pack":"","lang_code":"en","query":{"_":"help.getNearestDc"}}})");
  const Bytes query = encode(encoder, R"({"_":"help.getNearestDc"})");

  asio::io_context io;
  net::MtprotoClient client(io.get_executor(), options);
  client.start();
  LoadState load;
  load.latencies_us.reserve(static_cast<std::size_t>(rate * seconds * 1.2));
  asio::steady_timer phase(io), pacer(io);
  Mark begin, end;

  auto one = [&]() -> net::awaitable<void> {
    const auto sent = Clock::now();
    ++load.in_flight;
    auto result = co_await client.call(query);
    const auto answered = Clock::now();
    --load.in_flight;
    if (load.stage == Stage::kMeasure) {
      if (std::holds_alternative<Bytes>(result)) {
        ++load.answered;
        load.latencies_us.push_back(
            static_cast<float>(std::chrono::duration<double, std::micro>(answered - sent).count()));
      } else {
        ++load.errors;
      }
    }
    if (load.stage == Stage::kDrain && load.in_flight == 0) client.stop();
  };

  net::asio::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        auto first = co_await client.call(init);  // connect, make the auth key, initConnection
        if (!std::holds_alternative<Bytes>(first)) {
          std::fprintf(stderr, "  direct: initConnection failed\n");
          client.stop();
          co_return;
        }
        const auto start = Clock::now();
        long k = 0;
        phase.expires_after(secs(warmup));
        phase.async_wait([&](const boost::system::error_code& ec) {
          if (ec) return;
          load.stage = Stage::kMeasure;
          begin = Mark::take(procs);
          phase.expires_after(secs(seconds));
          phase.async_wait([&](const boost::system::error_code& ec2) {
            if (ec2) return;
            end = Mark::take(procs);
            load.stage = Stage::kDrain;
            pacer.cancel();
            if (load.in_flight == 0) client.stop();
          });
        });
        while (load.stage == Stage::kWarmup || load.stage == Stage::kMeasure) {
          const auto now = Clock::now();
          auto due = [&](long i) {
            return start +
                   std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(i) / rate * 1e9));
          };
          while (due(k) <= now) {
            net::asio::co_spawn(io, one(), net::asio::detached);
            ++k;
          }
          pacer.expires_at(due(k));
          co_await pacer.async_wait(net::as_tuple_awaitable);
        }
      },
      net::asio::detached);
  io.run();

  PhaseResult r = phase_result(begin, end, load.answered, load.latencies_us);
  r.errors = load.errors;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // paced sends on time, not 50 µs late

  // A state directory, the test DC's key, and a wrapper that hands tgd's tgd-testdc that key.
  std::string pattern = (fs::temp_directory_path() / "tgd-rpcbench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return 1;
  const fs::path dir = pattern;
  const auto key = crypto::RsaPrivateKey::generate();
  {
    const auto pem = key.to_pem();
    std::ofstream(dir / "key.pem") << std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size());
    std::ofstream(dir / "testdc.sh") << "#!/bin/sh\nexec '" << args.testdc << "' --key '"
                                     << (dir / "key.pem").string() << "' \"$@\"\n";
    fs::permissions(dir / "testdc.sh", fs::perms::owner_all);
  }
  TgdProcess tgd;
  if (!tgd.start_demo(args.tgd, dir)) return 1;
  simdjson::dom::parser parser;
  Endpoints at;
  {
    simdjson::dom::element ready = parser.parse(tgd.ready_line).value();
    at.socket = std::string(ready["socket"].get_string().value());
    at.token = std::string(ready["token"].get_string().value());
    const std::string ws(ready["ws"].get_string().value());  // ws://127.0.0.1:PORT/
    at.ws_port = static_cast<std::uint16_t>(std::atoi(ws.c_str() + ws.rfind(':') + 1));
  }
  Processes procs{tgd.pid, -1};
  for (pid_t child : children_of(tgd.pid)) procs.testdc = child;

  // Where the demo session's connection goes, for the direct client.
  DirectTarget direct{{}, key.public_key()};
  {
    const std::string nearest = call_once(
        at.socket, R"({"jsonrpc":"2.0","id":1,"method":"help.getNearestDc","params":{"session":"demo"}})");
    const std::string config = call_once(
        at.socket, R"({"jsonrpc":"2.0","id":2,"method":"help.getConfig","params":{"session":"demo"}})");
    std::int64_t this_dc = 0;
    simdjson::dom::element root = parser.parse(nearest).value();
    if (root["result"]["this_dc"].get(this_dc) != simdjson::SUCCESS) {
      std::fprintf(stderr, "help.getNearestDc through tgd failed: %s\n", nearest.c_str());
      tgd.stop();
      return 1;
    }
    simdjson::dom::element conf = parser.parse(config).value();
    simdjson::dom::array options;
    if (conf["result"]["dc_options"].get(options) == simdjson::SUCCESS) {
      for (simdjson::dom::element o : options) {
        std::int64_t id = 0, port = 0;
        std::string_view host;
        bool ipv6 = false;
        if (o["id"].get(id) || o["ip_address"].get(host) || o["port"].get(port)) continue;
        if (o["ipv6"].get(ipv6) == simdjson::SUCCESS && ipv6) continue;
        if (id == this_dc)
          direct.dc = {std::string(host), static_cast<std::uint16_t>(port), static_cast<std::int32_t>(id)};
      }
    }
    if (direct.dc.port == 0) {
      std::fprintf(stderr, "no address for DC %lld in help.getConfig: %s\n", static_cast<long long>(this_dc),
                   config.substr(0, 300).c_str());
      tgd.stop();
      return 1;
    }
  }
  std::printf(
      "tgd pid %d, tgd-testdc pid %d, demo session on DC %d (%s:%u); %d clients × %d in flight; "
      "warm-up %.0f s, measured %.0f s (paced %.0f s)\n\n",
      procs.tgd, procs.testdc, direct.dc.dc_id, direct.dc.host.c_str(), direct.dc.port, args.clients,
      args.inflight, args.warmup, args.seconds, args.paced_seconds);
  std::fflush(stdout);

  auto schemas = tl::load_embedded_schemas();
  tl::JsonToTl encoder(schemas.api);
  const bool all = args.only.empty();
  std::vector<PhaseResult> unix_runs, ws_runs, paced_runs, direct_runs;
  std::vector<double> rates;
  long errors = 0;
  auto show = [&](const char* what, const PhaseResult& r) {
    std::printf(
        "  %-7s %9.0f calls/s  p50 %8.1f us  p99 %8.1f us  CPU/call: tgd %.2f us, testdc %.2f us, "
        "bench %.2f us  errors %ld\n",
        what, r.calls_per_s, r.latency.p50, r.latency.p99, r.tgd_us, r.testdc_us, r.bench_us, r.errors);
    std::fflush(stdout);
    errors += r.errors;
  };
  for (int run = 0; run < args.runs; ++run) {
    std::printf("run %d\n", run + 1);
    double unix_rate = 0;
    if (all || args.only == "unix" || args.only == "paced") {
      if (all || args.only == "unix" || args.rate <= 0) {
        unix_runs.push_back(run_load(at, procs, false, Mode::kClosed, args.clients, args.inflight, 0,
                                     args.warmup, args.seconds));
        show("unix", unix_runs.back());
        unix_rate = unix_runs.back().calls_per_s;
      }
    }
    if (all || args.only == "ws") {
      ws_runs.push_back(run_load(at, procs, true, Mode::kClosed, args.clients, args.inflight, 0, args.warmup,
                                 args.seconds));
      show("ws", ws_runs.back());
    }
    if (all || args.only == "paced") {
      const double rate = args.rate > 0 ? args.rate : 0.1 * unix_rate;
      rates.push_back(rate);
      std::printf("  paced at %.0f calls/s\n", rate);
      paced_runs.push_back(
          run_load(at, procs, false, Mode::kPaced, args.clients, 0, rate, 2, args.paced_seconds));
      show("paced", paced_runs.back());
      direct_runs.push_back(run_direct(direct, procs, encoder, rate, 2, args.paced_seconds));
      show("direct", direct_runs.back());
    }
  }
  tgd.stop();
  std::error_code ec;
  fs::remove_all(dir, ec);

  auto col = [](const std::vector<PhaseResult>& runs, auto field) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(field(r));
    return v;
  };
  auto rate_of = [](const PhaseResult& r) { return r.calls_per_s; };
  auto p50_of = [](const PhaseResult& r) { return r.latency.p50; };
  auto p99_of = [](const PhaseResult& r) { return r.latency.p99; };
  auto tgd_of = [](const PhaseResult& r) { return r.tgd_us; };
  auto dc_of = [](const PhaseResult& r) { return r.testdc_us; };
  auto bench_of = [](const PhaseResult& r) { return r.bench_us; };
  std::printf("\nmedians of %d runs (range)\n\n| measurement | median | range |\n|---|---|---|\n", args.runs);
  auto row = [&](const char* what, std::vector<double> v, const char* format) {
    if (v.empty()) return;
    char m[64];
    std::snprintf(m, sizeof m, format, median(v));
    std::printf("| %s | %s | %s |\n", what, m, range(v, format).c_str());
  };
  for (auto [name, runs] : {std::pair{"UNIX socket", &unix_runs}, std::pair{"WebSocket", &ws_runs}}) {
    if (runs->empty()) continue;
    const std::string n(name);
    row((n + ": calls/s").c_str(), col(*runs, rate_of), "%.0f");
    row((n + ": latency p50 (us)").c_str(), col(*runs, p50_of), "%.0f");
    row((n + ": latency p99 (us)").c_str(), col(*runs, p99_of), "%.0f");
    row((n + ": tgd CPU per call (us)").c_str(), col(*runs, tgd_of), "%.2f");
    row((n + ": tgd-testdc CPU per call (us)").c_str(), col(*runs, dc_of), "%.2f");
    row((n + ": load generator CPU per call (us)").c_str(), col(*runs, bench_of), "%.2f");
  }
  if (!paced_runs.empty()) {
    row("paced rate (calls/s)", rates, "%.0f");
    row("through tgd: p50 (us)", col(paced_runs, p50_of), "%.1f");
    row("through tgd: p99 (us)", col(paced_runs, p99_of), "%.1f");
    row("direct MTProto: p50 (us)", col(direct_runs, p50_of), "%.1f");
    row("direct MTProto: p99 (us)", col(direct_runs, p99_of), "%.1f");
    std::vector<double> add50, add99;
    for (std::size_t i = 0; i < paced_runs.size() && i < direct_runs.size(); ++i) {
      add50.push_back(paced_runs[i].latency.p50 - direct_runs[i].latency.p50);
      add99.push_back(paced_runs[i].latency.p99 - direct_runs[i].latency.p99);
    }
    row("added by tgd: p50 (us)", add50, "%.1f");
    row("added by tgd: p99 (us)", add99, "%.1f");
    row("paced: tgd CPU per call (us)", col(paced_runs, tgd_of), "%.2f");
  }
  return errors ? 1 : 0;
}
