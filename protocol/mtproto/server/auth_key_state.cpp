#include "protocol/mtproto/server/auth_key_state.hpp"

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

ServerSession& AuthKeyState::session(DcContext& dc, std::int64_t session_id) {
  auto& slot = sessions_[session_id];
  if (!slot) slot = std::make_unique<ServerSession>(dc, *this, session_id);
  return *slot;
}

}  // namespace tgd::mtproto::server
