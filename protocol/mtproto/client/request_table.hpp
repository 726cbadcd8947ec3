#pragma once
// The requests of a client session: a slab of slots reused through a free list (no allocation
// per request beyond the caller's query bytes), and the queues of requests waiting for a flush.
//
// A RequestId is (sequence << 24 | slot). The sequence grows with every send(), so ids order by
// creation, and a stale id (its slot since reused or freed) never matches the slot's current
// sequence: lookups of answered, cancelled or timed-out requests simply find nothing, which is
// what makes every outcome happen at most once.
#include <cstdint>
#include <optional>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/mtproto/client/request_id.hpp"
#include "protocol/mtproto/client/session_options.hpp"
#include "protocol/mtproto/message_id.hpp"

namespace tgd::mtproto::client_detail {

enum class RequestState : std::uint8_t {
  Free,    // no request in this slot
  Queued,  // waiting for a flush (never sent, or to be resent)
  Sent,    // its current transmission is msg_id; waiting for the answer
};

struct Request {
  Bytes query;
  std::uint64_t sequence = 0;
  std::uint64_t msg_id = 0;        // current transmission (Sent only)
  std::uint64_t container_id = 0;  // the container of the current transmission, 0 if it went alone
  RequestId after;
  // The msg_id of the last transmission, kept when the request goes back to the queue: a request
  // chained after this one still names it once this one has its outcome (ClientSession::finish).
  std::uint64_t last_msg_id = 0;
  UnixNanos sent_at{};
  std::optional<UnixNanos> deadline;
  RequestState state = RequestState::Free;
  bool content_related = true;
  bool quick_ack = false;
  bool compressible = true;
  bool acked = false;           // the server acknowledged the current transmission
  bool has_dependents = false;  // SendOptions::may_be_awaited, or a later request runs after it
};

class RequestTable {
 public:
  static constexpr unsigned kSlotBits = 24;

  // A queued request; RequestId{} when 2^24 requests are live already.
  RequestId add(Bytes query, const SendOptions& options);
  // The live (queued or sent) request with this id, else nullptr.
  Request* find(RequestId id);
  const Request* find(RequestId id) const;

  void mark_sent(Request& r, std::uint64_t msg_id, UnixNanos now);
  // Sent -> Queued in the resend queue; the caller remembers the old msg_id if it wants to.
  void requeue(RequestId id, Request& r);
  // Frees the slot; any later lookup of id finds nothing.
  void release(Request& r);

  // Requests to send at the next flush: resends (sent before) first, then new ones. Entries whose
  // request has been released or sent meanwhile are skipped by the flush.
  std::vector<RequestId>& resend_queue() { return resend_queue_; }
  std::vector<RequestId>& fresh_queue() { return fresh_queue_; }
  bool has_queued() const { return queued_ > 0; }

  std::size_t queued() const { return queued_; }
  std::size_t in_flight() const { return in_flight_; }
  std::size_t live() const { return queued_ + in_flight_; }

  // Calls f(RequestId, Request&) for every live request.
  template <class F>
  void for_each_live(F&& f) {
    for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
      Request& r = slots_[slot];
      if (r.state != RequestState::Free) f(id_of(slot), r);
    }
  }

 private:
  RequestId id_of(std::size_t slot) const { return RequestId{slots_[slot].sequence << kSlotBits | slot}; }

  std::vector<Request> slots_;
  std::vector<std::uint32_t> free_;
  std::vector<RequestId> resend_queue_;
  std::vector<RequestId> fresh_queue_;
  std::uint64_t next_sequence_ = 1;
  std::size_t queued_ = 0;
  std::size_t in_flight_ = 0;
};

}  // namespace tgd::mtproto::client_detail
