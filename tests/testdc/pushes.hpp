#pragma once
// Pushed updates: which sessions of an account get them, and the faults tests inject into them.
//
// Subscription (Telegram's rule of thumb): a session gets the account's updates once it has made a
// call on an authorized key, and stops getting them when its key is logged in as someone else or
// the session is gone. A session that wrapped any query in invokeWithoutUpdates never gets pushes
// (Telegram applies the wrapper to the connection; tgd gives such connections their own session).
// Sans-IO: each push leaves through the sink (tests/testdc routes it to the DC's Dispatcher; the
// API tests record it).
#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "protocol/base/bytes.hpp"

namespace tgd::testdc {

// One MTProto session of the test DC: (DC, auth key, session_id).
struct SessionRef {
  int dc = 0;
  std::uint64_t auth_key_id = 0;
  std::int64_t session_id = 0;
  friend auto operator<=>(const SessionRef&, const SessionRef&) = default;
};

// Deliberate misbehaviour of one account's pushes (in the style of mtproto/server/faults.hpp): each
// counter applies to the next N pushes to the account, whichever of its sessions they go to. The
// account's state (pts, seq) advances as usual, so a client sees the gap, duplicate or disorder.
struct PushFaults {
  // Not sent at all.
  std::uint32_t drop = 0;
  // Sent twice (two messages with their own msg_ids): the pts/seq rules must drop the copy.
  std::uint32_t duplicate = 0;
  // Held back and sent right after the next push to the account (or by release_held).
  std::uint32_t reorder = 0;
  // Sent `delay` later; pushes after it are not held up, so they overtake it.
  std::uint32_t delay_count = 0;
  std::chrono::milliseconds delay{0};
};

struct PushStats {
  std::uint64_t pushes = 0;        // Updates objects handed to sessions (each copy counts)
  std::uint64_t updates = 0;       // Update objects inside them (a short form counts 1)
  std::uint64_t dropped = 0;       // account pushes dropped by PushFaults::drop
  std::uint64_t duplicated = 0;    // account pushes sent twice
  std::uint64_t reordered = 0;     // account pushes held and sent after the next one
  std::uint64_t delayed = 0;       // account pushes sent late
  std::uint64_t too_long = 0;      // updatesTooLong handed to sessions
  std::uint64_t unsubscribed = 0;  // sessions forgotten (gone, or their key logged out)
};

// Hands `updates` (a TL Updates object) to the session, `delay` from now. False if the session is
// gone: it is unsubscribed.
using PushSink = std::function<bool(const SessionRef&, ByteSpan updates, std::chrono::milliseconds delay)>;
// Whether the session's key is still logged in as the user.
using PushValidator = std::function<bool(std::int64_t user, const SessionRef&)>;

class Pushes {
 public:
  void set_sink(PushSink sink) { sink_ = std::move(sink); }
  void set_validator(PushValidator validator) { validator_ = std::move(validator); }

  // A call on an authorized key (cheap when already subscribed: it runs on every call).
  void subscribe(std::int64_t user, const SessionRef& session);
  // invokeWithoutUpdates seen on the session: no pushes from now on.
  void opt_out(const SessionRef& session);
  bool opted_out(const SessionRef& session) const { return opted_out_.count(session) > 0; }
  std::vector<SessionRef> sessions(std::int64_t user) const;

  // Sends `updates` to every subscribed session of `user` except `except` (the caller's, which
  // gets the same content as its answer), through the account's faults. `update_count`: the Update
  // objects in it, for the stats.
  void deliver(std::int64_t user, const Bytes& updates, std::size_t update_count,
               const std::optional<SessionRef>& except = std::nullopt);
  // updatesTooLong#e317af7e to every subscribed session of `user`, bypassing the faults.
  void too_long(std::int64_t user);

  PushFaults& faults(std::int64_t user) { return boxes_[user].faults; }
  // Sends the pushes PushFaults::reorder is holding for `user` now.
  void release_held(std::int64_t user);
  void clear_faults();
  const PushStats& stats() const { return stats_; }

 private:
  struct Held {
    Bytes bytes;
    std::size_t update_count = 0;
    std::optional<SessionRef> except;
  };
  struct Box {
    std::vector<SessionRef> sessions;
    PushFaults faults;
    std::vector<Held> held;
  };
  void send(std::int64_t user, Box& box, const Bytes& bytes, std::size_t update_count,
            const std::optional<SessionRef>& except, std::chrono::milliseconds delay);

  PushSink sink_;
  PushValidator validator_;
  std::unordered_map<std::int64_t, Box> boxes_;
  std::set<SessionRef> opted_out_;
  PushStats stats_;
};

}  // namespace tgd::testdc
