#pragma once
// MTProto service messages the client session builds and parses by hand (facts §3.9, §3.10,
// §5.1), on every packet's path. Builders append one TL object to `out`; parsers take a body that
// starts with the constructor id and return nullopt when it is malformed (peer input: no
// exceptions). Constructor ids: protocol/mtproto/service_ids.hpp.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/mtproto/client/salt_store.hpp"

namespace tgd::mtproto::client_detail {

// The constructor id a body starts with; 0 if it is shorter than 4 bytes.
std::uint32_t constructor_of(ByteSpan body);

// --- builders ---
void write_msgs_ack(Bytes& out, std::span<const std::uint64_t> msg_ids);
void write_msgs_state_req(Bytes& out, std::span<const std::uint64_t> msg_ids);
void write_msg_resend_req(Bytes& out, std::span<const std::uint64_t> msg_ids);
void write_msgs_state_info(Bytes& out, std::uint64_t req_msg_id, ByteSpan info);
void write_ping(Bytes& out, std::int64_t ping_id);
void write_ping_delay_disconnect(Bytes& out, std::int64_t ping_id, std::int32_t disconnect_delay);
void write_get_future_salts(Bytes& out, std::int32_t num);
void write_rpc_drop_answer(Bytes& out, std::uint64_t req_msg_id);
void write_destroy_session(Bytes& out, std::int64_t session_id);
// invokeAfterMsg#cb9f372d msg_id:long: the query follows.
void write_invoke_after_msg_prefix(Bytes& out, std::uint64_t msg_id);
// gzip_packed#3072cfa1 packed_data:bytes. The size write_gzip_packed would append.
std::size_t gzip_packed_size(std::size_t compressed_size);
void write_gzip_packed(Bytes& out, ByteSpan compressed);

// Most msg_ids one msgs_ack / msgs_state_req / msg_resend_req may carry (facts §3.10).
inline constexpr std::size_t kMaxIdsPerMessage = 8192;

// --- parsers ---
struct RpcResultView {
  std::uint64_t req_msg_id = 0;
  ByteSpan result;  // the answer object, possibly rpc_error or gzip_packed
};
std::optional<RpcResultView> parse_rpc_result(ByteSpan body);

struct RpcErrorView {
  std::int32_t code = 0;
  std::string_view message;
};
std::optional<RpcErrorView> parse_rpc_error(ByteSpan body);

// gzip_packed: the compressed bytes.
std::optional<ByteSpan> parse_gzip_packed(ByteSpan body);

// bad_msg_notification or bad_server_salt (new_server_salt set only for the latter).
struct BadMsgView {
  std::uint64_t bad_msg_id = 0;
  std::uint32_t bad_msg_seqno = 0;
  std::int32_t error_code = 0;
  std::optional<std::int64_t> new_server_salt;
};
std::optional<BadMsgView> parse_bad_msg(ByteSpan body);

struct NewSessionView {
  std::uint64_t first_msg_id = 0;
  std::int64_t unique_id = 0;
  std::int64_t server_salt = 0;
};
std::optional<NewSessionView> parse_new_session_created(ByteSpan body);

struct PongView {
  std::uint64_t msg_id = 0;
  std::int64_t ping_id = 0;
};
std::optional<PongView> parse_pong(ByteSpan body);

struct FutureSaltsView {
  std::uint64_t req_msg_id = 0;
  std::int32_t now = 0;
  std::vector<FutureSalt> salts;
};
// future_salts#ae500895 req_msg_id now salts:vector<future_salt>: a bare vector of bare
// future_salt (no Vector id, no per-item constructor), as tdlib parses it (facts §3.10).
std::optional<FutureSaltsView> parse_future_salts(ByteSpan body);

// msgs_ack, msgs_state_req, msg_resend_req: constructor + Vector<long>. Appends to out.
bool parse_msg_id_vector(ByteSpan body, std::vector<std::uint64_t>& out);

struct StateInfoView {
  std::uint64_t req_msg_id = 0;
  ByteSpan info;
};
std::optional<StateInfoView> parse_msgs_state_info(ByteSpan body);

// msgs_all_info msg_ids:Vector<long> info:string. Ids appended to ids.
std::optional<ByteSpan> parse_msgs_all_info(ByteSpan body, std::vector<std::uint64_t>& ids);

// msg_detailed_info (msg_id set) or msg_new_detailed_info (msg_id 0).
struct DetailedInfoView {
  std::uint64_t msg_id = 0;
  std::uint64_t answer_msg_id = 0;
  std::int32_t bytes = 0;
  std::int32_t status = 0;
};
std::optional<DetailedInfoView> parse_detailed_info(ByteSpan body);

struct DestroySessionView {
  std::int64_t session_id = 0;
  bool ok = false;
};
std::optional<DestroySessionView> parse_destroy_session_result(ByteSpan body);

}  // namespace tgd::mtproto::client_detail
