#include "fake_server.hpp"

#include <cstring>

#include "protocol/crypto/gzip.hpp"
#include "protocol/mtproto/client/service_messages.hpp"
#include "protocol/mtproto/service_ids.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::mtproto::test {

crypto::AuthKey test_auth_key() {
  std::array<std::uint8_t, crypto::kAuthKeySize> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return crypto::AuthKey(bytes);
}

RandomSource seeded_random(std::uint64_t seed) {
  return [state = seed](MutableByteSpan out) mutable {
    for (auto& b : out) {
      state += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = state;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      b = static_cast<std::uint8_t>(z ^ (z >> 31));
    }
  };
}

ClientSessionOptions quiet_options() {
  ClientSessionOptions o;
  o.ping_interval = std::chrono::nanoseconds(0);
  o.refresh_future_salts = false;
  o.state_check_after = std::chrono::nanoseconds(0);
  return o;
}

Bytes test_query(std::uint32_t n, std::size_t extra_bytes) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(kTestQuery);
  w.u32(n);
  for (std::size_t i = 0; i < extra_bytes / 4; ++i) w.u32(0x61616161);  // compressible filler
  return out;
}

Bytes test_answer(ByteSpan query) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(kTestAnswer);
  w.raw(query);
  return out;
}

std::uint32_t constructor(ByteSpan body) { return client_detail::constructor_of(body); }

Query unwrap(ByteSpan body) {
  Query q;
  Bytes current(body.begin(), body.end());
  if (constructor(current) == ids::kGzipPacked) {
    auto packed = client_detail::parse_gzip_packed(current);
    auto inflated = packed ? crypto::gzip_decompress(*packed, 1 << 24) : std::nullopt;
    if (inflated) {
      current = std::move(*inflated);
      q.gzipped = true;
    }
  }
  if (constructor(current) == ids::kInvokeAfterMsg && current.size() >= 12) {
    std::memcpy(&q.after, current.data() + 4, 8);
    current.erase(current.begin(), current.begin() + 12);
  }
  q.body = std::move(current);
  return q;
}

std::vector<std::uint64_t> id_vector(ByteSpan body) {
  std::vector<std::uint64_t> ids;
  (void)client_detail::parse_msg_id_vector(body, ids);
  return ids;
}

bool is_service(ByteSpan body) {
  switch (constructor(body)) {
    case ids::kMsgsAck:
    case ids::kPing:
    case ids::kPingDelayDisconnect:
    case ids::kGetFutureSalts:
    case ids::kMsgsStateReq:
    case ids::kMsgsStateInfo:
    case ids::kMsgResendReq:
    case ids::kRpcDropAnswer:
    case ids::kDestroySession:
      return true;
    default:
      return false;
  }
}

Bytes rpc_result(std::uint64_t req_msg_id, ByteSpan result) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kRpcResult);
  w.u64(req_msg_id);
  w.raw(result);
  return out;
}

Bytes rpc_error(std::uint64_t req_msg_id, std::int32_t code, std::string_view message) {
  Bytes error;
  tl::TlWriter w(error);
  w.u32(ids::kRpcError);
  w.i32(code);
  (void)w.string(message);
  return rpc_result(req_msg_id, error);
}

Bytes gzip_packed(ByteSpan object) {
  Bytes out;
  client_detail::write_gzip_packed(out, crypto::gzip_compress(object));
  return out;
}

Bytes bad_server_salt(std::uint64_t bad_msg_id, std::uint32_t bad_seq_no, std::int64_t new_salt) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kBadServerSalt);
  w.u64(bad_msg_id);
  w.u32(bad_seq_no);
  w.i32(48);
  w.i64(new_salt);
  return out;
}

Bytes bad_msg_notification(std::uint64_t bad_msg_id, std::uint32_t bad_seq_no, std::int32_t code) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kBadMsgNotification);
  w.u64(bad_msg_id);
  w.u32(bad_seq_no);
  w.i32(code);
  return out;
}

