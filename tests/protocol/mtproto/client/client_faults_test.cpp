// Exactly-once under a randomized fault schedule, and the per-request CPU cost measurement.
#include <doctest/doctest.h>

#include <time.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>

#include "session_fixture.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::test;

namespace {

struct Outcomes {
  std::map<std::uint64_t, int> count;
  std::uint64_t results = 0, errors = 0, failures = 0;

  void take(std::vector<ClientEvent>& events) {
    for (const auto& e : events) {
      if (const auto* r = std::get_if<client_event::Result>(&e)) {
        ++count[r->id.value];
        ++results;
      } else if (const auto* er = std::get_if<client_event::Error>(&e)) {
        ++count[er->id.value];
        ++errors;
      } else if (const auto* f = std::get_if<client_event::Failed>(&e)) {
        ++count[f->id.value];
        ++failures;
      }
    }
    events.clear();
  }
};

void run_fault_schedule(std::uint64_t seed) {
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  const auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };

  ClientSessionOptions options;  // keep-alive, salt refresh and state checks all on
  options.state_check_after = std::chrono::seconds(3);
  options.max_container_messages = 64;
  options.ack_flush_count = 8;
  const crypto::AuthKey key = test_auth_key();
  ClientSession client(key, kSalt, 0, options, seeded_random(seed));
  EchoServer server(key, kSalt);
  server.set_error_every(7);

  constexpr std::uint32_t kTotal = 3000;
  std::uint32_t issued_count = 0;
  std::vector<RequestId> issued;
  std::set<std::uint64_t> cancelled;
  Outcomes outcomes;
  std::vector<ClientEvent> events;
  std::vector<OutgoingPacket> out;
  std::vector<Bytes> replies;
  std::deque<Bytes> to_server, to_client;
  UnixNanos now = at(0);
  int idle_steps = 0;

  for (int step = 0;; ++step) {
    REQUIRE(step < 50000);
    const bool faults = issued_count < kTotal;
    now += std::chrono::milliseconds(rng() % 400);

    if (issued_count < kTotal) {
      for (int k = static_cast<int>(rng() % 10); k > 0 && issued_count < kTotal; --k) {
        SendOptions o;
        if (chance(20)) o.deadline = now + std::chrono::milliseconds(500 + rng() % 10000);
        if (!issued.empty() && chance(10)) o.after = issued[rng() % issued.size()];
        issued.push_back(client.send(test_query(issued_count++), o));
      }
    }
    if (faults && !issued.empty() && chance(15)) {
      const RequestId victim = issued[issued.size() - 1 - rng() % std::min<std::size_t>(issued.size(), 50)];
      if (client.cancel(victim, chance(50))) cancelled.insert(victim.value);
    }
    if (const auto deadline = client.next_deadline(); deadline && *deadline <= now)
      client.on_timer(now, events);

    out.clear();
    client.flush(now, out);
    for (auto& p : out) {
      if (faults && chance(5)) continue;  // lost on the way
      to_server.push_back(std::move(p.payload));
    }
    replies.clear();
    while (!to_server.empty()) {
      server.handle(to_server.front(), now, replies);
      to_server.pop_front();
    }
    for (auto& r : replies) {
      if (faults && chance(5)) continue;
      if (faults && chance(10)) to_client.push_back(r);  // duplicated
      to_client.push_back(std::move(r));
    }
    if (faults && to_client.size() > 1 && chance(20)) {
      std::swap(to_client[rng() % to_client.size()], to_client[rng() % to_client.size()]);
    }
    // Some packets stay in flight until the next step, which reorders further.
    std::size_t deliver = to_client.size();
    if (faults && chance(30)) {
      deliver = 0;
    } else if (faults && deliver > 1) {
      deliver = 1 + rng() % deliver;
    }
    const bool had_traffic = !out.empty() || deliver > 0;
    for (std::size_t i = 0; i < deliver; ++i) {
      client.on_packet(to_client.front(), now, events);
      to_client.pop_front();
    }
    outcomes.take(events);

    if (faults && chance(3)) {
      client.on_disconnect();
      to_server.clear();
      // Like Telegram, the server sends unacknowledged answers again on the next connection: some
      // answers to transmissions the client is about to repeat still arrive.
      std::erase_if(to_client, [&](const Bytes&) { return chance(50); });
    }
    if (faults && chance(3)) server.rotate_salt(static_cast<std::int64_t>(rng()));

    if (issued_count == kTotal && outcomes.count.size() + cancelled.size() == issued.size()) break;
    // Faults are over: answers lost without a disconnect come back after one (the server resends
    // nothing by itself), as a real driver reconnects after missed keep-alives.
    idle_steps = had_traffic ? 0 : idle_steps + 1;
    if (!faults && idle_steps > 3) client.on_disconnect();
  }

