#pragma once
// Per-DC counters, for tests and later metrics. Plain integers: the layer is single-threaded.
#include <array>
#include <cstdint>

#include "protocol/mtproto/server/events.hpp"

namespace tgd::mtproto::server {

inline constexpr int kMaxBadMsgCode = 64;  // the highest bad_msg_notification error_code (facts §3.9)

struct Counters {
  // Traffic, counted at the packet boundary.
  std::uint64_t packets_in = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t bytes_out = 0;
  // Messages: accepted client messages (container items count, containers do not) and server
  // messages sent (likewise).
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t containers_in = 0;
  std::uint64_t containers_out = 0;
  std::uint64_t gzip_in = 0;
  std::uint64_t gzip_out = 0;
  // Requests and answers.
  std::uint64_t queries = 0;
  std::uint64_t answers = 0;       // rpc_results queued by answer() / answer_error()
  std::uint64_t rpc_errors = 0;    // of which answer_error()
  std::uint64_t late_answers = 0;  // answer() for a request that is not running (dropped, unknown, answered)
  std::uint64_t pushes = 0;
  std::uint64_t pushes_resent = 0;        // unacknowledged updates sent again (reconnects, msg_resend_req)
  std::uint64_t duplicates_replayed = 0;  // duplicate request msg_id answered from memory (Appendix B.7)
  std::uint64_t duplicates_ignored =
      0;                             // duplicates with nothing to replay (still running, or not a request)
  std::uint64_t answers_resent = 0;  // msg_resend_req, reconnects and Faults::duplicate_answers
  std::uint64_t detailed_infos = 0;  // msg_detailed_info / msg_new_detailed_info sent instead
  // Acknowledgements.
  std::uint64_t acks_in = 0;        // msgs_ack messages received
  std::uint64_t acked_ids_in = 0;   // ids in them
  std::uint64_t odd_seq_acks = 0;   // msgs_ack with an odd seq_no: tolerated (Appendix B.2)
  std::uint64_t acked_ids_out = 0;  // ids in the msgs_acks we sent
  // Service messages.
  std::uint64_t pings = 0;
  std::uint64_t http_waits = 0;
  // Sessions and keys.
  std::uint64_t sessions_created = 0;
  std::uint64_t sessions_destroyed = 0;  // destroy_session
  std::uint64_t sessions_evicted = 0;    // max_sessions_per_key reached: least recently active out
  std::uint64_t sessions_expired = 0;    // idle for session_idle_timeout
  std::uint64_t unknown_auth_key = 0;
  std::uint64_t auth_keys_destroyed = 0;  // destroy_auth_key accepted
  // Violations: notifications sent, by error_code (48 is bad_server_salt), and silent drops.
  std::array<std::uint64_t, kMaxBadMsgCode + 1> bad_msg{};
  std::array<std::uint64_t, kDropReasonCount> dropped{};

  std::uint64_t violations(int code) const {
    return code >= 0 && code <= kMaxBadMsgCode ? bad_msg[static_cast<std::size_t>(code)] : 0;
  }
  std::uint64_t drops(DropReason reason) const { return dropped[static_cast<std::size_t>(reason)]; }
};

}  // namespace tgd::mtproto::server
