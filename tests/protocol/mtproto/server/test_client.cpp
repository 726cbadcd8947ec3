#include "tests/protocol/mtproto/server/test_client.hpp"

#include <doctest/doctest.h>
#include <zlib.h>

#include <array>
#include <cstring>

#include "protocol/crypto/gzip.hpp"
#include "protocol/crypto/message_cipher.hpp"
#include "protocol/crypto/random.hpp"
#include "protocol/mtproto/service_ids.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::mtproto::server::testing {

crypto::AuthKey make_key(std::uint8_t seed) {
  std::array<std::uint8_t, crypto::kAuthKeySize> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(seed * 31 + i * 7 + 1);
  return crypto::AuthKey(bytes);
}

std::uint32_t constructor_of_bytes(ByteSpan b) {
  std::uint32_t id = 0;
  if (b.size() >= 4) std::memcpy(&id, b.data(), 4);
  return id;
}

std::uint32_t ServerMessage::constructor() const { return constructor_of_bytes(body); }

Bytes TestClient::packet(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body) const {
  return packet(MessageHeader{salt, session_id, msg_id, seq_no}, body);
}

Bytes TestClient::packet(const MessageHeader& header, ByteSpan body) const {
  Bytes plaintext;
  build_plaintext(header, body, crypto::random_fill, plaintext);
  return raw_packet(plaintext);
}

Bytes TestClient::raw_packet(ByteSpan plaintext) const {
  return crypto::encrypt_message(key_, crypto::Direction::kClientToServer, plaintext);
}

std::vector<ServerMessage> TestClient::open(ByteSpan packet) const {
  std::vector<ServerMessage> out;
  const auto plaintext = crypto::decrypt_message(key_, crypto::Direction::kServerToClient, packet);
  REQUIRE(plaintext);
  const PlaintextResult parsed = parse_plaintext(*plaintext);
  REQUIRE(parsed.message);
  const ParsedPlaintext& p = *parsed.message;
  CHECK(p.header.session_id == session_id);
  CHECK(p.header.msg_id % 2 == 1);  // server ids are odd (facts §3.5)
  if (constructor_of_bytes(p.body) != ids::kMsgContainer) {
    out.push_back(
        {p.header.msg_id, p.header.seq_no, Bytes(p.body.begin(), p.body.end()), 0, 0, p.header.salt});
    return out;
  }
  const auto items = parse_container(p.body);
  REQUIRE(items);
  for (const ContainerItem& item : *items) {
    out.push_back({item.msg_id, item.seq_no, Bytes(item.body.begin(), item.body.end()), p.header.msg_id,
                   p.header.seq_no, p.header.salt});
  }
  return out;
}

namespace {

Bytes ids_message(std::uint32_t constructor, const std::vector<std::uint64_t>& ids) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(constructor);
  w.vector_header(static_cast<std::uint32_t>(ids.size()));
  for (std::uint64_t id : ids) w.u64(id);
  return out;
}

Bytes gzip_object(ByteSpan compressed) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kGzipPacked);
  REQUIRE(w.bytes(compressed));
  return out;
}

}  // namespace

Bytes get_nearest_dc() {
  Bytes out;
  tl::TlWriter(out).u32(kGetNearestDc);
  return out;
}

Bytes api_query(std::uint32_t constructor, std::size_t payload_ints) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(constructor);
  for (std::size_t i = 0; i < payload_ints; ++i) w.u32(static_cast<std::uint32_t>(i % 7));
  return out;
}

Bytes ping(std::int64_t ping_id) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kPing);
  w.i64(ping_id);
  return out;
}

Bytes ping_delay_disconnect(std::int64_t ping_id, std::int32_t delay) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kPingDelayDisconnect);
  w.i64(ping_id);
  w.i32(delay);
  return out;
}

Bytes msgs_ack(const std::vector<std::uint64_t>& ids) { return ids_message(ids::kMsgsAck, ids); }
Bytes msgs_state_req(const std::vector<std::uint64_t>& ids) { return ids_message(ids::kMsgsStateReq, ids); }
Bytes msg_resend_req(const std::vector<std::uint64_t>& ids) { return ids_message(ids::kMsgResendReq, ids); }

Bytes get_future_salts(std::int32_t num) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kGetFutureSalts);
  w.i32(num);
  return out;
}

Bytes destroy_session(std::int64_t session_id) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kDestroySession);
  w.i64(session_id);
  return out;
}

