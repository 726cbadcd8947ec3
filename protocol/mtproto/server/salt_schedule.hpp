#pragma once
// The server salts of one DC (facts §3.12): a new salt every 30 minutes, each accepted for an hour,
// so the previous one keeps working for 1800 s after the next one starts. Salts are derived from a
// seed and the 30-minute slot number, so any slot's salt is computed, never stored.
#include <cstdint>
#include <limits>
#include <vector>

#include "protocol/mtproto/message_id.hpp"

namespace tgd::mtproto::server {

// future_salt#0949d9dc valid_since:int valid_until:int salt:long (facts §3.10).
struct FutureSalt {
  std::int32_t valid_since = 0;
  std::int32_t valid_until = 0;
  std::int64_t salt = 0;
};

class SaltSchedule {
 public:
  static constexpr std::int64_t kPeriodSeconds = 1800;    // a new salt every 30 min
  static constexpr std::int64_t kLifetimeSeconds = 3600;  // each accepted for 1800 s after the next starts
  // The next salt is accepted this early: clients switch salts by their own clock (Appendix B.8),
  // and the server already accepts client clocks up to 30 s ahead (msg_id window, facts §3.5).
  static constexpr std::int64_t kEarlySeconds = 30;
  static constexpr int kMaxFutureSalts = 64;  // get_future_salts num is 1..64 (facts §3.10)

  explicit SaltSchedule(std::uint64_t seed);

  // The salt the server hands out now (new_session_created, bad_server_salt, its own packets).
  std::int64_t current(UnixNanos now) const;
  // The current salt and the n-1 after it (n clamped to 1..64), oldest first.
  std::vector<FutureSalt> future_salts(UnixNanos now, int n) const;
  // Whether a client may use `salt` now: the current salt, the previous one (its extra 1800 s), or
  // the next one within kEarlySeconds of its start. Salt 0 (Telethon's first message, Appendix B.5)
  // is never valid.
  bool is_valid(std::int64_t salt, UnixNanos now) const;

  // Test hook: a new salt starts now and every salt handed out before is refused at once, so the
  // next client message gets bad_server_salt.
  void rotate(UnixNanos now);

 private:
  std::int64_t slot_of(std::int64_t unix_seconds) const;
  std::int64_t slot_start(std::int64_t slot) const { return epoch_ + slot * kPeriodSeconds; }
  std::int64_t salt_of(std::int64_t slot) const;

  std::uint64_t seed_;
  std::int64_t epoch_ = 0;                                              // slot 0 starts here (unix seconds)
  std::int64_t first_slot_ = std::numeric_limits<std::int64_t>::min();  // older slots were rotated out
};

}  // namespace tgd::mtproto::server
