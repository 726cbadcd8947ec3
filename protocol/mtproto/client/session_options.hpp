#pragma once
// Tuning knobs of the client session (ClientSessionOptions) and of one request (SendOptions).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "protocol/mtproto/client/request_id.hpp"
#include "protocol/mtproto/message_id.hpp"

namespace tgd::mtproto {

struct ClientSessionOptions {
  // Container limits (facts §3.11): the doc allows 1024 messages, tdlib sends at most 1000; the byte
  // limit is Telethon's (the server closes the connection above it). One packet per container.
  std::size_t max_container_messages = 1000;
  std::size_t max_container_bytes = 1044448;
  // Bodies larger than this go out as gzip_packed when that makes them smaller (Telethon's rule,
  // facts §3.11). 0 disables compression.
  std::size_t gzip_threshold = 512;
  // Query bytes serialised (and so encrypted) per flush, at least one query: the rest waits for the
  // next flush. Every byte costs AES-IGE and SHA-256 on the caller's thread, so a flush of eight
  // 512 KiB file parts would hold an event loop for ~8 ms; 0 = no bound.
  std::size_t max_flush_bytes = 1 << 20;
  // Largest inflated gzip_packed payload accepted from the server.
  std::size_t max_gzip_unpacked = 16 * 1024 * 1024;
  // Up to this many extra random padding bytes per packet, so that lengths leak less (tdlib adds
  // up to 255). 0 = the minimal 12..27 bytes.
  std::size_t max_extra_padding = 0;

  // Acks (facts §3.12): piggy-backed on anything that goes out; a standalone msgs_ack when this
  // many are pending or the oldest has waited ack_delay.
  std::size_t ack_flush_count = 16;
  std::chrono::nanoseconds ack_delay = std::chrono::seconds(2);

  // Keep-alive: ping_delay_disconnect on the first flush of each connection and then every
  // ping_interval; the server closes the connection after ping_disconnect_delay seconds without
  // one (facts §3.10). ping_interval 0 disables it.
  std::chrono::nanoseconds ping_interval = std::chrono::seconds(60);
  std::int32_t ping_disconnect_delay = 75;

  // Future salts (facts §3.12): ask get_future_salts(future_salts_count) when no known salt stays
  // valid for salt_refresh_margin more, at most once per salt_request_interval.
  bool refresh_future_salts = true;
  std::int32_t future_salts_count = 64;
  std::chrono::seconds salt_refresh_margin = std::chrono::minutes(10);
  std::chrono::nanoseconds salt_request_interval = std::chrono::seconds(60);

  // A request neither answered nor acknowledged this long after it was sent is asked about with
  // msgs_state_req; the server's msgs_state_info then says whether to resend it. 0 disables.
  std::chrono::nanoseconds state_check_after = std::chrono::seconds(30);

  // Inbound checks (facts §3.7): remember at least this many server msg_ids for duplicate
  // detection; ids older than every remembered one are refused. The -300 s / +30 s time window
  // can be switched off for clients whose clock is known to be unsynchronised.
  std::size_t received_window = 1000;
  bool check_time_window = true;

  // How long msg_ids of containers, service messages and superseded transmissions stay known, so
  // that bad_msg_notification, acks and late answers about them are still recognised. The server
  // refuses client ids older than 300 s, so nothing older can be in question.
  std::chrono::nanoseconds sent_memory = std::chrono::seconds(300);
};

struct SendOptions {
  // Every API query is content-related (facts §3.6: otherwise bad_msg 35).
  bool content_related = true;
  // Wrap the query in invokeAfterMsg naming the msg_id that request has when this one is
  // serialised (facts §5.1). Once that request has its outcome, its last msg_id is still named
  // (for sent_memory): the server then runs this one, or answers MSG_WAIT_FAILED if that one
  // failed. Ignored in a new session (the server knows no msg_id of the old one).
  RequestId after{};
  // Later requests may name this one in `after` even once it has its outcome: its last msg_id is
  // then kept for sent_memory (only for such requests, so the hot path stores nothing).
  bool may_be_awaited = false;
  // Ask the transport for a quick ack of the packet carrying this request.
  bool quick_ack = false;
  // May go out as gzip_packed (above gzip_threshold). False for what does not compress (file
  // parts): trying costs ~15 ms per 512 KiB on the event loop for nothing.
  bool compressible = true;
  // The request fails with FailReason::Timeout when it has no outcome by then (on_timer).
  std::optional<UnixNanos> deadline;
};

}  // namespace tgd::mtproto