Bytes new_session_created(std::uint64_t first_msg_id, std::int64_t unique_id, std::int64_t salt) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kNewSessionCreated);
  w.u64(first_msg_id);
  w.i64(unique_id);
  w.i64(salt);
  return out;
}

Bytes pong(std::uint64_t msg_id, std::int64_t ping_id) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kPong);
  w.u64(msg_id);
  w.i64(ping_id);
  return out;
}

Bytes future_salts(std::uint64_t req_msg_id, std::int32_t now,
                   const std::vector<client_detail::FutureSalt>& salts) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kFutureSalts);
  w.u64(req_msg_id);
  w.i32(now);
  w.u32(static_cast<std::uint32_t>(salts.size()));  // bare vector of bare future_salt
  for (const auto& s : salts) {
    w.i32(s.valid_since);
    w.i32(s.valid_until);
    w.i64(s.salt);
  }
  return out;
}

Bytes msgs_ack(const std::vector<std::uint64_t>& ids) {
  Bytes out;
  client_detail::write_msgs_ack(out, ids);
  return out;
}

Bytes msgs_state_req(const std::vector<std::uint64_t>& ids) {
  Bytes out;
  client_detail::write_msgs_state_req(out, ids);
  return out;
}

Bytes msgs_state_info(std::uint64_t req_msg_id, ByteSpan info) {
  Bytes out;
  client_detail::write_msgs_state_info(out, req_msg_id, info);
  return out;
}

Bytes msg_resend_req(const std::vector<std::uint64_t>& ids) {
  Bytes out;
  client_detail::write_msg_resend_req(out, ids);
  return out;
}

Bytes msg_detailed_info(std::uint64_t msg_id, std::uint64_t answer_msg_id) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kMsgDetailedInfo);
  w.u64(msg_id);
  w.u64(answer_msg_id);
  w.i32(16);
  w.i32(0);
  return out;
}

Bytes destroy_session_ok(std::int64_t session_id) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kDestroySessionOk);
  w.i64(session_id);
  return out;
}

FakeServer::FakeServer(const crypto::AuthKey& key, std::int64_t salt)
    : key_(key), random_(seeded_random(0x5e7e7)), salt_(salt) {}

std::optional<ClientPacket> FakeServer::open(ByteSpan payload) {
  if (payload.size() < crypto::kEncryptedHeaderSize) return std::nullopt;
  plaintext_.resize(payload.size() - crypto::kEncryptedHeaderSize);
  const auto token = cipher_.decrypt_to(key_, crypto::Direction::kClientToServer, payload, plaintext_);
  if (!token) return std::nullopt;
  const PlaintextResult parsed = parse_plaintext(plaintext_);
  if (!parsed.message) return std::nullopt;
  ClientPacket packet;
  packet.header = parsed.message->header;
  packet.quick_ack_token = *token;
  const ByteSpan body = parsed.message->body;
  if (constructor(body) == ids::kMsgContainer) {
    const auto items = parse_container(body);
    if (!items) return std::nullopt;
    packet.container = true;
    for (const auto& item : *items) {
      packet.messages.push_back(
          ClientMessage{item.msg_id, item.seq_no, Bytes(item.body.begin(), item.body.end())});
    }
  } else {
    packet.messages.push_back(
        ClientMessage{packet.header.msg_id, packet.header.seq_no, Bytes(body.begin(), body.end())});
  }
  return packet;
}

std::uint64_t FakeServer::next_msg_id(UnixNanos now, bool response) {
  return clock_.next(now, response ? MsgIdKind::ServerResponse : MsgIdKind::ServerOther);
}

std::uint32_t FakeServer::next_seq_no(bool content_related) {
  if (!content_related) return content_messages_ * 2;
  return content_messages_++ * 2 + 1;
}

FakeServer::Message FakeServer::message(Bytes body, bool content_related, UnixNanos now, bool response) {
  Message m;
  m.msg_id = next_msg_id(now, response);
  m.seq_no = next_seq_no(content_related);
  m.body = std::move(body);
  return m;
}

Bytes FakeServer::seal(const Message& m) {
  return seal_raw(MessageHeader{salt_, session_id_, m.msg_id, m.seq_no}, m.body);
}

