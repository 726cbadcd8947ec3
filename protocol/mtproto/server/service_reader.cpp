#include "protocol/mtproto/server/service_reader.hpp"

#include "protocol/mtproto/service_ids.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::mtproto::server {

MessageKind classify(std::uint32_t constructor) {
  switch (constructor) {
    case ids::kMsgsAck:
      return MessageKind::kAck;
    case ids::kMsgContainer:
      return MessageKind::kContainer;
    case ids::kGzipPacked:
      return MessageKind::kGzip;
    case ids::kMsgCopy:
      return MessageKind::kMsgCopy;
    case ids::kPing:
    case ids::kPingDelayDisconnect:
    case ids::kGetFutureSalts:
    case ids::kDestroySession:
    case ids::kRpcDropAnswer:
    case ids::kMsgsStateReq:
    case ids::kMsgResendReq:
    case ids::kHttpWait:
    case kDestroyAuthKey:
    case ids::kMsgsStateInfo:
    case ids::kMsgsAllInfo:
    case ids::kMsgDetailedInfo:
    case ids::kMsgNewDetailedInfo:
      return MessageKind::kService;
    default:
      return MessageKind::kQuery;
  }
}

std::optional<MsgIdList> parse_msg_ids(ByteSpan body) {
  tl::TlReader r(body);
  r.u32();
  const std::uint32_t count = r.vector_header(8);
  if (!r.ok() || count > kMaxIdsPerMessage) return std::nullopt;
  const ByteSpan raw = r.raw(std::size_t{count} * 8);
  if (!r.done()) return std::nullopt;
  return MsgIdList(raw);
}

std::optional<PingRequest> parse_ping(ByteSpan body) {
  tl::TlReader r(body);
  const std::uint32_t id = r.u32();
  PingRequest p;
  p.ping_id = r.i64();
  if (id == ids::kPingDelayDisconnect) p.disconnect_delay = r.i32();
  if (!r.done()) return std::nullopt;
  return p;
}

std::optional<std::int32_t> parse_get_future_salts(ByteSpan body) {
  tl::TlReader r(body);
  r.u32();
  const std::int32_t num = r.i32();
  if (!r.done()) return std::nullopt;
  return num;
}

std::optional<std::int64_t> parse_destroy_session(ByteSpan body) {
  tl::TlReader r(body);
  r.u32();
  const std::int64_t session_id = r.i64();
  if (!r.done()) return std::nullopt;
  return session_id;
}

std::optional<std::uint64_t> parse_rpc_drop_answer(ByteSpan body) {
  tl::TlReader r(body);
  r.u32();
  const std::uint64_t req_msg_id = r.u64();
  if (!r.done()) return std::nullopt;
  return req_msg_id;
}

std::optional<ByteSpan> parse_gzip_packed(ByteSpan body) {
  tl::TlReader r(body);
  r.u32();
  const ByteSpan packed = r.bytes();
  if (!r.done()) return std::nullopt;
  return packed;
}

}  // namespace tgd::mtproto::server
