#pragma once
// Counters of one client session, for metrics. Monotonic unless marked as a gauge.
#include <cstdint>
#include <map>

namespace tgd::mtproto {

struct ClientCounters {
  // Gauges.
  std::uint64_t queued = 0;     // requests waiting for a flush (new or to be resent)
  std::uint64_t in_flight = 0;  // requests sent and not answered yet

  // Outbound.
  std::uint64_t packets_sent = 0;
  std::uint64_t bytes_sent = 0;     // encrypted payload bytes
  std::uint64_t messages_sent = 0;  // MTProto messages, container items included, containers not
  std::uint64_t requests_sent = 0;  // transmissions of requests, resends included
  std::uint64_t containers_sent = 0;
  std::uint64_t container_messages = 0;  // items in those containers (fill = this / containers_sent)
  std::uint64_t resends = 0;
  std::uint64_t gzip_packed_sent = 0;
  std::uint64_t acks_sent = 0;  // msg_ids acknowledged

  // Inbound.
  std::uint64_t packets_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t messages_received = 0;  // accepted messages, container items included
  std::uint64_t results = 0;
  std::uint64_t rpc_errors = 0;
  std::map<std::int32_t, std::uint64_t> rpc_errors_by_code;
  std::uint64_t updates = 0;
  std::uint64_t acks_received = 0;
  std::uint64_t quick_acks = 0;  // transport quick acks that matched a packet we asked one for
  std::uint64_t bad_msg_notifications = 0;  // bad_server_salt included
  std::uint64_t bad_server_salts = 0;
  std::uint64_t new_sessions_created = 0;  // by the server
  std::uint64_t sessions_started = 0;      // by us, after the first (start_new_session, 32/33)

  // Outcomes other than answers.
  std::uint64_t timeouts = 0;
  std::uint64_t failed = 0;  // Rejected and MalformedAnswer
  std::uint64_t cancelled = 0;

  // Refused packets and messages (facts §3.7), never acted on.
  std::uint64_t dropped_bad_auth_key_id = 0;
  std::uint64_t dropped_bad_msg_key = 0;
  std::uint64_t dropped_malformed = 0;
  std::uint64_t dropped_bad_session_id = 0;
  std::uint64_t dropped_bad_msg_id = 0;  // even msg_id
  std::uint64_t dropped_duplicate = 0;
  std::uint64_t dropped_too_old = 0;      // below the duplicate window
  std::uint64_t dropped_time_window = 0;  // outside -300 s / +30 s

  // Valid messages that had nothing to act on.
  std::uint64_t ignored_answers = 0;        // for unknown, cancelled or already answered requests
  std::uint64_t ignored_notifications = 0;  // bad_msg about ids we did not send recently
  std::uint64_t ignored_messages = 0;       // unknown non-content-related constructors, stray service answers
};

}  // namespace tgd::mtproto
