// bench_store: figures for daemon/store, one line per figure, medians of kRuns runs.
//
// The data: 1,000 sessions, each with 1 auth key and 50 peers (users with usernames), written from
// this thread as the event loop would. Figures:
//   - write: from the first enqueue until flush() returns, i.e. everything committed;
//   - load: Store::open of the state directory (lock, schema check) and load_sessions() of all of it;
//   - stall: the longest single write call (what the event loop would feel), in a burst (every
//     enqueue back to back while the writer commits) and in a steady stream (a 50-peer users vector
//     every 100 µs for 1,000 vectors, the writer committing all along);
//   - find_peer and find_peer_by_username: one lookup on the read connection.
// The update journal (issue #6), one session, updates of ~400 bytes of JSON, each phase for calls of
// 1 and of 100 entries, with synchronous=NORMAL (the default) and with journal_fsync (FULL):
//   - flood: 300,000 updates appended as fast as the calling thread can; rows/s from the first
//     enqueue until the commit listener reports the last seq (so the default 100,000-entry bound is
//     trimming for the last two thirds), and the cost of each append_updates() call (p50/p99);
//   - paced: 50,000 updates/s for 3 s, the calls due issued every ~100 µs as an event loop would;
//     commit latency p50/p99 per call, from the enqueue to the listener (writer thread), and the
//     longest call not preempted;
//   - read_journal of 1,000 entries from a 100,000-entry journal, at random places.
// The state directory is a new one under $TMPDIR (or /tmp) for each run; pass a directory to use
// another disk.
//
//   bench_store [DIR] [--journal-only | --no-journal] [--per-call 1|100] [--sync normal|full]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "bench_util.hpp"
#include "daemon/store/store.hpp"

namespace {

using namespace tgd::store;
using Clock = std::chrono::steady_clock;

constexpr int kRuns = 5;
constexpr int kSessions = 1000;
constexpr int kPeersPerSession = 50;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::unique_ptr<Store> open_or_die(const std::filesystem::path& dir) {
  auto opened = Store::open(dir);
  if (auto* e = std::get_if<StoreError>(&opened)) {
    std::fprintf(stderr, "bench_store: %s\n", e->message.c_str());
    std::exit(1);
  }
  return std::move(std::get<std::unique_ptr<Store>>(opened));
}

long involuntary_switches() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_nivcsw;
}

std::string session_name(int i) { return "account-" + std::to_string(i); }

SessionRow session_row(int i) {
  SessionRow row;
  row.name = session_name(i);
  row.kind = i % 10 == 0 ? "bot" : "user";
  row.state = "ready";
  row.main_dc = 2;
  row.self_user_id = 1'000'000'000 + i;
  row.settings_json = R"({"dcs":"production","device_model":"tgd","app_version":"0.1.0"})";
  row.dc_options_json = R"([{"id":1,"ip_address":"149.154.175.53","port":443},)"
                        R"({"id":2,"ip_address":"149.154.167.51","port":443},)"
                        R"({"id":4,"ip_address":"149.154.167.91","port":443}])";
  return row;
}

AuthKeyRow key_row(int i) {
  AuthKeyRow row;
  row.dc_id = 2;
  row.key.resize(256);
  std::mt19937 rng(i);
  for (auto& b : row.key) b = static_cast<std::uint8_t>(rng());
  row.server_salt = static_cast<std::int64_t>(rng()) << 32 | rng();
  return row;
}

std::vector<PeerRow> peer_rows(int session, int batch) {
  std::vector<PeerRow> peers(kPeersPerSession);
  for (int j = 0; j < kPeersPerSession; ++j) {
    PeerRow& p = peers[j];
    p.id = 5'000'000'000LL + session * 1000LL + batch * kPeersPerSession + j;
    p.kind = j % 10 == 9 ? PeerKind::Channel : PeerKind::User;
    p.access_hash = p.id * 7919 - 1;
    p.min = j % 7 == 0;
    p.username = "user_" + std::to_string(p.id);
    p.updated_at = 1'700'000'000 + j;
  }
  return peers;
}

