#include "protocol/mtproto/server/service_writer.hpp"

#include "protocol/crypto/gzip.hpp"
#include "protocol/mtproto/service_ids.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::mtproto::server::wire {
namespace {

constexpr std::uint32_t kDestroyAuthKeyOk = 0xf660e1d4;
constexpr std::uint32_t kDestroyAuthKeyNone = 0x0a9f2259;
constexpr std::uint32_t kDestroyAuthKeyFail = 0xea109b13;

// Size of a TL bytes field holding n bytes (facts §4.2).
std::size_t tl_bytes_size(std::size_t n) { return ((n <= 253 ? 1 : 4) + n + 3) & ~std::size_t{3}; }

}  // namespace

void maybe_gzip(Bytes& out, ByteSpan object, std::size_t gzip_min_size) {
  if (object.size() > gzip_min_size) {
    const Bytes packed = crypto::gzip_compress(object);
    if (4 + tl_bytes_size(packed.size()) < object.size()) {
      tl::TlWriter w(out);
      w.u32(ids::kGzipPacked);
      if (w.bytes(packed)) return;
      out.resize(out.size() - 4);  // longer than TL bytes allow: send it plain
    }
  }
  out.insert(out.end(), object.begin(), object.end());
}

void rpc_result(Bytes& out, std::uint64_t req_msg_id, ByteSpan result, std::size_t gzip_min_size) {
  out.reserve(out.size() + 12 + result.size());
  tl::TlWriter w(out);
  w.u32(ids::kRpcResult);
  w.u64(req_msg_id);
  maybe_gzip(out, result, gzip_min_size);
}

void rpc_error(Bytes& out, std::int32_t code, std::string_view message) {
  tl::TlWriter w(out);
  w.u32(ids::kRpcError);
  w.i32(code);
  if (!w.string(message.substr(0, 1024))) w.u32(0);  // unreachable: 1024 bytes always fit
}

void bad_msg_notification(Bytes& out, std::uint64_t bad_msg_id, std::uint32_t bad_msg_seqno,
                          std::int32_t code) {
  tl::TlWriter w(out);
  w.u32(ids::kBadMsgNotification);
  w.u64(bad_msg_id);
  w.u32(bad_msg_seqno);
  w.i32(code);
}

void bad_server_salt(Bytes& out, std::uint64_t bad_msg_id, std::uint32_t bad_msg_seqno,
                     std::int64_t new_salt) {
  tl::TlWriter w(out);
  w.u32(ids::kBadServerSalt);
  w.u64(bad_msg_id);
  w.u32(bad_msg_seqno);
  w.i32(48);
  w.i64(new_salt);
}

void new_session_created(Bytes& out, std::uint64_t first_msg_id, std::uint64_t unique_id, std::int64_t salt) {
  tl::TlWriter w(out);
  w.u32(ids::kNewSessionCreated);
  w.u64(first_msg_id);
  w.u64(unique_id);
  w.i64(salt);
}

void pong(Bytes& out, std::uint64_t ping_msg_id, std::int64_t ping_id) {
  tl::TlWriter w(out);
  w.u32(ids::kPong);
  w.u64(ping_msg_id);
  w.i64(ping_id);
}

void future_salts(Bytes& out, std::uint64_t req_msg_id, std::int32_t now, std::span<const FutureSalt> salts) {
  tl::TlWriter w(out);
  w.u32(ids::kFutureSalts);
  w.u64(req_msg_id);
  w.i32(now);
  w.u32(static_cast<std::uint32_t>(salts.size()));
  for (const FutureSalt& s : salts) {
    w.i32(s.valid_since);
    w.i32(s.valid_until);
    w.i64(s.salt);
  }
}

void msgs_ack(Bytes& out, std::span<const std::uint64_t> msg_ids) {
  tl::TlWriter w(out);
  w.u32(ids::kMsgsAck);
  w.vector_header(static_cast<std::uint32_t>(msg_ids.size()));
  for (std::uint64_t id : msg_ids) w.u64(id);
}

void msgs_state_info(Bytes& out, std::uint64_t req_msg_id, ByteSpan info) {
  tl::TlWriter w(out);
  w.u32(ids::kMsgsStateInfo);
  w.u64(req_msg_id);
  if (!w.bytes(info)) w.u32(0);  // unreachable: at most 8192 ids
}

void destroy_session_result(Bytes& out, bool destroyed, std::int64_t session_id) {
  tl::TlWriter w(out);
  w.u32(destroyed ? ids::kDestroySessionOk : ids::kDestroySessionNone);
  w.i64(session_id);
}

void msg_detailed_info(Bytes& out, std::uint64_t msg_id, std::uint64_t answer_msg_id, std::uint32_t bytes,
                       std::int32_t status) {
  tl::TlWriter w(out);
  w.u32(ids::kMsgDetailedInfo);
  w.u64(msg_id);
  w.u64(answer_msg_id);
  w.u32(bytes);
  w.i32(status);
}

void msg_new_detailed_info(Bytes& out, std::uint64_t answer_msg_id, std::uint32_t bytes,
                           std::int32_t status) {
  tl::TlWriter w(out);
  w.u32(ids::kMsgNewDetailedInfo);
  w.u64(answer_msg_id);
  w.u32(bytes);
  w.i32(status);
}

void rpc_answer_unknown(Bytes& out) { tl::TlWriter(out).u32(ids::kRpcAnswerUnknown); }

void rpc_answer_dropped_running(Bytes& out) { tl::TlWriter(out).u32(ids::kRpcAnswerDroppedRunning); }

void rpc_answer_dropped(Bytes& out, std::uint64_t msg_id, std::uint32_t seq_no, std::uint32_t bytes) {
  tl::TlWriter w(out);
  w.u32(ids::kRpcAnswerDropped);
  w.u64(msg_id);
  w.u32(seq_no);
  w.u32(bytes);
}

void destroy_auth_key_result(Bytes& out, DestroyAuthKeyResult result) {
  switch (result) {
    case DestroyAuthKeyResult::kOk:
      return tl::TlWriter(out).u32(kDestroyAuthKeyOk);
    case DestroyAuthKeyResult::kNone:
      return tl::TlWriter(out).u32(kDestroyAuthKeyNone);
    case DestroyAuthKeyResult::kFail:
      return tl::TlWriter(out).u32(kDestroyAuthKeyFail);
  }
}

}  // namespace tgd::mtproto::server::wire
