#pragma once
// The updates a session pushed (Dispatcher::push) and the client has not acknowledged yet, by the
// msg_id they went out with. Like answers (request_log.hpp) they are content-related, so the
// server keeps them until acknowledged and sends them again when the client comes back on a new
// connection (facts §3.12) or asks with msg_resend_req. Bounded by count and bytes, oldest out
// first. msg_ids grow in sending order, so the log is a deque sorted by msg_id: appending, binary
// search for acks, and popping from the front need no allocation per push beyond the deque's
// blocks.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "protocol/base/bytes.hpp"

namespace tgd::mtproto::server {

class PushLog {
 public:
  PushLog(std::size_t max_pushes, std::size_t max_bytes);

  // A push went out as msg_id (greater than every msg_id logged before).
  void on_sent(std::uint64_t msg_id, Bytes body);
  // msgs_ack from the client: the push is forgotten. False if not a kept push.
  bool on_client_ack(std::uint64_t msg_id);
  // The kept push's body, or nullptr.
  const Bytes* find(std::uint64_t msg_id) const;
  // Takes the push out to send it again (under a new msg_id, logged again by on_sent).
  std::optional<Bytes> take(std::uint64_t msg_id);

  // Unacknowledged pushes, oldest first: f(msg_id, const Bytes& body).
  template <typename F>
  void for_each(F&& f) const {
    for (const Entry& e : entries_) {
      if (!e.body.empty()) f(e.msg_id, e.body);
    }
  }

  std::size_t size() const { return live_; }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    std::uint64_t msg_id;
    Bytes body;  // empty once acknowledged or taken (a push is never empty)
  };
  static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);
  std::size_t locate(std::uint64_t msg_id) const;  // index of the kept push, or kNotFound
  void forget(Entry& e);
  void trim();

  std::deque<Entry> entries_;
  std::size_t live_ = 0;
  std::size_t bytes_ = 0;
  std::size_t max_pushes_;
  std::size_t max_bytes_;
};

}  // namespace tgd::mtproto::server