// ~400 bytes: an updateNewMessage in tgd's JSON form of TL objects.
std::string update_json(std::int64_t seq) {
  std::string id = std::to_string(100'000 + seq);
  return R"({"_":"updateNewMessage","message":{"_":"message","out":false,"mentioned":false,"id":)" + id +
         R"(,"from_id":{"_":"peerUser","user_id":"5000000123"},"peer_id":{"_":"peerChannel","channel_id":)"
         R"("1234567890"},"date":1700000000,"message":"benchmark update number )" +
         id +
         R"(, some text to make it typical","entities":[{"_":"messageEntityBold","offset":0,"length":9}],)"
         R"("views":12},"pts":)" +
         std::to_string(seq) + R"(,"pts_count":1})";
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct JournalFigures {
  double flood_rows_per_s = 0, flood_enqueue_p50_us = 0, flood_enqueue_p99_us = 0;
  double paced_rows_per_s = 0, paced_latency_p50_ms = 0, paced_latency_p99_ms = 0;
  double paced_enqueue_p99_us = 0, paced_enqueue_max_unpreempted_us = 0;
  double read_1000_us = 0;
  double batches = 0;  // transactions of the flood
};

// Per call: when it was enqueued and when the listener saw its last seq.
struct CallTimes {
  std::vector<Clock::time_point> enqueued, committed;
  std::vector<std::int64_t> last_seq;
  std::size_t next = 0;  // the writer thread's: the first call not yet seen committed
};

long involuntary_switches();

