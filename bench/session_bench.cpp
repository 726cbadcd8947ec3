// Sessions benchmark (issue #4): 1,000 bot sessions logged in against tgd-testdc (3 DCs, a separate
// process) through tgd's SessionManager with the SQLite store, all on one event loop as in the daemon.
// Figures:
//   - memory per idle logged-in session: RSS (/proc/self/status) after every session is Ready, its
//     background help.getConfig answered and the store flushed, minus RSS before the first one,
//     over the number of sessions; also the marginal cost (second half minus first half) and the
//     heap in use (mallinfo2), before and after malloc_trim;
//   - restore: Store::open + SessionManager::restore() of all of them after a clean shutdown (state
//     Ready, no network), then the time until every restored session has reconnected (stored keys,
//     no new handshake) and answered help.getConfig;
//   - event-loop stalls: a 1 ms periodic timer on the same io_context records its largest lateness
//     during the logins (session rows, auth keys and peers saved while 50 logins run at a time,
//     each creating an auth key on the loop) and during a peer-cache load (every session resolving
//     usernames, every answer's users saved); Store::stats().longest_enqueue is the longest write
//     call itself, i.e. the stall persistence caused.
//
//   bench_session [--sessions 1000] [--concurrency 50] [--runs 3] [--testdc PATH]
//   heaptrack bench_session --exit-at-idle --sessions 200   # what an idle session holds, by call site
//
// Each run is a child process (bench_session --once ...), so that RSS is not polluted by an earlier
// run; the parent prints the medians and ranges over the runs.
#include <fcntl.h>
#include <malloc.h>
#include <simdjson.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/session/session_manager.hpp"
#include "daemon/store/store.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/tl/embedded_schema.hpp"

extern char** environ;

using namespace tgd;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int sessions = 1000;
  int concurrency = 50;
  int runs = 3;
  bool once = false;
  bool exit_at_idle = false;  // for heaptrack: what is live at idle shows as leaked
  std::string testdc = TGD_TESTDC_PATH;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : "";
    if (key == "--once" || key == "--exit-at-idle") {
      a.once = true;
      a.exit_at_idle = a.exit_at_idle || key == "--exit-at-idle";
      continue;
    }
    if (key == "--sessions")
      a.sessions = std::atoi(value);
    else if (key == "--concurrency")
      a.concurrency = std::atoi(value);
    else if (key == "--runs")
      a.runs = std::atoi(value);
    else if (key == "--testdc")
      a.testdc = value;
    ++i;
  }
  a.sessions = std::max(a.sessions, 2);
  a.concurrency = std::max(a.concurrency, 1);
  a.runs = std::max(a.runs, 1);
  return a;
}

// A child process whose stdout we read: the test DC (its ready line) or one run of this benchmark.
struct Child {
  pid_t pid = -1;
  int out = -1;

