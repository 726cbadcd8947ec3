#include "protocol/mtproto/client/service_messages.hpp"

#include <cstring>

#include "protocol/mtproto/service_ids.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::mtproto::client_detail {
namespace {

void write_id_vector(Bytes& out, std::uint32_t constructor, std::span<const std::uint64_t> msg_ids) {
  tl::TlWriter w(out);
  w.u32(constructor);
  w.vector_header(static_cast<std::uint32_t>(msg_ids.size()));
  for (std::uint64_t id : msg_ids) w.u64(id);
}

// A reader positioned after the expected constructor, or failed.
tl::TlReader open(ByteSpan body, std::uint32_t constructor) {
  tl::TlReader r(body);
  if (r.u32() != constructor) r.fail();
  return r;
}

}  // namespace

std::uint32_t constructor_of(ByteSpan body) {
  if (body.size() < 4) return 0;
  std::uint32_t id;
  std::memcpy(&id, body.data(), 4);
  return id;
}

void write_msgs_ack(Bytes& out, std::span<const std::uint64_t> msg_ids) {
  write_id_vector(out, ids::kMsgsAck, msg_ids);
}
void write_msgs_state_req(Bytes& out, std::span<const std::uint64_t> msg_ids) {
  write_id_vector(out, ids::kMsgsStateReq, msg_ids);
}
void write_msg_resend_req(Bytes& out, std::span<const std::uint64_t> msg_ids) {
  write_id_vector(out, ids::kMsgResendReq, msg_ids);
}

void write_msgs_state_info(Bytes& out, std::uint64_t req_msg_id, ByteSpan info) {
  tl::TlWriter w(out);
  w.u32(ids::kMsgsStateInfo);
  w.u64(req_msg_id);
  (void)w.bytes(info);  // at most 8192 status bytes, far below the TL limit
}

void write_ping(Bytes& out, std::int64_t ping_id) {
  tl::TlWriter w(out);
  w.u32(ids::kPing);
  w.i64(ping_id);
}

void write_ping_delay_disconnect(Bytes& out, std::int64_t ping_id, std::int32_t disconnect_delay) {
  tl::TlWriter w(out);
  w.u32(ids::kPingDelayDisconnect);
  w.i64(ping_id);
  w.i32(disconnect_delay);
}

void write_get_future_salts(Bytes& out, std::int32_t num) {
  tl::TlWriter w(out);
  w.u32(ids::kGetFutureSalts);
  w.i32(num);
}

void write_rpc_drop_answer(Bytes& out, std::uint64_t req_msg_id) {
  tl::TlWriter w(out);
  w.u32(ids::kRpcDropAnswer);
  w.u64(req_msg_id);
}

void write_destroy_session(Bytes& out, std::int64_t session_id) {
  tl::TlWriter w(out);
  w.u32(ids::kDestroySession);
  w.i64(session_id);
}

void write_invoke_after_msg_prefix(Bytes& out, std::uint64_t msg_id) {
  tl::TlWriter w(out);
  w.u32(ids::kInvokeAfterMsg);
  w.u64(msg_id);
}

std::size_t gzip_packed_size(std::size_t compressed_size) {
  const std::size_t prefix = compressed_size < 254 ? 1 : 4;
  return 4 + ((prefix + compressed_size + 3) & ~std::size_t{3});
}

void write_gzip_packed(Bytes& out, ByteSpan compressed) {
  tl::TlWriter w(out);
  w.u32(ids::kGzipPacked);
  (void)w.bytes(compressed);  // callers only pack bodies far below 16 MiB
}

std::optional<RpcResultView> parse_rpc_result(ByteSpan body) {
  tl::TlReader r = open(body, ids::kRpcResult);
  RpcResultView v;
  v.req_msg_id = r.u64();
  v.result = r.rest();
  if (!r.ok() || v.result.size() < 4) return std::nullopt;
  return v;
}

std::optional<RpcErrorView> parse_rpc_error(ByteSpan body) {
  tl::TlReader r = open(body, ids::kRpcError);
  RpcErrorView v;
  v.code = r.i32();
  v.message = r.string();
  if (!r.done()) return std::nullopt;
  return v;
}

std::optional<ByteSpan> parse_gzip_packed(ByteSpan body) {
  tl::TlReader r = open(body, ids::kGzipPacked);
  ByteSpan packed = r.bytes();
  if (!r.done()) return std::nullopt;
  return packed;
}

