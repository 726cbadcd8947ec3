#pragma once
// State shared by every session of one DC: limits, salts, faults, counters, the clock skew, and the
// per-thread scratch that keeps the packet path free of allocations (one cipher, two plaintext
// buffers). Owned by the Dispatcher; sessions hold a reference. Single-threaded, like the rest.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/message_cipher.hpp"
#include "protocol/crypto/random.hpp"
#include "protocol/mtproto/envelope.hpp"
#include "protocol/mtproto/message_id.hpp"
#include "protocol/mtproto/server/counters.hpp"
#include "protocol/mtproto/server/faults.hpp"
#include "protocol/mtproto/server/salt_schedule.hpp"

namespace tgd::mtproto::server {

struct SessionLimits {
  // Client msg_ids remembered per session for the duplicate, 20 and 32/33 checks. Must exceed the
  // number of messages a client can have re-ordered in flight (tdlib sends up to 1000 per container).
  std::size_t received_window = 4096;
  // Answers remembered per session for duplicate requests, msg_resend_req and reconnects.
  std::size_t kept_answers = 4096;
  std::size_t kept_answer_bytes = 16 << 20;
  // A kept answer or update larger than this is not sent whole again when the client re-sends its
  // request (duplicate msg_id), names the request in msg_resend_req, or comes back on a new
  // connection: msg_detailed_info / msg_new_detailed_info gives its msg_id and size instead, and the
  // client asks for it with msg_resend_req naming that msg_id, which always re-sends it whole
  // (core.telegram.org/mtproto/service_messages_about_messages: "especially if ... the response is
  // large. If the response is small, the server may re-send the answer itself instead").
  std::size_t detailed_info_min_bytes = 16 << 10;
  // Pushed updates kept per session until acknowledged, for reconnects and msg_resend_req.
  std::size_t kept_pushes = 4096;
  std::size_t kept_push_bytes = 16 << 20;
  // Results and updates above this are sent as gzip_packed when that is smaller (facts §3.11:
  // Telethon's threshold).
  std::size_t gzip_min_size = 512;
  // A client's gzip_packed may not inflate beyond this (a gzip bomb is dropped).
  std::size_t max_inflated_size = 16 << 20;
  // Outgoing containers (facts §3.11: at most 1024 messages).
  std::size_t container_max_messages = kMaxContainerMessages;
  std::size_t container_max_bytes = 512 << 10;
  // Sessions per auth key: a new one beyond this evicts the least recently used (the docs: the
  // server may forget sessions, "if the session is inactive for a long time, and the server runs
  // out of memory"; the client then gets new_session_created). tdlib uses a handful per key.
  std::size_t max_sessions_per_key = 64;
  // A session without a client message for this long is forgotten (checked every quarter of it).
  std::chrono::seconds session_idle_timeout{1800};
  // facts §3.12: the server re-sends unacknowledged answers and updates when the client comes back
  // on a new connection.
  bool resend_unacked_on_new_connection = true;
};

struct DcOptions {
  SessionLimits limits;
  // Fixed seed for reproducible salts; random when empty.
  std::optional<std::uint64_t> salt_seed;
  // Padding, new_session_created.unique_id and the salt seed; empty means the secure generator
  // (crypto::pooled_random: one RAND_bytes per 4 KiB, not per answer).
  RandomSource random;
};

struct DcContext {
  explicit DcContext(DcOptions options)
      : limits(options.limits),
        random(options.random ? std::move(options.random) : crypto::pooled_random()),
        salts(options.salt_seed ? *options.salt_seed : random_u64()) {}

  // The server's clock: the caller's time plus the injected skew.
  UnixNanos server_time(UnixNanos now) const { return now + clock_skew; }
  std::uint64_t random_u64() {
    std::uint64_t v = 0;
    random(MutableByteSpan(reinterpret_cast<std::uint8_t*>(&v), sizeof v));
    return v;
  }

  SessionLimits limits;
  RandomSource random;
  SaltSchedule salts;
  Faults faults;
  Counters counters;
  std::chrono::nanoseconds clock_skew{0};
  crypto::MessageCipher cipher;
  Bytes rx_plaintext;  // the packet being processed (message bodies are views into it)
  Bytes tx_plaintext;  // the packet being sealed
};

}  // namespace tgd::mtproto::server
