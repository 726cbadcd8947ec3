#include "protocol/mtproto/client/request_table.hpp"

#include <utility>

namespace tgd::mtproto::client_detail {
namespace {
constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << RequestTable::kSlotBits) - 1;
}  // namespace

RequestId RequestTable::add(Bytes query, const SendOptions& options) {
  std::size_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() > kSlotMask) return RequestId{};
    slot = slots_.size();
    slots_.emplace_back();
  }
  Request& r = slots_[slot];
  r.query = std::move(query);
  r.sequence = next_sequence_++;
  r.msg_id = 0;
  r.last_msg_id = 0;
  r.container_id = 0;
  r.after = options.after;
  r.deadline = options.deadline;
  r.state = RequestState::Queued;
  r.content_related = options.content_related;
  r.compressible = options.compressible;
  r.quick_ack = options.quick_ack;
  r.acked = false;
  r.has_dependents = options.may_be_awaited;
  ++queued_;
  const RequestId id = id_of(slot);
  fresh_queue_.push_back(id);
  return id;
}

Request* RequestTable::find(RequestId id) {
  const std::uint64_t slot = id.value & kSlotMask;
  if (slot >= slots_.size()) return nullptr;
  Request& r = slots_[slot];
  if (r.state == RequestState::Free || r.sequence != id.value >> kSlotBits) return nullptr;
  return &r;
}

const Request* RequestTable::find(RequestId id) const { return const_cast<RequestTable*>(this)->find(id); }

void RequestTable::mark_sent(Request& r, std::uint64_t msg_id, UnixNanos now) {
  if (r.state == RequestState::Queued) {
    --queued_;
    ++in_flight_;
  }
  r.state = RequestState::Sent;
  r.msg_id = msg_id;
  r.last_msg_id = msg_id;
  r.container_id = 0;
  r.sent_at = now;
  r.acked = false;
}

void RequestTable::requeue(RequestId id, Request& r) {
  if (r.state != RequestState::Sent) return;
  --in_flight_;
  ++queued_;
  r.state = RequestState::Queued;
  r.msg_id = 0;
  r.container_id = 0;
  r.acked = false;
  resend_queue_.push_back(id);
}

void RequestTable::release(Request& r) {
  if (r.state == RequestState::Queued) --queued_;
  if (r.state == RequestState::Sent) --in_flight_;
  r.state = RequestState::Free;
  r.query = Bytes{};
  r.deadline.reset();
  free_.push_back(static_cast<std::uint32_t>(&r - slots_.data()));
}

}  // namespace tgd::mtproto::client_detail
