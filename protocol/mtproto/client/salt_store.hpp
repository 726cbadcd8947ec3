#pragma once
// Server salts (facts §3.12): the one in use and the future ones from get_future_salts. A salt is
// chosen by the server-corrected time at the moment a packet is sealed.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tgd::mtproto::client_detail {

struct FutureSalt {
  std::int32_t valid_since = 0;  // server unix time, seconds
  std::int32_t valid_until = 0;
  std::int64_t salt = 0;
};

class SaltStore {
 public:
  explicit SaltStore(std::int64_t salt) : current_(salt) {}

  // The salt to use at server time `now` (seconds): the newest future salt whose validity covers
  // it, else the last salt the server told us (handshake, new_session_created, bad_server_salt).
  // Forgets expired future salts.
  std::int64_t current(std::int64_t now);
  std::int64_t last() const { return current_; }

  // new_session_created carries the salt the server uses now.
  void set_current(std::int64_t salt) { current_ = salt; }
  // bad_server_salt: the server refused what our list said, so the list is wrong (most likely a
  // skewed clock picked the salt); drop it, or the next packet would pick the same refused salt.
  void on_bad_server_salt(std::int64_t salt);
  // future_salts: replaces the list.
  void set_future(std::span<const FutureSalt> salts);

  // The latest valid_until among the future salts; nullopt when there are none.
  std::optional<std::int64_t> covered_until() const;
  std::size_t future_count() const { return future_.size(); }

 private:
  std::int64_t current_;
  std::vector<FutureSalt> future_;  // sorted by valid_since
};

}  // namespace tgd::mtproto::client_detail
