// bench_update_engine: how many updates/s the per-session update engine (daemon/updates) ingests,
// for the session's target of >= 50,000 updates/s with journaling (issue #6). The engine alone, on
// one thread, as the Session drives it: feed_updates(), then take_batches() (each batch's updates,
// users, chats and state JSON built), no journal.
//
// Streams, each pre-generated (so only the engine is timed) and fed to a fresh engine per run:
//   - short: updateShortMessage, ~250 bytes each, pts +1 each (expanded to updateNewMessage);
//   - updates10: `updates` containers of 10 updateNewMessage (~300 bytes each) and 2 users;
//   - channels10: `updates` of 10 updateNewChannelMessage spread over 100 tracked channels (each
//     batch's state then lists 100 channel pts).
// Figures: updates/s and µs per update, the median of the runs.
//
//   bench_update_engine [--updates N] [--runs R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "daemon/updates/update_engine.hpp"

using namespace tgd::updates;

namespace {

constexpr std::string_view kText =
    "The quick brown fox jumps over the lazy dog; \\\"quoted\\\" and caf\\u00e9 \xe2\x9c\x93 to look like a "
    "chat line.";

std::string message_json(int id, std::string_view peer) {
  std::string m = R"({"_":"message","id":)" + std::to_string(id) +
                  R"(,"from_id":{"_":"peerUser","user_id":"5550001"},)" + R"("peer_id":)" +
                  std::string(peer) + R"(,"date":1700000000,"message":")" + std::string(kText) +
                  R"(","entities":[{"_":"messageEntityBold","offset":0,"length":9}]})";
  return m;
}

std::vector<std::string> short_stream(int n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (int i = 1; i <= n; ++i) {
    out.push_back(R"({"_":"updateShortMessage","id":)" + std::to_string(i) +
                  R"(,"user_id":"5550001","message":")" + std::string(kText) + R"(","pts":)" +
                  std::to_string(100 + i) + R"(,"pts_count":1,"date":1700000000,)" +
                  R"("entities":[{"_":"messageEntityBold","offset":0,"length":9}]})");
  }
  return out;
}

const std::string kUsers =
    R"([{"_":"user","id":"5550001","access_hash":"1234567890123","first_name":"Alice","username":"alice"},)"
    R"({"_":"user","id":"5550002","access_hash":"9876543210987","first_name":"Bob","username":"bob"}])";

// n updates in containers of 10; `channels` 0: updateNewMessage in the common box, else
// updateNewChannelMessage over that many channels (each channel's pts +1 per message).
std::vector<std::string> container_stream(int n, int channels) {
  std::vector<std::string> out;
  std::vector<int> channel_pts(static_cast<std::size_t>(std::max(channels, 1)), 10);
  int pts = 100;
  for (int i = 0; i < n; i += 10) {
    std::string c = R"({"_":"updates","updates":[)";
    for (int k = 0; k < 10; ++k) {
      const int id = i + k + 1;
      if (k) c += ',';
      if (channels == 0) {
        ++pts;
        c += R"({"_":"updateNewMessage","message":)" +
             message_json(id, R"({"_":"peerUser","user_id":"5550001"})") + R"(,"pts":)" +
             std::to_string(pts) + R"(,"pts_count":1})";
      } else {
        const int ch = id % channels;
        const int p = ++channel_pts[static_cast<std::size_t>(ch)];
        c += R"({"_":"updateNewChannelMessage","message":)" +
             message_json(id, R"({"_":"peerChannel","channel_id":")" + std::to_string(1000000 + ch) + "\"}") +
             R"(,"pts":)" + std::to_string(p) + R"(,"pts_count":1})";
      }
    }
    c += R"(],"users":)" + kUsers + R"(,"chats":[],"date":1700000000,"seq":0})";
    out.push_back(std::move(c));
  }
  return out;
}

// Seconds to feed the whole stream to a fresh engine and take its batches.
double run_once(const std::vector<std::string>& stream, int channels, std::size_t& emitted) {
  UpdateState state;
  state.pts = 100;
  state.date = 1700000000;
  for (int ch = 0; ch < channels; ++ch) state.channels[1000000 + ch] = 10;
  EngineOptions options;
  options.self_user_id = 7;
  TimePoint now = Clock::now();
  UpdateEngine engine(options, state, now);
  (void)engine.next_request(now);
  engine.feed_answer(R"({"_":"updates.differenceEmpty","date":1700000000,"seq":0})", now);
  (void)engine.take_batches();
  emitted = 0;
  const auto start = Clock::now();
  for (const std::string& input : stream) {
    engine.feed_updates(input, now);
    for (Batch& b : engine.take_batches()) {
      emitted += b.updates.size();
      tgd::bench::keep(b);
    }
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void report(const char* name, const std::vector<std::string>& stream, int n, int channels, int runs) {
  std::vector<double> seconds;
  std::size_t emitted = 0;
  std::size_t bytes = 0;
  for (const std::string& s : stream) bytes += s.size();
  for (int r = 0; r < runs; ++r) seconds.push_back(run_once(stream, channels, emitted));
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  if (emitted != static_cast<std::size_t>(n)) {
    std::fprintf(stderr, "%s: emitted %zu of %d updates\n", name, emitted, n);
    std::exit(1);
  }
  std::printf(
      "%-11s %8d updates  %6.0f bytes/update in  %10.0f updates/s  %6.2f us/update  (runs %d, range "
      "%.0f-%.0f/s)\n",
      name, n, static_cast<double>(bytes) / n, n / median, median * 1e6 / n, runs, n / seconds.back(),
      n / seconds.front());
}

}  // namespace

int main(int argc, char** argv) {
  int n = 200000;
  int runs = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--updates") == 0) n = std::atoi(argv[i + 1]) / 10 * 10;
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
  }
  report("short", short_stream(n), n, 0, runs);
  report("updates10", container_stream(n, 0), n, 0, runs);
  report("channels10", container_stream(n, 100), n, 100, runs);
  return 0;
}
