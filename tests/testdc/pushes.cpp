#include "tests/testdc/pushes.hpp"

#include <algorithm>

namespace tgd::testdc {

void Pushes::subscribe(std::int64_t user, const SessionRef& session) {
  Box& box = boxes_[user];
  if (std::find(box.sessions.begin(), box.sessions.end(), session) != box.sessions.end()) return;
  if (opted_out(session)) return;
  box.sessions.push_back(session);
}

void Pushes::opt_out(const SessionRef& session) {
  if (!opted_out_.insert(session).second) return;
  for (auto& [user, box] : boxes_) std::erase(box.sessions, session);
}

std::vector<SessionRef> Pushes::sessions(std::int64_t user) const {
  const auto it = boxes_.find(user);
  return it == boxes_.end() ? std::vector<SessionRef>{} : it->second.sessions;
}

void Pushes::deliver(std::int64_t user, const Bytes& updates, std::size_t update_count,
                     const std::optional<SessionRef>& except) {
  Box& box = boxes_[user];
  PushFaults& f = box.faults;
  if (f.drop > 0) {
    --f.drop;
    ++stats_.dropped;
    return;
  }
  std::chrono::milliseconds delay{0};
  if (f.delay_count > 0) {
    --f.delay_count;
    ++stats_.delayed;
    delay = f.delay;
  }
  if (f.reorder > 0 && box.held.empty()) {
    --f.reorder;
    ++stats_.reordered;
    box.held.push_back(Held{updates, update_count, except});
    return;
  }
  const int copies = f.duplicate > 0 ? 2 : 1;
  if (copies == 2) {
    --f.duplicate;
    ++stats_.duplicated;
  }
  for (int i = 0; i < copies; ++i) send(user, box, updates, update_count, except, delay);
  release_held(user);
}

void Pushes::release_held(std::int64_t user) {
  Box& box = boxes_[user];
  std::vector<Held> held;
  held.swap(box.held);
  for (const Held& h : held) send(user, box, h.bytes, h.update_count, h.except, std::chrono::milliseconds{0});
}

void Pushes::send(std::int64_t user, Box& box, const Bytes& bytes, std::size_t update_count,
                  const std::optional<SessionRef>& except, std::chrono::milliseconds delay) {
  for (std::size_t i = 0; i < box.sessions.size();) {
    const SessionRef& s = box.sessions[i];
    if (except && s == *except) {
      ++i;
      continue;
    }
    const bool valid = !validator_ || validator_(user, s);
    if (!valid || !sink_ || !sink_(s, bytes, delay)) {
      ++stats_.unsubscribed;
      box.sessions.erase(box.sessions.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++stats_.pushes;
    stats_.updates += update_count;
    ++i;
  }
}

void Pushes::too_long(std::int64_t user) {
  // updatesTooLong#e317af7e, little-endian.
  static const Bytes kTooLong{0x7e, 0xaf, 0x17, 0xe3};
  Box& box = boxes_[user];
  const std::uint64_t before = stats_.pushes;
  send(user, box, kTooLong, 0, std::nullopt, std::chrono::milliseconds{0});
  stats_.too_long += stats_.pushes - before;
}

void Pushes::clear_faults() {
  for (auto& [user, box] : boxes_) {
    box.faults = PushFaults{};
    release_held(user);
  }
}

}  // namespace tgd::testdc
