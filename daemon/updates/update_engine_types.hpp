#pragma once
// What the update engine gives its driver (the Session): batches to journal and deliver, the next
// request to make, and its options.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tgd::updates {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct EngineOptions {
  // The session's own user id: from_id of outgoing short messages and of sent messages.
  std::int64_t self_user_id = 0;
  // How long updates after a gap wait for the missing ones before a difference is fetched.
  std::chrono::milliseconds gap_wait{500};
  // No update for this long: getDifference, in case the connection lost some silently.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(15)};
  // A watched channel whose difference came without a timeout is polled again after this.
  std::chrono::milliseconds channel_poll_default{std::chrono::seconds(60)};
  // A request that failed (RequestFailure::Retry) is asked for again after this.
  std::chrono::milliseconds retry_delay{std::chrono::seconds(2)};
  // updates.getDifference's pts_total_limit; 0: not sent (the server's default).
  std::int32_t pts_total_limit = 0;
  // updates.getChannelDifference's limit: 10-100 for users, up to 100000 for bots.
  std::int32_t channel_difference_limit = 100;
};

// What one feed emitted, to be journaled in one transaction with `state`. A batch may hold no
// updates: it then only carries a new state (a pts advanced by affectedMessages, a differenceEmpty).
struct Batch {
  std::vector<std::string> updates;  // full Update objects (tgd's JSON form) and tgd.* markers, in order
  std::string users = "[]";          // JSON array of the User objects that came with them
  std::string chats = "[]";          // JSON array of the Chat objects
  std::string state;                 // the state after the batch (update_state.hpp)
};

enum class RequestKind : std::uint8_t { GetState, GetDifference, GetChannelDifference };

// A call the driver must make for the engine, then answer with UpdateEngine::feed_answer (the
// result as JSON) or feed_failure.
struct Request {
  RequestKind kind = RequestKind::GetState;
  std::string method;  // "updates.getState", "updates.getDifference", "updates.getChannelDifference"
  // The params as JSON. getChannelDifference's lack "channel": the driver resolves channel_id to an
  // InputChannel and adds it (params_with_channel).
  std::string params;
  std::int64_t channel_id = 0;

  std::string params_with_channel(std::string_view input_channel_json) const;
};

enum class RequestFailure : std::uint8_t {
  Retry,    // transient (network, flood wait, timeout, 5xx): asked again after retry_delay
  Refused,  // will fail again (CHANNEL_PRIVATE, CHANNEL_INVALID, PERSISTENT_TIMESTAMP_INVALID, ...)
};

}  // namespace tgd::updates
