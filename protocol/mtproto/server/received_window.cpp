#include "protocol/mtproto/server/received_window.hpp"

#include <algorithm>

namespace tgd::mtproto::server {

std::deque<ReceivedWindow::Entry>::const_iterator ReceivedWindow::lower_bound(std::uint64_t msg_id) const {
  return std::lower_bound(entries_.begin(), entries_.end(), msg_id,
                          [](const Entry& e, std::uint64_t id) { return e.msg_id < id; });
}

ReceivedWindow::Verdict ReceivedWindow::check(std::uint64_t msg_id, std::uint32_t seq_no) const {
  if (entries_.empty()) return Verdict::kNew;
  // Fast path: clients send increasing ids, so almost every message lands after the last one.
  if (msg_id > entries_.back().msg_id)
    return too_low(entries_.back(), seq_no) ? Verdict::kSeqNoTooLow : Verdict::kNew;
  if (entries_.size() == capacity_ && msg_id < entries_.front().msg_id) return Verdict::kTooOld;
  const auto it = lower_bound(msg_id);
  if (it->msg_id == msg_id) return Verdict::kDuplicate;  // it != end: msg_id <= back
  if (it != entries_.begin() && too_low(*std::prev(it), seq_no)) return Verdict::kSeqNoTooLow;
  if (too_high(*it, seq_no)) return Verdict::kSeqNoTooHigh;
  return Verdict::kNew;
}

void ReceivedWindow::insert(std::uint64_t msg_id, std::uint32_t seq_no) {
  if (entries_.empty() || msg_id > entries_.back().msg_id) {
    entries_.push_back({msg_id, seq_no});
  } else {
    entries_.insert(lower_bound(msg_id), {msg_id, seq_no});
  }
  if (entries_.size() > capacity_) entries_.pop_front();
}

ReceivedWindow::Location ReceivedWindow::locate(std::uint64_t msg_id) const {
  if (entries_.empty() || msg_id > entries_.back().msg_id) return {Position::kAbove};
  const auto it = lower_bound(msg_id);
  if (it->msg_id == msg_id) return {Position::kReceived, it->seq_no};
  // Below the lowest id kept: unknown once older ids may have been dropped.
  if (it == entries_.begin() && entries_.size() == capacity_) return {Position::kBelow};
  return {Position::kInRange};
}

}  // namespace tgd::mtproto::server