Bytes FakeServer::seal(const std::vector<Message>& items, UnixNanos now) {
  if (items.size() == 1) return seal(items.front());
  Bytes body;
  ContainerWriter writer(body);
  for (const auto& m : items) writer.add(m.msg_id, m.seq_no, m.body);
  writer.finish();
  return seal_raw(MessageHeader{salt_, session_id_, next_msg_id(now, false), next_seq_no(false)}, body);
}

Bytes FakeServer::seal_raw(const MessageHeader& header, ByteSpan body) {
  Bytes plaintext;
  build_plaintext(header, body, random_, plaintext);
  return cipher_.encrypt(key_, crypto::Direction::kServerToClient, plaintext);
}

EchoServer::EchoServer(const crypto::AuthKey& key, std::int64_t salt) : server_(key, salt) {}

void EchoServer::handle(ByteSpan payload, UnixNanos now, std::vector<Bytes>& out) {
  auto packet = server_.open(payload);
  if (!packet) return;
  if (packet->header.session_id != server_.session()) {
    server_.set_session(packet->header.session_id);
    server_.reset_seq();
  }
  if (packet->header.salt != server_.salt()) {
    // The whole packet is refused; the client resends everything in it.
    ++bad_salts_;
    out.push_back(server_.seal(server_.message(
        bad_server_salt(packet->header.msg_id, packet->header.seq_no, server_.salt()), false, now)));
    return;
  }
  answers_.clear();
  for (const ClientMessage& m : packet->messages) {
    const bool first_time = seen_.insert(m.msg_id).second;
    if (!first_time) continue;
    tl::TlReader r(m.body);
    switch (r.u32()) {
      case ids::kMsgsAck:
      case ids::kMsgsStateInfo:
      case ids::kMsgResendReq:
        break;
      case ids::kPing:
      case ids::kPingDelayDisconnect:
        answers_.push_back(server_.message(pong(m.msg_id, r.i64()), false, now));
        break;
      case ids::kGetFutureSalts: {
        const auto t = static_cast<std::int32_t>(msg_id_seconds(server_.next_msg_id(now)));
        answers_.push_back(
            server_.message(future_salts(m.msg_id, t, {{t - 60, t + 3600, server_.salt()}}), false, now));
        break;
      }
      case ids::kMsgsStateReq: {
        const auto asked = id_vector(m.body);
        Bytes info;
        for (auto id : asked) info.push_back(seen_.count(id) ? 4 : 2);
        answers_.push_back(server_.message(msgs_state_info(m.msg_id, info), false, now));
        break;
      }
      case ids::kRpcDropAnswer: {
        Bytes unknown;
        tl::TlWriter(unknown).u32(ids::kRpcAnswerUnknown);
        answers_.push_back(server_.message(rpc_result(m.msg_id, unknown), true, now));
        break;
      }
      default: {
        const Query q = unwrap(m.body);
        std::uint32_t n = 0;
        if (q.body.size() >= 8) std::memcpy(&n, q.body.data() + 4, 4);
        ++answered_;
        if (error_every_ != 0 && n % error_every_ == 0) {
          answers_.push_back(server_.message(rpc_error(m.msg_id, 400, "TEST_ERROR"), true, now));
        } else {
          answers_.push_back(server_.message(rpc_result(m.msg_id, test_answer(q.body)), true, now));
        }
        break;
      }
    }
  }
  // As a real server does, answers go out in containers of limited size.
  constexpr std::size_t kMaxItems = 1000;
  for (std::size_t i = 0; i < answers_.size(); i += kMaxItems) {
    const std::size_t n = std::min(kMaxItems, answers_.size() - i);
    std::vector<FakeServer::Message> chunk(
        std::make_move_iterator(answers_.begin() + static_cast<std::ptrdiff_t>(i)),
        std::make_move_iterator(answers_.begin() + static_cast<std::ptrdiff_t>(i + n)));
    out.push_back(server_.seal(chunk, now));
  }
}

}  // namespace tgd::mtproto::test
