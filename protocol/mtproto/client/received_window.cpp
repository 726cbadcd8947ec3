#include "protocol/mtproto/client/received_window.hpp"

#include <algorithm>

namespace tgd::mtproto::client_detail {

// No reserve: an idle session holds a handful of ids, and 2 × 1000 reserved ids were half of its
// memory (bench_session); the vector grows to its working size once and stays there.
ReceivedWindow::ReceivedWindow(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

ReceivedWindow::Check ReceivedWindow::check(std::uint64_t msg_id) const {
  if (msg_id <= floor_) return Check::TooOld;
  if (ids_.empty() || msg_id > ids_.back()) return Check::New;
  return std::binary_search(ids_.begin(), ids_.end(), msg_id) ? Check::Duplicate : Check::New;
}

void ReceivedWindow::insert(std::uint64_t msg_id) {
  if (ids_.empty() || msg_id > ids_.back()) {
    ids_.push_back(msg_id);
  } else {
    ids_.insert(std::upper_bound(ids_.begin(), ids_.end(), msg_id), msg_id);
  }
  if (ids_.size() >= 2 * capacity_) {
    floor_ = ids_[capacity_ - 1];
    ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(capacity_));
  }
}

bool ReceivedWindow::contains(std::uint64_t msg_id) const {
  return std::binary_search(ids_.begin(), ids_.end(), msg_id);
}

std::uint8_t ReceivedWindow::state_of(std::uint64_t msg_id) const {
  if (contains(msg_id)) return 4;
  if (msg_id <= floor_) return 1;
  if (ids_.empty() || msg_id > ids_.back()) return 3;
  return 2;
}

void ReceivedWindow::clear() {
  ids_.clear();
  floor_ = 0;
}

}  // namespace tgd::mtproto::client_detail
