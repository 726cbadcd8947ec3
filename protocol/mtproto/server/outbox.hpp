#pragma once
// The messages a session has queued for the client, and how they become packets (facts §3.5, §3.6,
// §3.11): msg_id and seq_no are assigned together when a message is packed, so ids increase in
// sending order and seq_no follows them; messages sent together share a container (at most
// container_max_messages items and container_max_bytes), whose msg_id is greater than its items'
// and whose even seq_no is not below theirs.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/message_cipher.hpp"
#include "protocol/mtproto/envelope.hpp"
#include "protocol/mtproto/message_id.hpp"
#include "protocol/mtproto/server/counters.hpp"

namespace tgd::mtproto::server {

struct OutgoingMessage {
  enum class Role : std::uint8_t {
    kService,  // everything but answers and updates: notifications, pong, acks, ...
    kAnswer,   // the first copy of an rpc_result: the session keeps it once sent
    kReplay,   // another copy of a kept (or duplicated) rpc_result
    kPush,     // an update (Dispatcher::push): kept once sent until the client acknowledges it
  };
  Bytes body;
  std::uint64_t req_msg_id = 0;  // kAnswer, kReplay: the request answered
  bool content_related = false;  // odd seq_no, the client acknowledges it (facts §3.6)
  MsgIdKind kind = MsgIdKind::ServerResponse;
  Role role = Role::kService;
  // Sent as a packet of its own, never in a container: bad_msg_notification and bad_server_salt.
  // Clients process those even when their clock looks wrong, but only at top level (Telethon's
  // decrypt_message_data exempts just these two outer objects from its time check).
  bool standalone = false;
};

// What sealing a packet of this session needs.
struct Sealer {
  const crypto::AuthKey& key;
  crypto::MessageCipher& cipher;
  const RandomSource& random;
  Bytes& scratch;
  std::int64_t salt = 0;
  std::int64_t session_id = 0;
};

class Outbox {
 public:
  struct Sent {
    std::uint64_t msg_id = 0;
    OutgoingMessage message;
  };

  Outbox(std::size_t container_max_messages, std::size_t container_max_bytes)
      : max_messages_(container_max_messages < 2 ? 2 : container_max_messages),
        max_bytes_(container_max_bytes) {}

  void push(OutgoingMessage m) { queue_.push_back(std::move(m)); }
  bool empty() const { return queue_.empty(); }
  std::size_t size() const { return queue_.size(); }
  // Takes the queued first copy of the answer to req_msg_id out again (rpc_drop_answer).
  std::optional<OutgoingMessage> take_answer(std::uint64_t req_msg_id);

  // An id and seq_no that were never sent, to describe a dropped answer (rpc_answer_dropped).
  std::uint64_t unused_msg_id(UnixNanos now) { return clock_.next(now, MsgIdKind::ServerResponse); }
  std::uint32_t next_content_seq_no() const { return 2 * content_messages_ + 1; }

  // Packs, numbers and seals everything queued, appending packets; each message goes to `sent`
  // with its msg_id, in order. Leaves the queue empty.
  void flush(const Sealer& sealer, UnixNanos now, std::vector<Bytes>& packets, std::vector<Sent>& sent,
             Counters& counters);

 private:
  std::uint32_t take_seq_no(bool content_related) {
    return content_related ? 2 * content_messages_++ + 1 : 2 * content_messages_;
  }
  // Index one past the last message that shares a packet with queue_[first].
  std::size_t packet_end(std::size_t first) const;

  std::vector<OutgoingMessage> queue_;
  MsgIdClock clock_;
  std::uint32_t content_messages_ = 0;  // n of facts §3.6, for this session's server side
  std::size_t max_messages_;
  std::size_t max_bytes_;
};

}  // namespace tgd::mtproto::server