  bool start(const std::vector<std::string>& args, bool quiet_stderr) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    if (quiet_stderr) posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      return false;
    }
    out = fds[0];
    return true;
  }
  std::string read_line() {
    std::string line;
    char c;
    while (read(out, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }
  std::string read_all() {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = read(out, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
    return text;
  }
  int wait(bool terminate) {
    if (out >= 0) close(out);
    out = -1;
    if (pid <= 0) return -1;
    if (terminate) kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

struct Memory {
  double rss_kib = 0, anon_kib = 0;
  double heap_kib = 0;  // malloc'd and in use (all arenas, mmapped chunks included)
};

Memory memory() {
  Memory m;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) m.rss_kib = std::atof(line.c_str() + 6);
    if (line.starts_with("RssAnon:")) m.anon_kib = std::atof(line.c_str() + 8);
  }
  const struct mallinfo2 info = mallinfo2();
  m.heap_kib = static_cast<double>(info.uordblks + info.hblkhd) / 1024.0;
  return m;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Time this thread spent runnable but waiting for a CPU (/proc/thread-self/schedstat): what other
// processes on the machine took from the event loop.
double runqueue_wait_ms() {
  std::ifstream in("/proc/thread-self/schedstat");
  double on_cpu_ns = 0, waiting_ns = 0;
  in >> on_cpu_ns >> waiting_ns;
  return waiting_ns / 1e6;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A 1 ms periodic timer on the event loop: its lateness is how long the loop was busy elsewhere.
struct StallProbe {
  explicit StallProbe(net::asio::io_context& io) : timer(io) {}
  net::asio::steady_timer timer;
  Clock::duration longest{0};
  std::uint64_t ticks = 0, over_1ms = 0, over_5ms = 0;
  bool running = true;
  const bool trace = std::getenv("TGD_BENCH_TRACE") != nullptr;  // print every stall over 10 ms
  const Clock::time_point origin = Clock::now();

  void reset() {
    longest = {};
    ticks = over_1ms = over_5ms = 0;
  }
  net::awaitable<void> run() {
    auto due = Clock::now() + 1ms;
    while (running) {
      timer.expires_at(due);
      co_await timer.async_wait(net::as_tuple_awaitable);
      const auto now = Clock::now();
      const auto late = now - due;
      longest = std::max(longest, late);
      ++ticks;
      if (late > 1ms) ++over_1ms;
      if (late > 5ms) ++over_5ms;
      if (trace && late > 10ms)
        std::fprintf(stderr, "stall %.1f ms at +%.3f s\n", ms(late), ms(now - origin) / 1000);
      due += 1ms;
      if (due < now) due = now + 1ms;  // missed ticks are not owed
    }
  }
};

constexpr std::uint32_t kHelpGetConfig = 0xc4f9186b;

std::string session_name(int i) { return "bot" + std::to_string(i); }
std::int64_t bot_id(int i) { return 7'000'000'000 + i; }
std::string bot_token(int i) { return std::to_string(bot_id(i)) + ":benchsecret" + std::to_string(i); }

// Every session answered help.getConfig at least once and has nothing in flight.
bool settled(session::SessionManager& manager, bool need_ready) {
  for (session::Session* s : manager.sessions()) {
    if (need_ready && s->state() != session::SessionState::Ready) return false;
    auto& inv = s->invoker();
    if (inv.in_flight() != 0) return false;
    const auto& m = inv.metrics();
    const auto it = m.find(kHelpGetConfig);
    if (it == m.end() || it->second.ok == 0) return false;
  }
  return true;
}

// Runs the loop until pred() or the limit; false on timeout.
template <typename Pred>
bool run_until(net::asio::io_context& io, Pred pred, Clock::duration limit) {
  const auto end = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > end) return false;
    io.run_for(5ms);
  }
  return true;
}

int run_once(const Args& args) {
  spdlog::set_level(spdlog::level::warn);
  Child dc;
  if (!dc.start({args.testdc, "--dcs", "3"}, true)) {
    std::fprintf(stderr, "cannot start %s\n", args.testdc.c_str());
    return 1;
  }
  const std::string ready_line = dc.read_line();
  simdjson::dom::parser parser;
  simdjson::dom::element ready;
  if (ready_line.empty() || parser.parse(ready_line).get(ready) != simdjson::SUCCESS) {
    std::fprintf(stderr, "no ready line from %s\n", args.testdc.c_str());
    dc.wait(true);
    return 1;
  }
  std::vector<session::DcEndpoint> endpoints;
  simdjson::dom::array dcs;
  if (ready["dcs"].get(dcs) != simdjson::SUCCESS) {
    std::fprintf(stderr, "no dcs in the ready line\n");
    dc.wait(true);
    return 1;
  }
  for (simdjson::dom::element e : dcs) {
    endpoints.push_back({static_cast<std::int32_t>(e["id"].get_int64().value()),
                         std::string(e["host"].get_string().value()),
                         static_cast<std::uint16_t>(e["port"].get_int64().value())});
  }
  auto target = session::DcTarget::custom(endpoints, ready["public_key_pem"].get_string().value());
  if (!std::holds_alternative<session::DcTarget>(target)) {
    std::fprintf(stderr, "bad DC target: %s\n", std::get<std::string>(target).c_str());
    dc.wait(true);
    return 1;
  }

  const tl::Schemas schemas = tl::load_embedded_schemas();
  session::InvokerOptions defaults;  // as tests/e2e/session_harness.hpp
  defaults.target = std::get<session::DcTarget>(target);
  defaults.layer = schemas.api.layer();
  defaults.params.api_id = 12345;
  defaults.params.api_hash = "0123456789abcdef0123456789abcdef";
  defaults.retry_delay = 20ms;
  defaults.reconnect_initial = 5ms;
  defaults.reconnect_max = 100ms;
  defaults.call_timeout = 30s;

  std::random_device rd;
  const auto state_dir = std::filesystem::temp_directory_path() /
                         ("tgd-bench-session-" + std::to_string(rd()) + std::to_string(rd()));

  net::asio::io_context io;
  auto opened = store::Store::open(state_dir);
  if (auto* e = std::get_if<store::StoreError>(&opened)) {
    std::fprintf(stderr, "store: %s\n", e->message.c_str());
    dc.wait(true);
    return 1;
  }
  auto store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
  auto manager =
      std::make_unique<session::SessionManager>(io.get_executor(), schemas.api, store.get(), defaults);
  if (auto restored = manager->restore(); auto* error = std::get_if<std::string>(&restored)) {
    std::fprintf(stderr, "restore: %s\n", error->c_str());
    dc.wait(true);
    return 1;
  }

  StallProbe probe(io);
  net::asio::co_spawn(io, probe.run(), net::asio::detached);
  io.run_for(20ms);

  const int n = args.sessions;
  const Memory before = memory();
  const std::size_t fds_before = open_fds();

  // --- logins, in two halves (memory measured idle after each) ---
  int next = 0, done = 0, failed = 0;
  std::string first_error;
  auto login_worker = [&](int end) -> net::awaitable<void> {
    while (next < end) {
      const int i = next++;
      auto added = manager->add(session_name(i));
      if (auto* error = std::get_if<std::string>(&added)) {
        if (first_error.empty()) first_error = *error;
        ++failed;
        ++done;
        continue;
      }
      session::Session* s = std::get<session::Session*>(added);
      auto r = co_await s->bot_login(bot_token(i));
      if (const auto* e = std::get_if<session::CallError>(&r)) {
        if (first_error.empty()) first_error = std::to_string(e->code) + " " + e->message;
        ++failed;
      }
      ++done;
    }
  };
  Clock::duration login_time{0}, login_stall{0};
  std::uint64_t login_over_5ms = 0;
  Memory half;
  // Starts a phase of the probe, once a tick late from something outside the phase has fired.
  auto probe_phase = [&] {
    io.run_for(3ms);
    probe.reset();
    if (probe.trace) std::fprintf(stderr, "phase at +%.3f s\n", ms(Clock::now() - probe.origin) / 1000);
  };
  auto login_range = [&](int end) -> bool {
    const auto start = Clock::now();
    for (int w = 0; w < args.concurrency; ++w)
      net::asio::co_spawn(io, login_worker(end), net::asio::detached);
    if (!run_until(
            io, [&] { return done >= end; }, 120s))
      return false;
    login_time += Clock::now() - start;
    if (probe.trace)
      std::fprintf(stderr, "logged in %d at +%.3f s\n", end, ms(Clock::now() - probe.origin) / 1000);
    // Idle: every background help.getConfig answered, acks sent, the store committed.
    if (!run_until(
            io, [&] { return settled(*manager, true); }, 60s))
      return false;
    login_stall = std::max(login_stall, probe.longest);
    login_over_5ms += probe.over_5ms;
    io.run_for(300ms);
    store->flush();
    io.run_for(50ms);
    return true;
  };

  probe_phase();
  const double runqueue_before_login = runqueue_wait_ms();
  if (!login_range(n / 2)) {
    std::fprintf(stderr, "logins did not finish (%d done, %d failed: %s)\n", done, failed,
                 first_error.c_str());
    dc.wait(true);
    return 1;
  }
  half = memory();
  probe_phase();
  if (!login_range(n)) {
    std::fprintf(stderr, "logins did not finish (%d done, %d failed: %s)\n", done, failed,
                 first_error.c_str());
    dc.wait(true);
    return 1;
  }
  const double runqueue_login = runqueue_wait_ms() - runqueue_before_login;
  const Memory idle = memory();
  const std::size_t fds_idle = open_fds();
  std::size_t connections = 0;
  for (session::Session* s : manager->sessions()) connections += s->invoker().open_connections();
  const auto enqueue_login = store->stats().longest_enqueue;
  if (args.exit_at_idle) {
    std::printf("idle: RSS %.1f MiB, %zu connections\n", idle.rss_kib / 1024.0, connections);
    std::fflush(stdout);
    dc.wait(true);
    std::exit(0);  // leaves the sessions allocated
  }
  malloc_trim(0);
  const Memory trimmed = memory();

  // --- peer-cache load: every session resolves 5 other bots' usernames, twice ---
  probe_phase();
  int calls_done = 0, calls_failed = 0;
  const int rounds = 2, per_round = 5;
  auto resolver = [&](session::Session* s, int i) -> net::awaitable<void> {
    for (int r = 0; r < rounds; ++r) {
      for (int k = 1; k <= per_round; ++k) {
        const int other = (i + k * 37 + r) % n;
        const std::string params = R"({"username":"bot)" + std::to_string(bot_id(other)) + R"(_bot"})";
        auto result = co_await s->call("contacts.resolveUsername", params);
        if (std::holds_alternative<session::CallError>(result)) ++calls_failed;
        ++calls_done;
      }
    }
  };
  const auto peers_start = Clock::now();
  {
    int i = 0;
    for (session::Session* s : manager->sessions())
      net::asio::co_spawn(io, resolver(s, i++), net::asio::detached);
  }
  const int calls_total = n * rounds * per_round;
  run_until(
      io, [&] { return calls_done >= calls_total; }, 60s);
  const auto peers_time = Clock::now() - peers_start;
  const auto stall_peers = probe.longest;
  const auto over5_peers = probe.over_5ms;
  const auto enqueue_all = store->stats().longest_enqueue;
  const auto store_stats = store->stats();

  // --- shutdown, then restore ---
  manager->stop();
  io.run_for(50ms);
  manager.reset();
  store->flush();
  store.reset();
  io.run_for(20ms);

  const auto restore_start = Clock::now();
  auto reopened = store::Store::open(state_dir);
  if (auto* e = std::get_if<store::StoreError>(&reopened)) {
    std::fprintf(stderr, "store: %s\n", e->message.c_str());
    dc.wait(true);
    return 1;
  }
  store = std::move(std::get<std::unique_ptr<store::Store>>(reopened));
  const auto store_opened = Clock::now();
  manager = std::make_unique<session::SessionManager>(io.get_executor(), schemas.api, store.get(), defaults);
  if (auto restored = manager->restore(); auto* error = std::get_if<std::string>(&restored)) {
    std::fprintf(stderr, "restore: %s\n", error->c_str());
    dc.wait(true);
    return 1;
  }
  const auto restored = Clock::now();
  // restore() = load_sessions() + constructing the sessions: the load alone, again, for the split.
  const auto load_start = Clock::now();
  const bool loaded_again =
      std::holds_alternative<std::vector<store::SessionSnapshot>>(store->load_sessions());
  const auto load_time = Clock::now() - load_start;
  int ready_after_restore = 0;
  for (session::Session* s : manager->sessions())
    ready_after_restore += s->state() == session::SessionState::Ready ? 1 : 0;

  probe_phase();  // the tick made late by the (synchronous) restore is not the reconnect's
  const auto reconnect_start = Clock::now();
  for (session::Session* s : manager->sessions()) s->start();  // idempotent if restore() started it
  const bool reconnected = run_until(
      io, [&] { return settled(*manager, true); }, 60s);
  const auto reconnect_time = Clock::now() - reconnect_start;
  const auto stall_reconnect = probe.longest;
  std::size_t new_keys = 0;
  for (session::Session* s : manager->sessions()) {
    for (const auto& [dc_id, k] : s->invoker().auth_keys()) new_keys += k.key.empty() ? 1 : 0;
  }

  probe.running = false;
  probe.timer.cancel();
  manager->stop();
  io.run_for(50ms);
  manager.reset();
  store.reset();
  dc.wait(true);
  std::error_code ignored;
  std::filesystem::remove_all(state_dir, ignored);

  const double per_session = (idle.rss_kib - before.rss_kib) * 1024.0 / n;
  const double marginal = (idle.rss_kib - half.rss_kib) * 1024.0 / (n - n / 2);
  std::printf("sessions %d logged in, %d failed%s%s; %zu connections, %zu new fds\n", n - failed, failed,
              first_error.empty() ? "" : ": ", first_error.c_str(), connections, fds_idle - fds_before);
  std::printf("RESULT login_s %.3f\n", ms(login_time) / 1000.0);
  std::printf("RESULT logins_per_s %.0f\n", n / (ms(login_time) / 1000.0));
  std::printf("RESULT rss_before_mib %.1f\n", before.rss_kib / 1024.0);
  std::printf("RESULT rss_idle_mib %.1f\n", idle.rss_kib / 1024.0);
  std::printf("RESULT rss_per_session_kb %.1f\n", per_session / 1000.0);
  std::printf("RESULT rss_marginal_kb %.1f\n", marginal / 1000.0);
  std::printf("RESULT anon_per_session_kb %.1f\n", (idle.anon_kib - before.anon_kib) * 1024.0 / n / 1000.0);
  std::printf("RESULT heap_per_session_kb %.1f\n", (idle.heap_kib - before.heap_kib) * 1024.0 / n / 1000.0);
  std::printf("RESULT rss_per_session_trimmed_kb %.1f\n",
              (trimmed.rss_kib - before.rss_kib) * 1024.0 / n / 1000.0);
  std::printf("RESULT connections %zu\n", connections);
  std::printf("RESULT stall_login_ms %.2f\n", ms(login_stall));
  std::printf("RESULT ticks_over_5ms_login %llu\n", static_cast<unsigned long long>(login_over_5ms));
  std::printf("RESULT longest_enqueue_login_ms %.3f\n", ms(enqueue_login));
  std::printf("RESULT runqueue_wait_login_ms %.0f\n", runqueue_login);
  std::printf("RESULT peer_calls_per_s %.0f\n", calls_total / (ms(peers_time) / 1000.0));
  std::printf("RESULT peer_calls_failed %d\n", calls_failed);
  std::printf("RESULT stall_peers_ms %.2f\n", ms(stall_peers));
  std::printf("RESULT ticks_over_5ms_peers %llu\n", static_cast<unsigned long long>(over5_peers));
  std::printf("RESULT longest_enqueue_ms %.3f\n", ms(enqueue_all));
  std::printf("RESULT longest_commit_ms %.2f\n", ms(store_stats.longest_commit));
  std::printf("RESULT store_batches %llu\n", static_cast<unsigned long long>(store_stats.batches));
  std::printf("RESULT store_rows %llu\n", static_cast<unsigned long long>(store_stats.writes));
  std::printf("RESULT restore_ms %.1f\n", ms(restored - restore_start));
  std::printf("RESULT restore_store_open_ms %.1f\n", ms(store_opened - restore_start));
  if (loaded_again) std::printf("RESULT restore_load_ms %.1f\n", ms(load_time));
  std::printf("RESULT restored_ready %d\n", ready_after_restore);
  std::printf("RESULT reconnect_ms %.0f\n", reconnected ? ms(reconnect_time) : -1.0);
  std::printf("RESULT stall_reconnect_ms %.2f\n", ms(stall_reconnect));
  std::printf("RESULT keys_missing_after_restore %zu\n", new_keys);
  return failed == 0 && reconnected ? 0 : 1;
}

struct Figure {
  const char* key;
  const char* label;
  const char* unit;
  const char* target;
};

const Figure kFigures[] = {
    {"rss_per_session_kb", "RSS per idle logged-in session", "KB", "<= 100 KB"},
    {"rss_marginal_kb", "  marginal (second half of the sessions)", "KB", ""},
    {"anon_per_session_kb", "  anonymous RSS per session", "KB", ""},
    {"heap_per_session_kb", "  heap in use per session (mallinfo2)", "KB", ""},
    {"rss_per_session_trimmed_kb", "  RSS per session after malloc_trim(0)", "KB", ""},
    {"rss_before_mib", "RSS before the first session", "MiB", ""},
    {"rss_idle_mib", "RSS with every session idle", "MiB", ""},
    {"connections", "open connections (MtprotoClients)", "", ""},
    {"login_s", "log in all (auth key + importBotAuthorization + getConfig)", "s", ""},
    {"logins_per_s", "  logins per second", "/s", ""},
    {"restore_ms", "restore all: Store::open + SessionManager::restore()", "ms", "< 1000 ms"},
    {"restore_store_open_ms", "  of which Store::open", "ms", ""},
    {"restore_load_ms", "  of which Store::load_sessions() (measured again after)", "ms", ""},
    {"restored_ready", "  sessions Ready after restore", "", ""},
    {"reconnect_ms", "restored sessions all reconnected + help.getConfig answered", "ms", ""},
    {"keys_missing_after_restore", "  restored sessions without their key", "", ""},
    {"stall_login_ms", "longest event-loop stall during the logins (1 ms timer lateness)", "ms", ""},
    {"ticks_over_5ms_login", "  timer ticks late by > 5 ms during the logins", "", ""},
    {"longest_enqueue_login_ms", "longest store write call during the logins", "ms", "< 5 ms"},
    {"runqueue_wait_login_ms", "  event-loop thread runnable but not running during the logins", "ms", ""},
    {"stall_peers_ms", "longest event-loop stall during the peer-cache load", "ms", ""},
    {"ticks_over_5ms_peers", "  timer ticks late by > 5 ms during the peer-cache load", "", ""},
    {"peer_calls_per_s", "  peer-cache load: contacts.resolveUsername calls per second", "/s", ""},
    {"longest_enqueue_ms", "longest store write call, whole run", "ms", "< 5 ms"},
    {"longest_commit_ms", "  longest commit (writer thread, not the loop)", "ms", ""},
    {"store_rows", "  rows written / batches", "", ""},
    {"stall_reconnect_ms", "longest event-loop stall while the restored sessions reconnect", "ms", ""},
};

int run_parent(const Args& args, const char* self) {
  std::map<std::string, std::vector<double>> values;
  int failures = 0;
  for (int r = 0; r < args.runs; ++r) {
    Child child;
    if (!child.start({self, "--once", "--sessions", std::to_string(args.sessions), "--concurrency",
                      std::to_string(args.concurrency), "--testdc", args.testdc},
                     false)) {
      std::fprintf(stderr, "cannot run %s\n", self);
      return 1;
    }
    const std::string text = child.read_all();
    const int rc = child.wait(false);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.starts_with("RESULT ")) {
        std::istringstream fields(line.substr(7));
        std::string key;
        double value = 0;
        fields >> key >> value;
        values[key].push_back(value);
      } else {
        std::printf("run %d: %s\n", r + 1, line.c_str());
      }
    }
    if (rc != 0) ++failures;
    std::fflush(stdout);
  }
  std::printf("\n%d sessions, %d logins at a time, %d run(s); median [min - max]\n\n", args.sessions,
              args.concurrency, args.runs);
  std::printf("| measurement | median | range | target |\n|---|---|---|---|\n");
  for (const Figure& f : kFigures) {
    auto it = values.find(f.key);
    if (it == values.end()) continue;
    auto v = it->second;
    std::sort(v.begin(), v.end());
    const double median = v[v.size() / 2];
    if (std::string_view(f.key) == "store_rows") {
      auto b = values["store_batches"];
      std::sort(b.begin(), b.end());
      std::printf("| %s | %.0f / %.0f | | |\n", f.label, median, b.empty() ? 0.0 : b[b.size() / 2]);
      continue;
    }
    std::printf("| %s | %.*f %s | %.*f - %.*f | %s |\n", f.label, median < 10 ? 2 : 1, median, f.unit,
                v.front() < 10 ? 2 : 1, v.front(), v.back() < 10 ? 2 : 1, v.back(), f.target);
  }
  std::printf("\nmachine: %ld cores (noisy shared VM); client and test DC in separate processes\n",
              sysconf(_SC_NPROCESSORS_ONLN));
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  if (args.once) return run_once(args);
  return run_parent(args, "/proc/self/exe");
}
