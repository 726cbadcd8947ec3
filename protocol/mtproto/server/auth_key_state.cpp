#include "protocol/mtproto/server/auth_key_state.hpp"

#include <algorithm>
#include <chrono>

namespace tgd::mtproto::server {

AuthKeyState::AuthKeyState(crypto::AuthKey key, std::optional<std::int64_t> handshake_salt,
                           UnixNanos server_now)
    : key_(std::move(key)),
      id_(static_cast<std::uint64_t>(key_.id_value())),
      handshake_salt_(handshake_salt),
      handshake_salt_until_(server_now + std::chrono::seconds(kHandshakeSaltSeconds)) {}

bool AuthKeyState::accepts_handshake_salt(std::int64_t salt, UnixNanos server_now) const {
  return handshake_salt_ && *handshake_salt_ == salt && server_now < handshake_salt_until_;
}

ServerSession* AuthKeyState::find(std::int64_t session_id) {
  const auto it = sessions_.find(session_id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

ServerSession& AuthKeyState::session(DcContext& dc, std::int64_t session_id, UnixNanos now,
                                     std::vector<Event>& events) {
  if (ServerSession* s = find(session_id)) return *s;
  // A new session: make room by evicting the least recently active one. A scan, but only when a
  // session is created at the cap, never per message.
  if (sessions_.size() >= std::max<std::size_t>(dc.limits.max_sessions_per_key, 1)) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second->last_active() < oldest->second->last_active()) oldest = it;
    }
    events.push_back(SessionDestroyed{oldest->second->key(), SessionEndCause::kEvicted});
    ++dc.counters.sessions_evicted;
    sessions_.erase(oldest);
  }
  auto& slot = sessions_[session_id];
  slot = std::make_unique<ServerSession>(dc, *this, session_id, now);
  return *slot;
}

void AuthKeyState::expire_idle(DcContext& dc, UnixNanos cutoff, std::vector<Event>& events) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->last_active() < cutoff) {
      events.push_back(SessionDestroyed{it->second->key(), SessionEndCause::kIdle});
      ++dc.counters.sessions_expired;
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace tgd::mtproto::server
