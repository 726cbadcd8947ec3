#include "protocol/mtproto/server/dispatcher.hpp"

#include <algorithm>
#include <cstring>

namespace tgd::mtproto::server {
namespace {

DropReason envelope_drop(PlaintextError e) {
  switch (e) {
    case PlaintextError::TooShort:
      return DropReason::kEnvelopeTooShort;
    case PlaintextError::NotBlockAligned:
      return DropReason::kEnvelopeNotAligned;
    case PlaintextError::BadLength:
      return DropReason::kEnvelopeBadLength;
    case PlaintextError::BadPadding:
      return DropReason::kEnvelopeBadPadding;
  }
  return DropReason::kEnvelopeTooShort;
}

}  // namespace

Dispatcher::Dispatcher(DcOptions options) : dc_(std::move(options)) {}

void Dispatcher::add_auth_key(crypto::AuthKey key, std::optional<std::int64_t> handshake_salt,
                              UnixNanos now) {
  auto state = std::make_unique<AuthKeyState>(std::move(key), handshake_salt, dc_.server_time(now));
  const std::uint64_t id = state->id();
  keys_.insert_or_assign(id, std::move(state));
}

void Dispatcher::drop(std::vector<Event>& events, ConnectionId connection, DropReason reason) {
  ++dc_.counters.dropped[static_cast<std::size_t>(reason)];
  events.push_back(Dropped{connection, reason, 0});
}

void Dispatcher::on_packet(ConnectionId connection, ByteSpan packet, UnixNanos now,
                           std::vector<Event>& events, bool quick_ack_requested) {
  ++dc_.counters.packets_in;
  dc_.counters.bytes_in += packet.size();
  if (dc_.faults.transport_error != 0) {
    events.push_back(TransportError{connection, dc_.faults.transport_error, TransportErrorCause::kInjected});
    dc_.faults.transport_error = 0;
    return;
  }
  if (packet.size() < 8) return drop(events, connection, DropReason::kTooShort);
  std::uint64_t auth_key_id;
  std::memcpy(&auth_key_id, packet.data(), 8);
  if (auth_key_id == 0) return drop(events, connection, DropReason::kNotEncrypted);
  const auto key = keys_.find(auth_key_id);
  if (key == keys_.end()) {
    ++dc_.counters.unknown_auth_key;
    events.push_back(TransportError{connection, -404, TransportErrorCause::kUnknownAuthKey});
    return;
  }
  AuthKeyState& auth_key = *key->second;

  const std::size_t encrypted = packet.size() - std::min(packet.size(), crypto::kEncryptedHeaderSize);
  if (encrypted == 0 || encrypted % 16 != 0) return drop(events, connection, DropReason::kTooShort);
  dc_.rx_plaintext.resize(encrypted);
  const auto quick_ack_token =
      dc_.cipher.decrypt_to(auth_key.key(), crypto::Direction::kClientToServer, packet, dc_.rx_plaintext);
  if (!quick_ack_token) return drop(events, connection, DropReason::kBadMsgKey);
  const PlaintextResult parsed = parse_plaintext(dc_.rx_plaintext);
  if (!parsed.message) return drop(events, connection, envelope_drop(parsed.error));
  const ParsedPlaintext& message = *parsed.message;
  if (message.header.session_id == 0) {
    events.push_back(TransportError{connection, -404, TransportErrorCause::kZeroSessionId});
    return;
  }

  if (quick_ack_requested) events.push_back(QuickAck{connection, *quick_ack_token});

  if (now >= next_idle_check_) expire_idle_sessions(now, events);
  ServerSession& session = auth_key.session(dc_, message.header.session_id, now, events);
  session.on_message(message.header, message.body, connection, now, events);
  note_output(session);
  if (auth_key.destroyed()) {
    // destroy_auth_key: unknown from now on (-404), kept only until its answer is flushed.
    dying_keys_.push_back(std::move(key->second));
    keys_.erase(key);
  }

  if (dc_.faults.drop_after_packets != 0 && --dc_.faults.drop_after_packets == 0) {
    events.push_back(DropConnection{connection});
  } else if (dc_.faults.drop_after_bytes != 0) {
    dc_.faults.drop_after_bytes -= std::min<std::uint64_t>(dc_.faults.drop_after_bytes, packet.size());
    if (dc_.faults.drop_after_bytes == 0) events.push_back(DropConnection{connection});
  }
}

void Dispatcher::expire_idle_sessions(UnixNanos now, std::vector<Event>& events) {
  // Every quarter of the timeout, not per packet: a session lives at most 1.25 timeouts idle.
  const auto timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(dc_.limits.session_idle_timeout);
  next_idle_check_ = now + std::max<std::chrono::nanoseconds>(timeout / 4, std::chrono::seconds(1));
  for (auto& [id, key] : keys_) key->expire_idle(dc_, now - timeout, events);
}

void Dispatcher::on_connection_closed(ConnectionId connection) {
  for (auto& [id, key] : keys_)
    key->for_each_session([&](ServerSession& s) { s.on_connection_closed(connection); });
}

ServerSession* Dispatcher::find_session(const SessionKey& key) {
  const auto it = keys_.find(key.auth_key_id);
  return it == keys_.end() ? nullptr : it->second->find(key.session_id);
}

bool Dispatcher::answer(const SessionKey& session, std::uint64_t msg_id, ByteSpan result, bool compressible) {
  ServerSession* s = find_session(session);
  if (s == nullptr || !s->answer(msg_id, result, compressible)) return false;
  note_output(*s);
  return true;
}

bool Dispatcher::answer_error(const SessionKey& session, std::uint64_t msg_id, std::int32_t code,
                              std::string_view message) {
  ServerSession* s = find_session(session);
  if (s == nullptr || !s->answer_error(msg_id, code, message)) return false;
  note_output(*s);
  return true;
}

bool Dispatcher::push(const SessionKey& session, ByteSpan updates) {
  ServerSession* s = find_session(session);
  if (s == nullptr) return false;
  s->push(updates);
  note_output(*s);
  return true;
}

void Dispatcher::note_output(ServerSession& session) {
  if (session.flush_listed() || !session.has_output()) return;
  session.set_flush_listed(true);
  flush_list_.push_back(session.key());
  if (flush_list_.size() == 1 && output_listener_) output_listener_();
}

void Dispatcher::flush(UnixNanos now, std::vector<OutgoingPacket>& out) {
  for (const SessionKey& key : flush_list_) {
    ServerSession* s = find_session(key);
    if (s == nullptr) continue;  // destroyed or forgotten since
    s->set_flush_listed(false);
    const std::optional<ConnectionId> connection = s->connection();
    if (!connection) continue;  // listed again when the client is back
    packet_scratch_.clear();
    s->flush(now, packet_scratch_);
    for (Bytes& p : packet_scratch_) out.push_back({*connection, key, std::move(p)});
  }
  flush_list_.clear();
  // Keys destroyed since the last flush: their sessions are no longer found by key, but the one
  // that sent destroy_auth_key still gets its destroy_auth_key_ok, sealed with the key.
  for (const auto& key : dying_keys_) {
    ServerSession* s = key->destroyer();
    const std::optional<ConnectionId> connection = s != nullptr ? s->connection() : std::nullopt;
    if (!connection) continue;
    packet_scratch_.clear();
    s->flush(now, packet_scratch_);
    for (Bytes& p : packet_scratch_) out.push_back({*connection, s->key(), std::move(p)});
  }
  dying_keys_.clear();
  packet_scratch_.clear();
}

void Dispatcher::release_answers(ReleaseOrder order) {
  for (auto& [id, key] : keys_) {
    key->for_each_session([&](ServerSession& s) {
      if (s.held_answers() == 0) return;
      s.release_answers(order);
      note_output(s);
    });
  }
}

void Dispatcher::rotate_salts(UnixNanos now) {
  dc_.salts.rotate(dc_.server_time(now));
  for (auto& [id, key] : keys_) key->forget_handshake_salt();
}

}  // namespace tgd::mtproto::server
