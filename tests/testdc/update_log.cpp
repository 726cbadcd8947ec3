#include "tests/testdc/update_log.hpp"

#include <algorithm>

namespace tgd::testdc {

void UpdateLog::append(BoxEvent event, std::size_t limit) {
  events_.push_back(std::move(event));
  while (events_.size() > std::max<std::size_t>(limit, 1)) {
    trimmed_to_ = events_.front().pts;
    events_.pop_front();
  }
}

std::size_t UpdateLog::first_after(int pts) const {
  const auto it = std::upper_bound(events_.begin(), events_.end(), pts,
                                   [](int p, const BoxEvent& e) { return p < e.pts; });
  return static_cast<std::size_t>(it - events_.begin());
}

}  // namespace tgd::testdc
