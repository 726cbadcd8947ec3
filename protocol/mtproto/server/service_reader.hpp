#pragma once
// Parsing of the service messages a client sends (facts §3.10) and the seq_no rules that go with
// their constructors (facts §3.6). Every parser wants the exact length: trailing bytes are malformed.
#include <cstdint>
#include <cstring>
#include <optional>

#include "protocol/base/bytes.hpp"

namespace tgd::mtproto::server {

inline constexpr std::uint32_t kDestroyAuthKey = 0xd1435160;
inline constexpr std::size_t kMaxIdsPerMessage = 8192;  // msgs_ack / msgs_state_req / msg_resend_req

// How a client message is treated, by its constructor.
enum class MessageKind : std::uint8_t {
  kQuery,      // an API call: everything not listed below. Must be content-related (odd), else 35
  kAck,        // msgs_ack: not content-related (even); odd is tolerated and counted (Appendix B.2)
  kContainer,  // msg_container: even, else 34
  kGzip,       // gzip_packed: unwrapped first; the inner object's rules apply (facts §3.6)
  kMsgCopy,    // even, else 34; then dropped as unsupported
  // MTProto service requests and notices: ping, ping_delay_disconnect, get_future_salts,
  // destroy_session, rpc_drop_answer, msgs_state_req, msg_resend_req, http_wait, destroy_auth_key,
  // and the state notices a client may echo. facts §3.6: "anything else may be either", and tdlib
  // sends all of them with an even seq_no while Telethon's ping is odd, so either parity is accepted.
  kService,
};
MessageKind classify(std::uint32_t constructor);

inline std::uint32_t constructor_of(ByteSpan body) {
  std::uint32_t id = 0;
  if (body.size() >= 4) std::memcpy(&id, body.data(), 4);
  return id;
}

// A Vector<long> of msg_ids, viewed in place (no allocation per msgs_ack).
class MsgIdList {
 public:
  explicit MsgIdList(ByteSpan raw = {}) : raw_(raw) {}
  std::size_t size() const { return raw_.size() / 8; }
  std::uint64_t operator[](std::size_t i) const {
    std::uint64_t v;
    std::memcpy(&v, raw_.data() + i * 8, 8);
    return v;
  }

 private:
  ByteSpan raw_;
};

struct PingRequest {
  std::int64_t ping_id = 0;
  std::optional<std::int32_t> disconnect_delay;  // ping_delay_disconnect
};

// msgs_ack, msgs_state_req, msg_resend_req: constructor + Vector<long>, at most kMaxIdsPerMessage.
std::optional<MsgIdList> parse_msg_ids(ByteSpan body);
std::optional<PingRequest> parse_ping(ByteSpan body);  // ping or ping_delay_disconnect
std::optional<std::int32_t> parse_get_future_salts(ByteSpan body);
std::optional<std::int64_t> parse_destroy_session(ByteSpan body);
std::optional<std::uint64_t> parse_rpc_drop_answer(ByteSpan body);
// gzip_packed#3072cfa1 packed_data:bytes -> the compressed bytes.
std::optional<ByteSpan> parse_gzip_packed(ByteSpan body);

}  // namespace tgd::mtproto::server