JournalFigures journal_run(const std::filesystem::path& base, int index, std::size_t per_call, bool fsync) {
  JournalFigures f;
  std::filesystem::path dir =
      base / ("bench-journal-" + std::to_string(::getpid()) + "-" + std::to_string(index));
  std::filesystem::remove_all(dir);
  StoreOptions options;
  options.journal_fsync = fsync;
  auto opened = Store::open(dir, options);
  if (auto* e = std::get_if<StoreError>(&opened)) {
    std::fprintf(stderr, "bench_store: %s\n", e->message.c_str());
    std::exit(1);
  }
  auto store = std::move(std::get<std::unique_ptr<Store>>(opened));
  SessionRow row = session_row(0);
  store->save_session(row);
  store->flush();
  const std::string state = R"({"pts":1,"qts":0,"date":1700000000,"seq":0})";

  CallTimes times;
  std::mutex done_mu;
  std::condition_variable done_cv;
  // Called on the writer thread; the enqueue times it reads were written before the append that the
  // commit followed (ordered by the store's mutex).
  store->set_commit_listener([&](std::vector<JournalCommit> commits) {
    auto now = Clock::now();
    for (const JournalCommit& c : commits) {
      std::lock_guard lk(done_mu);
      while (times.next < times.last_seq.size() && times.last_seq[times.next] <= c.last_seq)
        times.committed[times.next++] = now;
    }
    done_cv.notify_all();
  });
  std::int64_t seq = 0;
  // Prepared beforehand: the timing covers the store, not building the JSON.
  auto make_calls = [&](std::size_t updates) {
    std::vector<std::vector<JournalEntry>> calls(updates / per_call);
    for (auto& call : calls) {
      call.reserve(per_call);
      for (std::size_t j = 0; j < per_call; ++j) {
        ++seq;
        call.push_back({seq, 0, update_json(seq)});
      }
    }
    std::lock_guard lk(done_mu);
    times = CallTimes{};
    times.enqueued.resize(calls.size());
    times.committed.resize(calls.size());
    for (const auto& call : calls) times.last_seq.push_back(call.back().seq);
    return calls;
  };
  auto wait_all = [&] {
    std::unique_lock lk(done_mu);
    done_cv.wait(lk, [&] { return times.next == times.last_seq.size(); });
  };
  auto us = [](Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); };

  {  // Flood.
    auto calls = make_calls(300'000);
    std::vector<double> enqueue_us(calls.size());
    const auto batches_before = store->stats().batches;
    auto start = Clock::now();
    for (std::size_t i = 0; i < calls.size(); ++i) {
      auto t = Clock::now();
      times.enqueued[i] = t;
      store->append_updates(row.name, state, std::move(calls[i]));
      enqueue_us[i] = us(Clock::now() - t);
    }
    wait_all();
    f.flood_rows_per_s = 300'000 / std::chrono::duration<double>(times.committed.back() - start).count();
    f.flood_enqueue_p50_us = percentile(enqueue_us, 0.5);
    f.flood_enqueue_p99_us = percentile(enqueue_us, 0.99);
    f.batches = static_cast<double>(store->stats().batches - batches_before);
    store->flush();  // and let it settle: the trimming and the WAL checkpoint of the flood
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  {  // Paced: 50,000 updates/s for 3 s.
    constexpr double kRate = 50'000;
    auto calls = make_calls(150'000);
    std::vector<double> enqueue_us(calls.size());
    double longest_unpreempted = 0;
    auto start = Clock::now();
    std::size_t i = 0;
    while (i < calls.size()) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const std::size_t due = std::min(
          calls.size(), static_cast<std::size_t>(elapsed * kRate / static_cast<double>(per_call)) + 1);
      for (; i < due; ++i) {
        long switches = involuntary_switches();
        auto t = Clock::now();
        times.enqueued[i] = t;
        store->append_updates(row.name, state, std::move(calls[i]));
        enqueue_us[i] = us(Clock::now() - t);
        if (involuntary_switches() == switches)
          longest_unpreempted = std::max(longest_unpreempted, enqueue_us[i]);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    wait_all();
    f.paced_rows_per_s = 150'000 / std::chrono::duration<double>(times.committed.back() - start).count();
    std::vector<double> latency_ms(calls.size());
    for (std::size_t k = 0; k < calls.size(); ++k)
      latency_ms[k] =
          std::chrono::duration<double, std::milli>(times.committed[k] - times.enqueued[k]).count();
    f.paced_latency_p50_ms = percentile(latency_ms, 0.5);
    f.paced_latency_p99_ms = percentile(latency_ms, 0.99);
    f.paced_enqueue_p99_us = percentile(enqueue_us, 0.99);
    f.paced_enqueue_max_unpreempted_us = longest_unpreempted;
  }
  store->set_commit_listener({});
  {  // read_journal of 1,000 entries, from the 100,000 kept.
    auto range = std::get<JournalRange>(store->journal_range(row.name));
    std::mt19937 rng(index);
    f.read_1000_us = 1e6 * tgd::bench::median_seconds_per_call(
                               [&] {
                                 std::int64_t after = range.first - 1 +
                                                      static_cast<std::int64_t>(
                                                          rng() % static_cast<unsigned>(range.count - 1000));
                                 auto got = store->read_journal(row.name, after, 1000);
                                 auto* entries = std::get_if<std::vector<JournalEntry>>(&got);
                                 if (!entries || entries->size() != 1000) {
                                   std::fprintf(stderr, "bench_store: read_journal did not return 1,000\n");
                                   std::exit(1);
                                 }
                                 tgd::bench::keep(entries);
                               },
                               3, 0.1);
  }
  auto stats = store->stats();
  if (!stats.last_error.empty()) std::fprintf(stderr, "bench_store: %s\n", stats.last_error.c_str());
  store.reset();
  std::filesystem::remove_all(dir);
  return f;
}

struct Run {
  double write_ms, open_ms, load_ms, find_us, find_username_us;
  double burst_stall_us, burst_stall_unpreempted_us, steady_stall_us, steady_stall_unpreempted_us;
  std::uint64_t batches;
  double longest_commit_ms;
};

Run run_once(const std::filesystem::path& base, int index) {
  Run r{};
  std::filesystem::path dir =
      base / ("bench-store-" + std::to_string(::getpid()) + "-" + std::to_string(index));
  std::filesystem::remove_all(dir);
  // Prepared beforehand: the timing covers the store, not building the rows.
  std::vector<SessionRow> sessions;
  std::vector<AuthKeyRow> keys;
  std::vector<std::vector<PeerRow>> peers;
  for (int i = 0; i < kSessions; ++i) {
    sessions.push_back(session_row(i));
    keys.push_back(key_row(i));
    peers.push_back(peer_rows(i, 0));
  }
  {
    auto store = open_or_die(dir);
    // Two longest calls: of all, and of those during which the kernel did not preempt this thread
    // (no involuntary context switch). On a loaded machine the first is mostly the scheduler's time
    // slice; the second is what the store itself costs, waiting for its mutex included (a wait is a
    // voluntary switch).
    double longest = 0, longest_unpreempted = 0;
    auto timed = [&](auto&& call) {
      long switches = involuntary_switches();
      auto start = Clock::now();
      call();
      double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
      longest = std::max(longest, us);
      if (involuntary_switches() == switches) longest_unpreempted = std::max(longest_unpreempted, us);
    };
    auto start = Clock::now();
    for (int i = 0; i < kSessions; ++i) {
      timed([&] { store->save_session(std::move(sessions[i])); });
      timed([&] { store->save_auth_key(session_name(i), std::move(keys[i])); });
      timed([&] { store->save_peers(session_name(i), std::move(peers[i])); });
    }
    if (!store->flush())
      std::fprintf(stderr, "bench_store: flush failed: %s\n", store->stats().last_error.c_str());
    r.write_ms = ms_since(start);
    r.burst_stall_us = longest;
    r.burst_stall_unpreempted_us = longest_unpreempted;

    // Steady stream: one users vector per 100 µs, as the updates of many busy accounts would bring.
    longest = longest_unpreempted = 0;
    std::vector<std::vector<PeerRow>> stream;
    for (int k = 0; k < 1000; ++k) stream.push_back(peer_rows(k % kSessions, 1 + k / kSessions));
    for (int k = 0; k < 1000; ++k) {
      timed([&] { store->save_peers(session_name(k % kSessions), std::move(stream[k])); });
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    store->flush();
    r.steady_stall_us = longest;
    r.steady_stall_unpreempted_us = longest_unpreempted;
    auto stats = store->stats();
    r.batches = stats.batches;
    r.longest_commit_ms = std::chrono::duration<double, std::milli>(stats.longest_commit).count();
  }
  {
    auto start = Clock::now();
    auto store = open_or_die(dir);
    r.open_ms = ms_since(start);
    start = Clock::now();
    auto loaded = store->load_sessions();
    r.load_ms = ms_since(start);
    auto* list = std::get_if<std::vector<SessionSnapshot>>(&loaded);
    if (!list || list->size() != kSessions) {
      std::fprintf(stderr, "bench_store: load_sessions did not return the %d sessions\n", kSessions);
      std::exit(1);
    }
    std::mt19937 rng(index);
    r.find_us = 1e6 * tgd::bench::median_seconds_per_call(
                          [&] {
                            int s = static_cast<int>(rng() % kSessions);
                            auto p = store->find_peer(session_name(s), PeerKind::User,
                                                      5'000'000'000LL + s * 1000LL + rng() % 9);
                            tgd::bench::keep(p);
                          },
                          3, 0.05);
    r.find_username_us =
        1e6 * tgd::bench::median_seconds_per_call(
                  [&] {
                    int s = static_cast<int>(rng() % kSessions);
                    auto p = store->find_peer_by_username(
                        session_name(s), "USER_" + std::to_string(5'000'000'000LL + s * 1000LL + rng() % 50));
                    tgd::bench::keep(p);
                  },
                  3, 0.05);
  }
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace

void journal_report(const std::filesystem::path& base, int only_per_call, int only_sync) {
  constexpr int kJournalRuns = 3;
  for (bool fsync : {false, true}) {
    if (only_sync >= 0 && fsync != (only_sync == 1)) continue;
    for (std::size_t per_call : {std::size_t{1}, std::size_t{100}}) {
      if (only_per_call > 0 && per_call != static_cast<std::size_t>(only_per_call)) continue;
      std::vector<JournalFigures> runs;
      for (int i = 0; i < kJournalRuns; ++i) runs.push_back(journal_run(base, i, per_call, fsync));
      auto med = [&](double JournalFigures::*field) {
        std::vector<double> v;
        for (const JournalFigures& r : runs) v.push_back(r.*field);
        return median(v);
      };
      const char* mode = fsync ? "FULL (journal_fsync)" : "NORMAL";
      std::printf(
          "journal %s, %zu update(s) per call, flood of 300,000: %.0f rows/s committed (%.0f transactions); "
          "append_updates p50 %.2f us, p99 %.2f us (median of %d)\n",
          mode, per_call, med(&JournalFigures::flood_rows_per_s), med(&JournalFigures::batches),
          med(&JournalFigures::flood_enqueue_p50_us), med(&JournalFigures::flood_enqueue_p99_us),
          kJournalRuns);
      std::printf(
          "journal %s, %zu update(s) per call, paced 50,000/s: %.0f rows/s; commit latency p50 %.2f ms, "
          "p99 %.2f ms; append_updates p99 %.2f us, longest not preempted %.1f us\n",
          mode, per_call, med(&JournalFigures::paced_rows_per_s), med(&JournalFigures::paced_latency_p50_ms),
          med(&JournalFigures::paced_latency_p99_ms), med(&JournalFigures::paced_enqueue_p99_us),
          med(&JournalFigures::paced_enqueue_max_unpreempted_us));
      std::printf("journal %s, read_journal of 1,000 entries: %.0f us\n", mode,
                  med(&JournalFigures::read_1000_us));
      std::fflush(stdout);
    }
  }
}

int main(int argc, char** argv) {
  std::filesystem::path base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  bool journal = true, others = true;
  int only_per_call = 0, only_sync = -1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--per-call" && i + 1 < argc) {
      only_per_call = std::atoi(argv[++i]);
    } else if (arg == "--sync" && i + 1 < argc) {
      only_sync = std::string_view(argv[++i]) == "full" ? 1 : 0;
    } else if (arg == "--journal-only") {
      others = false;
    } else if (arg == "--no-journal") {
      journal = false;
    } else {
      base = arg;
    }
  }
  if (journal) journal_report(base, only_per_call, only_sync);
  if (!others) return 0;
  std::vector<Run> runs;
  for (int i = 0; i < kRuns; ++i) runs.push_back(run_once(base, i));
  auto med = [&](double Run::*field) {
    std::vector<double> v;
    for (const Run& r : runs) v.push_back(r.*field);
    return median(v);
  };
  auto worst = [&](double Run::*field) {
    double m = 0;
    for (const Run& r : runs) m = std::max(m, r.*field);
    return m;
  };
  std::vector<double> batches;
  for (const Run& r : runs) batches.push_back(static_cast<double>(r.batches));
  std::printf(
      "store write of %d sessions (1 auth key + %d peers each), until committed: %.1f ms (median of %d)\n",
      kSessions, kPeersPerSession, med(&Run::write_ms), kRuns);
  std::printf("store open (lock, schema check) of that state directory: %.2f ms\n", med(&Run::open_ms));
  std::printf("store load_sessions of %d sessions with their keys: %.2f ms\n", kSessions, med(&Run::load_ms));
  std::printf(
      "store longest enqueue while the writer commits, burst of %d calls: %.1f us (worst run %.1f us); "
      "not preempted: %.1f us (worst run %.1f us)\n",
      3 * kSessions, med(&Run::burst_stall_us), worst(&Run::burst_stall_us),
      med(&Run::burst_stall_unpreempted_us), worst(&Run::burst_stall_unpreempted_us));
  std::printf(
      "store longest enqueue while the writer commits, steady 50-peer vectors every 100 us: %.1f us "
      "(worst run %.1f us); not preempted: %.1f us (worst run %.1f us)\n",
      med(&Run::steady_stall_us), worst(&Run::steady_stall_us), med(&Run::steady_stall_unpreempted_us),
      worst(&Run::steady_stall_unpreempted_us));
  std::printf("store longest commit (writer thread): %.1f ms, %.0f transactions per run\n",
              med(&Run::longest_commit_ms), median(batches));
  std::printf("store find_peer: %.2f us, find_peer_by_username: %.2f us (read connection)\n",
              med(&Run::find_us), med(&Run::find_username_us));
  return 0;
}
