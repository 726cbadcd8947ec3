// The promise as a whole: a stream pushed with losses, duplicates and local reordering, with a
// simulated server answering the differences, reaches the output exactly once and in pts order.
#include <random>

#include "engine_harness.hpp"

using namespace tgd::updates;
using namespace tgd::updates::testing;

namespace {

// The server's answer to getDifference from `pts` when it is at `server_pts`: at most 7 messages a
// step, as a slice while more remain.
std::string server_difference(int pts, int server_pts) {
  if (pts >= server_pts) return R"({"_":"updates.differenceEmpty","date":1000,"seq":50})";
  const int end = std::min(server_pts, pts + 7);
  std::vector<int> ids;
  for (int i = pts + 1; i <= end; ++i) ids.push_back(i);
  return difference(ids, end, end < server_pts ? "updates.differenceSlice" : "updates.difference");
}

}  // namespace

TEST_CASE("a lossy duplicated reordered stream is emitted exactly once in pts order") {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    Harness h;
    h.start();
    constexpr int kLast = 400;
    std::vector<int> sent;
    for (int pts = 101; pts <= kLast; ++pts) {
      const unsigned roll = rng() % 100;
      if (roll < 8) continue;  // lost
      sent.push_back(pts);
      if (roll < 16 && sent.size() > 1) std::swap(sent[sent.size() - 1], sent[sent.size() - 2]);  // reordered
      if (roll >= 90) sent.push_back(pts - static_cast<int>(rng() % 5));  // a duplicate, maybe older
    }
    int server_pts = 100;
    for (int pts : sent) {
      server_pts = std::max(server_pts, pts);
      if (pts > 100) h.push(short_message(pts));
      h.advance(std::chrono::milliseconds(rng() % 200));
      while (const auto r = h.request()) h.answer(server_difference(h.engine.state().pts, server_pts));
    }
    server_pts = kLast;
    h.advance(15min);
    while (const auto r = h.request()) h.answer(server_difference(h.engine.state().pts, server_pts));
    const std::vector<long> ids = h.emitted_ids();
    std::vector<long> expected;
    for (int pts = 101; pts <= kLast; ++pts) expected.push_back(pts);
    CHECK_MESSAGE(ids == expected, "seed ", seed);
    CHECK(h.engine.state().pts == kLast);
  }
}
