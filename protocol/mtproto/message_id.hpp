#pragma once
// msg_id: roughly the server's unix time * 2^32 (facts §3.5). Client ids are ≡ 0 mod 4; server ids
// ≡ 1 mod 4 for answers and ≡ 3 mod 4 otherwise. Ids are strictly increasing within a session.
#include <chrono>
#include <cstdint>

namespace tgd::mtproto {

// Wall-clock time as nanoseconds since the Unix epoch. Sans-IO code takes it as a parameter so
// tests can run at any time, skewed clocks included.
using UnixNanos = std::chrono::nanoseconds;

UnixNanos system_now();

// Whole unix seconds of t, rounded towards minus infinity.
inline std::int64_t unix_seconds(UnixNanos t) { return std::chrono::floor<std::chrono::seconds>(t).count(); }

// The unix time (seconds) a msg_id stands for.
inline std::int64_t msg_id_seconds(std::uint64_t msg_id) { return static_cast<std::int64_t>(msg_id >> 32); }

enum class MsgIdKind : std::uint8_t {
  Client = 0,          // ≡ 0 mod 4
  ServerResponse = 1,  // ≡ 1 mod 4: answers to a client message
  ServerOther = 3,     // ≡ 3 mod 4: everything else the server sends
};

// Generates strictly increasing msg_ids from a local clock corrected by the server time offset.
class MsgIdClock {
 public:
  // offset: server time minus local time, seconds (from the handshake or time sync).
  explicit MsgIdClock(std::int64_t offset_seconds = 0) : offset_(offset_seconds) {}

  std::uint64_t next(UnixNanos now, MsgIdKind kind = MsgIdKind::Client);

  std::int64_t offset() const { return offset_; }
  // After bad_msg_notification 16/17 (facts §3.8): take the server's time from the msg_id that
  // carried the notification. Moving backwards also resets the monotonic guard, or the clock
  // would keep producing ids from the old, too-high time.
  void resync(std::uint64_t server_msg_id, UnixNanos now);
  // tdlib's rule: raise the offset when a valid server msg_id shows a later time.
  void observe_server_msg_id(std::uint64_t server_msg_id, UnixNanos now);

 private:
  std::int64_t offset_;
  std::uint64_t last_ = 0;
};

}  // namespace tgd::mtproto
