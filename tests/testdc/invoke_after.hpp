#pragma once
// invokeAfterMsg / invokeAfterMsgs (core.telegram.org/api/invoking, "Sequential Requests"; facts
// §5.1), per MTProto session (auth key + session_id) of one DC, sans-IO (time is passed in):
//
//   - a query wrapped in them runs only once every named msg_id of the same session was processed;
//   - if one of those was answered with an rpc_error (FLOOD_WAIT_X, an injected error,
//     MSG_WAIT_FAILED / MSG_WAIT_TIMEOUT of its own wait…), it is answered 400 MSG_WAIT_FAILED
//     without running;
//   - else it waits, without holding up anything else, until they are processed, at most
//     kWaitLimit (0.5 s: "if the waiting period exceeds 0.5 seconds … MSG_WAIT_TIMEOUT"), then
//     400 MSG_WAIT_TIMEOUT;
//   - a query that waited counts as processed, with its own outcome, when it is answered, so
//     chains of waits resolve one after the other (and fail one after the other).
//
// A msg_id the session never saw (or saw more than kRemembered queries ago) cannot be told apart
// from one still on its way — on another connection of the session, or later in the same
// container — so it is waited for like any other and times out. Memory per session: the outcomes
// of its last kRemembered queries (16 bytes each) and the queries waiting (each at most kWaitLimit).
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "tests/testdc/world.hpp"

namespace tgd::testdc {

class InvokeAfter {
 public:
  using Clock = std::chrono::steady_clock;
  // The outcomes remembered per session: as many as the server's window of received msg_ids
  // (protocol/mtproto/server README), so a request the session can still name is still known.
  static constexpr std::size_t kRemembered = 4096;
  static constexpr std::chrono::milliseconds kWaitLimit{500};

  // The outermost invokeAfterMsg / invokeAfterMsgs of a query's TL bytes ("must always be the
  // outermost wrapper"): the msg_ids it names and the query inside; nullopt when the query is not
  // wrapped in one (or the wrapper does not parse: the codec reports that).
  struct Wrapped {
    std::vector<std::uint64_t> after;
    ByteSpan query;
  };
  static std::optional<Wrapped> unwrap(ByteSpan query);

  enum class Gate : std::uint8_t { kRun, kFail, kWait };
  // What a query of `context`'s session naming `after` may do now.
  Gate gate(const CallContext& context, std::span<const std::uint64_t> after) const;

  // A query that must wait: kept (with a copy of its bytes) until it can run, fail or time out.
  struct Waiter {
    CallContext context;
    std::vector<std::uint64_t> after;
    Bytes query;  // without the invokeAfterMsg(s) wrapper
    Clock::time_point deadline;
  };
  void wait(Waiter waiter);

  // Query `context.msg_id` was answered (ok = not an rpc_error). Waiters of its session that can
  // now run or fail become ready. msg_id 0 (unknown) is not recorded.
  void record(const CallContext& context, bool ok);

  // The next waiter that can run or must fail (check gate() again), in the order they came.
  std::optional<Waiter> take_ready();
  // Waiters whose deadline passed, in the order they came (removed).
  std::vector<Waiter> take_expired(Clock::time_point now);
  // The earliest deadline of a waiter.
  std::optional<Clock::time_point> next_deadline() const;

  // The session (or every session of the key) is gone: its outcomes and waiters go too.
  void forget_session(std::uint64_t auth_key_id, std::int64_t session_id);
  void forget_auth_key(std::uint64_t auth_key_id);

  std::size_t waiting() const;
  std::size_t remembered(const CallContext& context) const;

 private:
  using Key = std::pair<std::uint64_t, std::int64_t>;  // auth key, session_id
  enum class Outcome : std::uint8_t { kUnknown, kOk, kFailed };
  struct Entry {
    std::uint64_t msg_id = 0;
    bool ok = false;
  };
  struct Session {
    std::vector<Entry> ring;  // grows to kRemembered, then the oldest entry is overwritten
    std::size_t next = 0;     // where the next entry goes once the ring is full
    std::deque<Waiter> waiting;
    Outcome outcome(std::uint64_t msg_id) const;
  };
  static Gate gate(const Session& s, std::span<const std::uint64_t> after);

  std::map<Key, Session> sessions_;
  std::set<Key> with_waiters_;  // so deadlines are found without visiting every session
  std::deque<Waiter> ready_;
};

}  // namespace tgd::testdc