  for (const RequestId id : issued) {
    const int n = outcomes.count.count(id.value) ? outcomes.count[id.value] : 0;
    const bool was_cancelled = cancelled.count(id.value) > 0;
    if (n + (was_cancelled ? 1 : 0) != 1) {
      CAPTURE(id.value);
      CAPTURE(n);
      CAPTURE(was_cancelled);
      FAIL_CHECK("request without exactly one outcome");
    }
  }
  const auto c = client.counters();
  CHECK(c.queued == 0);
  CHECK(c.in_flight == 0);
  CHECK(outcomes.results > 0);
  CHECK(outcomes.errors > 0);
  CHECK(outcomes.failures > 0);
  CHECK(c.resends > 0);
  CHECK(c.dropped_duplicate > 0);
  CHECK(c.ignored_answers > 0);
  CHECK(!cancelled.empty());
  CHECK(server.bad_salts_sent() > 0);
  MESSAGE("seed " << seed << ": " << outcomes.results << " results, " << outcomes.errors << " errors, "
                  << outcomes.failures << " failed, " << cancelled.size() << " cancelled, " << c.resends
                  << " resends, " << server.bad_salts_sent() << " bad salts, " << c.dropped_duplicate
                  << " duplicates dropped, " << c.ignored_answers << " answers ignored");
}

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

TEST_CASE(
    "every request gets exactly one outcome under random drops, duplicates, reorderings, salt changes and "
    "disconnects") {
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) run_fault_schedule(seed);
}

// Not part of the suite (run with --no-skip -tc="*CPU per request*"): 1,000,000 small requests
// with 1,000 in flight, through send -> flush -> EchoServer -> on_packet, timing the client's calls
// and the server's separately on the thread CPU clock.
TEST_CASE("benchmark: client CPU per request through send, flush, server answer and on_packet" *
          doctest::skip()) {
  constexpr std::uint32_t kRequests = 1'000'000;
  constexpr std::uint32_t kInFlight = 1000;
  ClientSessionOptions options;
  const crypto::AuthKey key = test_auth_key();
  ClientSession client(key, kSalt, 0, options, [](MutableByteSpan b) { crypto::random_fill(b); });
  EchoServer server(key, kSalt);
  std::vector<ClientEvent> events;
  std::vector<OutgoingPacket> out;
  std::vector<Bytes> replies;
  std::vector<Bytes> queries;
  std::uint32_t sent = 0, done = 0;
  std::int64_t client_ns = 0, server_ns = 0;
  const auto wall_start = std::chrono::steady_clock::now();
  while (done < kRequests) {
    const UnixNanos now = at(0) + (std::chrono::steady_clock::now() - wall_start);
    queries.clear();
    const std::uint32_t room = std::min(kInFlight - (sent - done), kRequests - sent);
    for (std::uint32_t i = 0; i < room; ++i) queries.push_back(test_query(sent + i));  // the app's work
    std::int64_t t0 = thread_cpu_ns();
    for (auto& q : queries) client.send(std::move(q));
    sent += room;
    out.clear();
    client.flush(now, out);
    std::int64_t t1 = thread_cpu_ns();
    client_ns += t1 - t0;
    replies.clear();
    for (const auto& p : out) server.handle(p.payload, now, replies);
    std::int64_t t2 = thread_cpu_ns();
    server_ns += t2 - t1;
    for (const auto& r : replies) client.on_packet(r, now, events);
    for (const auto& e : events) done += std::holds_alternative<client_event::Result>(e) ? 1 : 0;
    events.clear();
    client_ns += thread_cpu_ns() - t2;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const auto c = client.counters();
  MESSAGE("client CPU " << static_cast<double>(client_ns) / kRequests
                        << " ns/request, server (test EchoServer) "
                        << static_cast<double>(server_ns) / kRequests << " ns/request, wall " << wall
                        << " s for both in one thread (" << kRequests / wall << " requests/s), containers "
                        << c.containers_sent << " with "
                        << static_cast<double>(c.container_messages) / static_cast<double>(c.containers_sent)
                        << " messages on average, " << c.bytes_sent / c.packets_sent << " bytes per packet");
  CHECK(done == kRequests);
}
