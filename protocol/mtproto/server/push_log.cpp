#include "protocol/mtproto/server/push_log.hpp"

#include <algorithm>
#include <utility>

namespace tgd::mtproto::server {

PushLog::PushLog(std::size_t max_pushes, std::size_t max_bytes)
    : max_pushes_(max_pushes == 0 ? 1 : max_pushes), max_bytes_(max_bytes) {}

void PushLog::on_sent(std::uint64_t msg_id, Bytes body) {
  if (body.empty()) return;
  bytes_ += body.size();
  ++live_;
  entries_.push_back({msg_id, std::move(body)});
  trim();
}

std::size_t PushLog::locate(std::uint64_t msg_id) const {
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), msg_id,
                                   [](const Entry& e, std::uint64_t id) { return e.msg_id < id; });
  if (it == entries_.end() || it->msg_id != msg_id || it->body.empty()) return kNotFound;
  return static_cast<std::size_t>(it - entries_.begin());
}

const Bytes* PushLog::find(std::uint64_t msg_id) const {
  const std::size_t i = locate(msg_id);
  return i == kNotFound ? nullptr : &entries_[i].body;
}

void PushLog::forget(Entry& e) {
  bytes_ -= e.body.size();
  --live_;
  Bytes().swap(e.body);
}

bool PushLog::on_client_ack(std::uint64_t msg_id) {
  const std::size_t i = locate(msg_id);
  if (i == kNotFound) return false;
  forget(entries_[i]);
  trim();
  return true;
}

std::optional<Bytes> PushLog::take(std::uint64_t msg_id) {
  const std::size_t i = locate(msg_id);
  if (i == kNotFound) return std::nullopt;
  Bytes body = std::move(entries_[i].body);
  entries_[i].body.clear();
  bytes_ -= body.size();
  --live_;
  trim();
  return body;
}

void PushLog::trim() {
  // Forgotten entries leave from the front; the oldest kept ones go when over the bounds (an
  // acknowledged one in the middle still counts against max_pushes until it reaches the front).
  while (!entries_.empty() &&
         (entries_.front().body.empty() || entries_.size() > max_pushes_ || bytes_ > max_bytes_)) {
    if (!entries_.front().body.empty()) forget(entries_.front());
    entries_.pop_front();
  }
}

}  // namespace tgd::mtproto::server