std::optional<BadMsgView> parse_bad_msg(ByteSpan body) {
  tl::TlReader r(body);
  const std::uint32_t constructor = r.u32();
  if (constructor != ids::kBadMsgNotification && constructor != ids::kBadServerSalt) return std::nullopt;
  BadMsgView v;
  v.bad_msg_id = r.u64();
  v.bad_msg_seqno = r.u32();
  v.error_code = r.i32();
  if (constructor == ids::kBadServerSalt) v.new_server_salt = r.i64();
  if (!r.done()) return std::nullopt;
  return v;
}

std::optional<NewSessionView> parse_new_session_created(ByteSpan body) {
  tl::TlReader r = open(body, ids::kNewSessionCreated);
  NewSessionView v;
  v.first_msg_id = r.u64();
  v.unique_id = r.i64();
  v.server_salt = r.i64();
  if (!r.done()) return std::nullopt;
  return v;
}

std::optional<PongView> parse_pong(ByteSpan body) {
  tl::TlReader r = open(body, ids::kPong);
  PongView v;
  v.msg_id = r.u64();
  v.ping_id = r.i64();
  if (!r.done()) return std::nullopt;
  return v;
}

std::optional<FutureSaltsView> parse_future_salts(ByteSpan body) {
  tl::TlReader r = open(body, ids::kFutureSalts);
  FutureSaltsView v;
  v.req_msg_id = r.u64();
  v.now = r.i32();
  const std::uint32_t count = r.u32();
  constexpr std::size_t kSaltSize = 16;
  if (!r.ok() || count > r.remaining() / kSaltSize) return std::nullopt;
  v.salts.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    FutureSalt s;
    s.valid_since = r.i32();
    s.valid_until = r.i32();
    s.salt = r.i64();
    v.salts.push_back(s);
  }
  if (!r.done()) return std::nullopt;
  return v;
}

bool parse_msg_id_vector(ByteSpan body, std::vector<std::uint64_t>& out) {
  tl::TlReader r(body);
  r.u32();  // the caller dispatched on the constructor
  const std::uint32_t count = r.vector_header(8);
  if (!r.ok()) return false;
  const std::size_t start = out.size();
  for (std::uint32_t i = 0; i < count; ++i) out.push_back(r.u64());
  if (!r.done()) {
    out.resize(start);
    return false;
  }
  return true;
}

std::optional<StateInfoView> parse_msgs_state_info(ByteSpan body) {
  tl::TlReader r = open(body, ids::kMsgsStateInfo);
  StateInfoView v;
  v.req_msg_id = r.u64();
  v.info = r.bytes();
  if (!r.done()) return std::nullopt;
  return v;
}

std::optional<ByteSpan> parse_msgs_all_info(ByteSpan body, std::vector<std::uint64_t>& ids) {
  tl::TlReader r = open(body, ids::kMsgsAllInfo);
  const std::uint32_t count = r.vector_header(8);
  if (!r.ok()) return std::nullopt;
  const std::size_t start = ids.size();
  for (std::uint32_t i = 0; i < count; ++i) ids.push_back(r.u64());
  ByteSpan info = r.bytes();
  if (!r.done() || info.size() != count) {
    ids.resize(start);
    return std::nullopt;
  }
  return info;
}

std::optional<DetailedInfoView> parse_detailed_info(ByteSpan body) {
  tl::TlReader r(body);
  const std::uint32_t constructor = r.u32();
  DetailedInfoView v;
  if (constructor == ids::kMsgDetailedInfo) {
    v.msg_id = r.u64();
  } else if (constructor != ids::kMsgNewDetailedInfo) {
    return std::nullopt;
  }
  v.answer_msg_id = r.u64();
  v.bytes = r.i32();
  v.status = r.i32();
  if (!r.done()) return std::nullopt;
  return v;
}

std::optional<DestroySessionView> parse_destroy_session_result(ByteSpan body) {
  tl::TlReader r(body);
  const std::uint32_t constructor = r.u32();
  if (constructor != ids::kDestroySessionOk && constructor != ids::kDestroySessionNone) return std::nullopt;
  DestroySessionView v;
  v.session_id = r.i64();
  v.ok = constructor == ids::kDestroySessionOk;
  if (!r.done()) return std::nullopt;
  return v;
}

}  // namespace tgd::mtproto::client_detail
