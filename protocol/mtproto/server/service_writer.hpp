#pragma once
// Bodies of the messages the server sends (facts §3.9-3.11), serialized by hand: they are on every
// answer's path. Each function appends one boxed object to `out`.
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/base/bytes.hpp"
#include "protocol/mtproto/server/salt_schedule.hpp"

namespace tgd::mtproto::server::wire {

// rpc_result#f35c6d01 req_msg_id:long result:Object. A result larger than gzip_min_size is sent
// as gzip_packed (gzip framing, which Telethon needs, facts §3.11) when that is smaller.
void rpc_result(Bytes& out, std::uint64_t req_msg_id, ByteSpan result, std::size_t gzip_min_size);
// rpc_error#2144ca19 error_code:int error_message:string
void rpc_error(Bytes& out, std::int32_t code, std::string_view message);
// The object itself, or gzip_packed#3072cfa1 around it when that is smaller (pushed updates).
void maybe_gzip(Bytes& out, ByteSpan object, std::size_t gzip_min_size);

void bad_msg_notification(Bytes& out, std::uint64_t bad_msg_id, std::uint32_t bad_msg_seqno,
                          std::int32_t code);
void bad_server_salt(Bytes& out, std::uint64_t bad_msg_id, std::uint32_t bad_msg_seqno,
                     std::int64_t new_salt);
void new_session_created(Bytes& out, std::uint64_t first_msg_id, std::uint64_t unique_id, std::int64_t salt);
void pong(Bytes& out, std::uint64_t ping_msg_id, std::int64_t ping_id);
// future_salts#ae500895 req_msg_id now:int salts:vector<future_salt>: a bare vector of bare
// future_salt (mtproto.tl), so neither a Vector id nor per-element ids.
void future_salts(Bytes& out, std::uint64_t req_msg_id, std::int32_t now, std::span<const FutureSalt> salts);
void msgs_ack(Bytes& out, std::span<const std::uint64_t> msg_ids);
void msgs_state_info(Bytes& out, std::uint64_t req_msg_id, ByteSpan info);
void destroy_session_result(Bytes& out, bool destroyed, std::int64_t session_id);
// msg_detailed_info#276d3ec6 msg_id answer_msg_id bytes status / msg_new_detailed_info#809db6df
// answer_msg_id bytes status: "this message was answered (or sent) as answer_msg_id, `bytes` long".
void msg_detailed_info(Bytes& out, std::uint64_t msg_id, std::uint64_t answer_msg_id, std::uint32_t bytes,
                       std::int32_t status);
void msg_new_detailed_info(Bytes& out, std::uint64_t answer_msg_id, std::uint32_t bytes, std::int32_t status);
void rpc_answer_unknown(Bytes& out);
void rpc_answer_dropped_running(Bytes& out);
void rpc_answer_dropped(Bytes& out, std::uint64_t msg_id, std::uint32_t seq_no, std::uint32_t bytes);
enum class DestroyAuthKeyResult : std::uint8_t { kOk, kNone, kFail };
// destroy_auth_key_ok#f660e1d4 / destroy_auth_key_none#0a9f2259 / destroy_auth_key_fail#ea109b13
void destroy_auth_key_result(Bytes& out, DestroyAuthKeyResult result);

}  // namespace tgd::mtproto::server::wire