Bytes rpc_drop_answer(std::uint64_t req_msg_id) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kRpcDropAnswer);
  w.u64(req_msg_id);
  return out;
}

Bytes http_wait() {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kHttpWait);
  w.i32(0);
  w.i32(0);
  w.i32(25000);
  return out;
}

Bytes destroy_auth_key() {
  Bytes out;
  tl::TlWriter(out).u32(0xd1435160);
  return out;
}

Bytes msg_copy(ByteSpan inner) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(ids::kMsgCopy);
  w.raw(inner);
  return out;
}

Bytes gzip_packed(ByteSpan object) { return gzip_object(crypto::gzip_compress(object)); }

Bytes zlib_packed(ByteSpan object) {
  uLongf size = compressBound(static_cast<uLong>(object.size()));
  Bytes compressed(size);
  REQUIRE(compress2(compressed.data(), &size, object.data(), static_cast<uLong>(object.size()), 6) == Z_OK);
  compressed.resize(size);
  REQUIRE(compressed[0] == 0x78);  // a zlib header, not gzip
  return gzip_object(compressed);
}

Bytes container(const std::vector<Item>& items) {
  Bytes out;
  ContainerWriter w(out);
  for (const Item& item : items) w.add(item.msg_id, item.seq_no, item.body);
  w.finish();
  return out;
}

std::optional<BadMsg> as_bad_msg(const ServerMessage& m) {
  tl::TlReader r(m.body);
  const std::uint32_t id = r.u32();
  if (id != ids::kBadMsgNotification && id != ids::kBadServerSalt) return std::nullopt;
  BadMsg b;
  b.bad_msg_id = r.u64();
  b.bad_msg_seqno = r.u32();
  b.code = r.i32();
  if (id == ids::kBadServerSalt) b.new_salt = r.i64();
  CHECK(r.done());
  return b;
}

std::optional<RpcResult> as_rpc_result(const ServerMessage& m) {
  tl::TlReader r(m.body);
  if (r.u32() != ids::kRpcResult) return std::nullopt;
  RpcResult out;
  out.req_msg_id = r.u64();
  const ByteSpan rest = r.rest();
  if (constructor_of_bytes(rest) == ids::kGzipPacked) {
    tl::TlReader g(rest);
    g.u32();
    const ByteSpan packed = g.bytes();
    CHECK(g.done());
    out.gzipped = true;
    out.gzip_framing = packed.size() >= 2 && packed[0] == 0x1f && packed[1] == 0x8b;
    auto inflated = crypto::gzip_decompress(packed, 1 << 24);
    REQUIRE(inflated);
    out.result = std::move(*inflated);
  } else {
    out.result.assign(rest.begin(), rest.end());
  }
  return out;
}

std::optional<NewSession> as_new_session(const ServerMessage& m) {
  tl::TlReader r(m.body);
  if (r.u32() != ids::kNewSessionCreated) return std::nullopt;
  NewSession s;
  s.first_msg_id = r.u64();
  s.unique_id = r.u64();
  s.server_salt = r.i64();
  CHECK(r.done());
  return s;
}

std::vector<std::uint64_t> as_msgs_ack(const ServerMessage& m) {
  std::vector<std::uint64_t> out;
  tl::TlReader r(m.body);
  if (r.u32() != ids::kMsgsAck) return out;
  const std::uint32_t n = r.vector_header(8);
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(r.u64());
  CHECK(r.done());
  return out;
}

std::optional<StateInfo> as_state_info(const ServerMessage& m) {
  tl::TlReader r(m.body);
  if (r.u32() != ids::kMsgsStateInfo) return std::nullopt;
  StateInfo s;
  s.req_msg_id = r.u64();
  const ByteSpan info = r.bytes();
  s.info.assign(info.begin(), info.end());
  CHECK(r.done());
  return s;
}

std::optional<DetailedInfo> as_detailed_info(const ServerMessage& m) {
  tl::TlReader r(m.body);
  const std::uint32_t id = r.u32();
  if (id != ids::kMsgDetailedInfo && id != ids::kMsgNewDetailedInfo) return std::nullopt;
  DetailedInfo d;
  if (id == ids::kMsgDetailedInfo) d.msg_id = r.u64();
  d.answer_msg_id = r.u64();
  d.bytes = r.u32();
  d.status = r.i32();
  CHECK(r.done());
  return d;
}

}  // namespace tgd::mtproto::server::testing
