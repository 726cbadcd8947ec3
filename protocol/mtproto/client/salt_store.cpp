#include "protocol/mtproto/client/salt_store.hpp"

#include <algorithm>

namespace tgd::mtproto::client_detail {

std::int64_t SaltStore::current(std::int64_t now) {
  std::erase_if(future_, [now](const FutureSalt& s) { return s.valid_until <= now; });
  // Sorted by valid_since: the last one already valid is the newest.
  for (auto it = future_.rbegin(); it != future_.rend(); ++it) {
    if (it->valid_since <= now) {
      current_ = it->salt;
      break;
    }
  }
  return current_;
}

void SaltStore::on_bad_server_salt(std::int64_t salt) {
  current_ = salt;
  future_.clear();
}

void SaltStore::set_future(std::span<const FutureSalt> salts) {
  future_.assign(salts.begin(), salts.end());
  std::erase_if(future_, [](const FutureSalt& s) { return s.valid_until <= s.valid_since; });
  std::stable_sort(future_.begin(), future_.end(),
                   [](const FutureSalt& a, const FutureSalt& b) { return a.valid_since < b.valid_since; });
}

std::optional<std::int64_t> SaltStore::covered_until() const {
  if (future_.empty()) return std::nullopt;
  std::int64_t until = future_.front().valid_until;
  for (const auto& s : future_) until = std::max<std::int64_t>(until, s.valid_until);
  return until;
}

}  // namespace tgd::mtproto::client_detail
