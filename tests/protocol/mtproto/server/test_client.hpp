#pragma once
// A hand-made MTProto client for the server tests: it builds packets with exactly the msg_id,
// seq_no, salt and body a test chooses (envelope.hpp + crypto::MessageCipher, nothing from the
// server library), and opens the server's packets, checking what any client would check
// (facts §3.7: msg_key, session_id, odd msg_id, padding) and flattening containers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/mtproto/envelope.hpp"
#include "protocol/mtproto/message_id.hpp"

namespace tgd::mtproto::server::testing {

inline constexpr UnixNanos kT0 = std::chrono::seconds(1'700'000'000) + std::chrono::milliseconds(250);

crypto::AuthKey make_key(std::uint8_t seed);

// A message the server sent, containers opened.
struct ServerMessage {
  std::uint64_t msg_id = 0;
  std::uint32_t seq_no = 0;
  Bytes body;
  std::uint64_t container_id = 0;  // 0: sent at top level
  std::uint32_t container_seq_no = 0;
  std::int64_t salt = 0;  // of the packet
  std::uint32_t constructor() const;
};

class TestClient {
 public:
  TestClient(const crypto::AuthKey& key, std::int64_t session_id, std::int64_t salt)
      : key_(key), session_id(session_id), salt(salt) {}

  // A fresh client msg_id for time t (≡ 0 mod 4, increasing) and the next seq_no (facts §3.6).
  std::uint64_t next_msg_id(UnixNanos t) { return clock_.next(t); }
  std::uint32_t next_seq_no(bool content_related) {
    return content_related ? 2 * content_++ + 1 : 2 * content_;
  }

  // An encrypted packet with exactly these fields (salt and session_id from the client unless given).
  Bytes packet(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body) const;
  Bytes packet(const MessageHeader& header, ByteSpan body) const;
  // A packet whose plaintext is given as-is (for envelope violations): only encrypted.
  Bytes raw_packet(ByteSpan plaintext) const;

  // Decrypts and checks one server packet; CHECK-fails (and returns nothing) if it is not valid.
  std::vector<ServerMessage> open(ByteSpan packet) const;

  const crypto::AuthKey& key() const { return key_; }

 private:
  const crypto::AuthKey& key_;
  MsgIdClock clock_;
  std::uint32_t content_ = 0;

 public:
  std::int64_t session_id;
  std::int64_t salt;
};

// --- Client message bodies ---
inline constexpr std::uint32_t kGetNearestDc = 0x1fb33026;  // help.getNearestDc
Bytes get_nearest_dc();
Bytes api_query(std::uint32_t constructor, std::size_t payload_ints = 0);  // a made-up API call
Bytes ping(std::int64_t ping_id);
Bytes ping_delay_disconnect(std::int64_t ping_id, std::int32_t delay);
Bytes msgs_ack(const std::vector<std::uint64_t>& ids);
Bytes msgs_state_req(const std::vector<std::uint64_t>& ids);
Bytes msg_resend_req(const std::vector<std::uint64_t>& ids);
Bytes get_future_salts(std::int32_t num);
Bytes destroy_session(std::int64_t session_id);
Bytes rpc_drop_answer(std::uint64_t req_msg_id);
Bytes http_wait();
Bytes destroy_auth_key();
inline constexpr std::uint32_t kDestroyAuthKeyOk = 0xf660e1d4;
Bytes msg_copy(ByteSpan inner);
Bytes gzip_packed(ByteSpan object);  // gzip framing (Telethon)
Bytes zlib_packed(ByteSpan object);  // zlib framing (tdlib, mtcute)

struct Item {
  std::uint64_t msg_id;
  std::uint32_t seq_no;
  Bytes body;
};
Bytes container(const std::vector<Item>& items);

// --- Reading server messages ---
struct BadMsg {
  std::uint64_t bad_msg_id = 0;
  std::uint32_t bad_msg_seqno = 0;
  std::int32_t code = 0;
  std::int64_t new_salt = 0;  // bad_server_salt only
};
std::optional<BadMsg> as_bad_msg(const ServerMessage& m);  // bad_msg_notification or bad_server_salt

struct RpcResult {
  std::uint64_t req_msg_id = 0;
  Bytes result;  // inflated if it was gzip_packed
  bool gzipped = false;
  bool gzip_framing = false;  // 1f 8b
};
std::optional<RpcResult> as_rpc_result(const ServerMessage& m);

struct NewSession {
  std::uint64_t first_msg_id = 0;
  std::uint64_t unique_id = 0;
  std::int64_t server_salt = 0;
};
std::optional<NewSession> as_new_session(const ServerMessage& m);

std::vector<std::uint64_t> as_msgs_ack(const ServerMessage& m);  // empty if not msgs_ack

struct StateInfo {
  std::uint64_t req_msg_id = 0;
  Bytes info;
};
std::optional<StateInfo> as_state_info(const ServerMessage& m);

// msg_detailed_info (msg_id set) or msg_new_detailed_info (msg_id 0).
struct DetailedInfo {
  std::uint64_t msg_id = 0;
  std::uint64_t answer_msg_id = 0;
  std::uint32_t bytes = 0;
  std::int32_t status = 0;
};
std::optional<DetailedInfo> as_detailed_info(const ServerMessage& m);

std::uint32_t constructor_of_bytes(ByteSpan b);

}  // namespace tgd::mtproto::server::testing
