#include "protocol/mtproto/server/salt_schedule.hpp"

#include <algorithm>
#include <chrono>

namespace tgd::mtproto::server {
namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// SplitMix64's finaliser: a cheap bijective mixer. Salts only have to be unpredictable enough that a
// client cannot guess them without asking; they are not secrets (facts §3.12).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

SaltSchedule::SaltSchedule(std::uint64_t seed) : seed_(seed) {}

std::int64_t SaltSchedule::slot_of(std::int64_t unix_seconds) const {
  return floor_div(unix_seconds - epoch_, kPeriodSeconds);
}

std::int64_t SaltSchedule::salt_of(std::int64_t slot) const {
  const auto salt = static_cast<std::int64_t>(mix(seed_ ^ mix(static_cast<std::uint64_t>(slot))));
  return salt == 0 ? 1 : salt;  // 0 is what a client that ignored the handshake sends
}

std::int64_t SaltSchedule::current(UnixNanos now) const {
  return salt_of(std::max(slot_of(unix_seconds(now)), first_slot_));
}

std::vector<FutureSalt> SaltSchedule::future_salts(UnixNanos now, int n) const {
  n = std::clamp(n, 1, kMaxFutureSalts);
  const std::int64_t first = std::max(slot_of(unix_seconds(now)), first_slot_);
  std::vector<FutureSalt> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::int64_t slot = first; slot < first + n; ++slot) {
    const std::int64_t since = slot_start(slot);
    out.push_back({static_cast<std::int32_t>(since), static_cast<std::int32_t>(since + kLifetimeSeconds),
                   salt_of(slot)});
  }
  return out;
}

bool SaltSchedule::is_valid(std::int64_t salt, UnixNanos now) const {
  if (salt == 0) return false;
  const std::int64_t t = unix_seconds(now);
  const std::int64_t slot = slot_of(t);
  // The previous slot's salt is still inside its hour: it started one period before this one.
  for (std::int64_t s = slot - 1; s <= slot; ++s) {
    if (s >= first_slot_ && salt_of(s) == salt) return true;
  }
  const std::int64_t next = slot + 1;
  return next >= first_slot_ && t >= slot_start(next) - kEarlySeconds && salt_of(next) == salt;
}

void SaltSchedule::rotate(UnixNanos now) {
  seed_ = mix(seed_ + 1);
  epoch_ = unix_seconds(now);
  first_slot_ = 0;
}

}  // namespace tgd::mtproto::server
