#pragma once
// One auth key the DC knows: the key, the salt its handshake produced, and the sessions clients
// opened with it. Sessions live here so that destroy_session (facts §3.10: for another session of
// the same key) and forgetting the key reach exactly them.
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "protocol/crypto/auth_key.hpp"
#include "protocol/mtproto/message_id.hpp"
#include "protocol/mtproto/server/dc_context.hpp"
#include "protocol/mtproto/server/server_session.hpp"

namespace tgd::mtproto::server {

class AuthKeyState {
 public:
  // How long the handshake's salt (new_nonce ^ server_nonce, facts §2) is accepted: one salt period.
  static constexpr std::int64_t kHandshakeSaltSeconds = SaltSchedule::kPeriodSeconds;

  AuthKeyState(crypto::AuthKey key, std::optional<std::int64_t> handshake_salt, UnixNanos server_now);
  AuthKeyState(const AuthKeyState&) = delete;
  AuthKeyState& operator=(const AuthKeyState&) = delete;

  const crypto::AuthKey& key() const { return key_; }
  std::uint64_t id() const { return id_; }

  bool accepts_handshake_salt(std::int64_t salt, UnixNanos server_now) const;
  void forget_handshake_salt() { handshake_salt_.reset(); }

  // destroy_auth_key was accepted: nothing more is processed with this key, and the Dispatcher
  // forgets it once the packet is done (after flushing destroy_auth_key_ok).
  // Its answer goes out on the session that asked; the other sessions' output is dropped.
  bool destroyed() const { return destroyed_by_ != 0; }
  void mark_destroyed(std::int64_t by_session) { destroyed_by_ = by_session; }
  ServerSession* destroyer() { return find(destroyed_by_); }

  ServerSession* find(std::int64_t session_id);
  // The session, created on the first packet that names it; when the key has max_sessions_per_key
  // already, the least recently active one is evicted first (SessionDestroyed{kEvicted}).
  ServerSession& session(DcContext& dc, std::int64_t session_id, UnixNanos now, std::vector<Event>& events);
  bool destroy(std::int64_t session_id) { return sessions_.erase(session_id) != 0; }
  // Forgets the sessions with no client message since `cutoff` (SessionDestroyed{kIdle}).
  void expire_idle(DcContext& dc, UnixNanos cutoff, std::vector<Event>& events);
  std::size_t session_count() const { return sessions_.size(); }

  template <typename F>
  void for_each_session(F&& f) {
    for (auto& [id, session] : sessions_) f(*session);
  }

 private:
  crypto::AuthKey key_;
  std::uint64_t id_;
  std::optional<std::int64_t> handshake_salt_;
  UnixNanos handshake_salt_until_;
  std::int64_t destroyed_by_ = 0;  // session_id 0 is refused before any session sees a message
  std::unordered_map<std::int64_t, std::unique_ptr<ServerSession>> sessions_;
};

}  // namespace tgd::mtproto::server
