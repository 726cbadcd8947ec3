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
// The state directory is a new one under $TMPDIR (or /tmp) for each run; pass a directory to use
// another disk.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
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

int main(int argc, char** argv) {
  std::filesystem::path base =
      argc > 1 ? std::filesystem::path(argv[1])
               : std::filesystem::path(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
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
