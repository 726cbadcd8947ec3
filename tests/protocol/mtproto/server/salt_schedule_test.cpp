#include "protocol/mtproto/server/salt_schedule.hpp"

#include <doctest/doctest.h>

using namespace tgd::mtproto;
using namespace tgd::mtproto::server;
using namespace std::chrono_literals;

namespace {
const UnixNanos kSlotStart = std::chrono::seconds(1800 * 944444);  // a 30-minute boundary
}

TEST_CASE("salts change every 30 minutes and the previous one is accepted 1800 s more") {
  const SaltSchedule s(42);
  const std::int64_t first = s.current(kSlotStart + 10s);
  CHECK(s.current(kSlotStart + 1799s) == first);
  const std::int64_t second = s.current(kSlotStart + 1800s);
  CHECK(second != first);
  CHECK(s.is_valid(first, kSlotStart + 1800s));
  CHECK(s.is_valid(first, kSlotStart + 3599s));
  CHECK_FALSE(s.is_valid(first, kSlotStart + 3600s));
  CHECK(s.is_valid(second, kSlotStart + 3600s));
  CHECK_FALSE(s.is_valid(0, kSlotStart));
  CHECK_FALSE(s.is_valid(first ^ 1, kSlotStart));
}

TEST_CASE("the next salt is accepted 30 s early, not earlier") {
  const SaltSchedule s(42);
  const std::int64_t next = s.current(kSlotStart + 1800s);
  CHECK_FALSE(s.is_valid(next, kSlotStart + 1769s));
  CHECK(s.is_valid(next, kSlotStart + 1770s));
}

TEST_CASE("future_salts lists consecutive windows starting with the current salt") {
  const SaltSchedule s(7);
  const auto salts = s.future_salts(kSlotStart + 100s, 3);
  REQUIRE(salts.size() == 3);
  CHECK(salts[0].salt == s.current(kSlotStart + 100s));
  CHECK(salts[0].valid_since == 1800 * 944444);
  for (std::size_t i = 0; i < salts.size(); ++i) {
    CHECK(salts[i].valid_until - salts[i].valid_since == 3600);
    CHECK(salts[i].salt == s.current(kSlotStart + std::chrono::seconds(1800 * i)));
    CHECK(s.is_valid(salts[i].salt, std::chrono::seconds(salts[i].valid_since)));
  }
  CHECK(s.future_salts(kSlotStart, 0).size() == 1);
  CHECK(s.future_salts(kSlotStart, 65).size() == 64);
}

TEST_CASE("rotate: a new salt starts now and every earlier salt is refused") {
  SaltSchedule s(42);
  const UnixNanos now = kSlotStart + 600s;
  const std::int64_t before = s.current(now);
  const std::int64_t previous = s.current(now - 1800s);
  s.rotate(now);
  const std::int64_t after = s.current(now);
  CHECK(after != before);
  CHECK(s.is_valid(after, now));
  CHECK_FALSE(s.is_valid(before, now));
  CHECK_FALSE(s.is_valid(previous, now));
  const auto salts = s.future_salts(now, 2);
  CHECK(salts[0].valid_since == 1800 * 944444 + 600);
  CHECK(s.is_valid(after, now + 3599s));
  CHECK_FALSE(s.is_valid(after, now + 3600s));
}

TEST_CASE("different seeds give different salts") {
  CHECK(SaltSchedule(1).current(kSlotStart) != SaltSchedule(2).current(kSlotStart));
}
