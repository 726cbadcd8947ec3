#pragma once
// Test-only server side of an encrypted MTProto session: opens client packets with the same auth
// key (direction client->server), and builds server packets (server->client) with chosen
// msg_ids, seq_nos, salts and session ids. EchoServer on top of it answers like a well-behaved
// server, for the randomized and throughput tests.
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/message_cipher.hpp"
#include "protocol/mtproto/client/client_session.hpp"
#include "protocol/mtproto/envelope.hpp"
#include "protocol/mtproto/message_id.hpp"

namespace tgd::mtproto::test {

// 2023-11-14, a fixed "now" for tests.
inline constexpr std::int64_t kT0 = 1'700'000'000;
inline UnixNanos at(double seconds_after_t0) {
  return UnixNanos(static_cast<std::int64_t>((static_cast<double>(kT0) + seconds_after_t0) * 1e9));
}

crypto::AuthKey test_auth_key();
// Deterministic random bytes (splitmix64), so failures reproduce.
RandomSource seeded_random(std::uint64_t seed);
// Options with the periodic extras (keep-alive, salt refresh, state checks) off, so tests see only
// what they provoke.
ClientSessionOptions quiet_options();

// A query body for tests: a made-up constructor and a number.
inline constexpr std::uint32_t kTestQuery = 0x7e57c0de;
inline constexpr std::uint32_t kTestAnswer = 0x7e57a115;
Bytes test_query(std::uint32_t n, std::size_t extra_bytes = 0);
// The answer EchoServer gives to a query: kTestAnswer followed by the query.
Bytes test_answer(ByteSpan query);

struct ClientMessage {
  std::uint64_t msg_id = 0;
  std::uint32_t seq_no = 0;
  Bytes body;
};
struct ClientPacket {
  MessageHeader header;  // of the packet: the container, or the single message
  bool container = false;
  std::vector<ClientMessage> messages;  // the container's items, or the single message
  std::uint32_t quick_ack_token = 0;
};

// A client query with the transparent wrappers removed.
struct Query {
  Bytes body;
  std::uint64_t after = 0;  // invokeAfterMsg's msg_id, 0 if none
  bool gzipped = false;
};
Query unwrap(ByteSpan body);

std::uint32_t constructor(ByteSpan body);
// msgs_ack / msgs_state_req / msg_resend_req ids.
std::vector<std::uint64_t> id_vector(ByteSpan body);
bool is_service(ByteSpan body);  // acks, pings, state and salt requests: not a test query

// Server message bodies.
Bytes rpc_result(std::uint64_t req_msg_id, ByteSpan result);
Bytes rpc_error(std::uint64_t req_msg_id, std::int32_t code, std::string_view message);
Bytes gzip_packed(ByteSpan object);
Bytes bad_server_salt(std::uint64_t bad_msg_id, std::uint32_t bad_seq_no, std::int64_t new_salt);
Bytes bad_msg_notification(std::uint64_t bad_msg_id, std::uint32_t bad_seq_no, std::int32_t code);
Bytes new_session_created(std::uint64_t first_msg_id, std::int64_t unique_id, std::int64_t salt);
Bytes pong(std::uint64_t msg_id, std::int64_t ping_id);
Bytes future_salts(std::uint64_t req_msg_id, std::int32_t now,
                   const std::vector<client_detail::FutureSalt>& salts);
Bytes msgs_ack(const std::vector<std::uint64_t>& ids);
Bytes msgs_state_req(const std::vector<std::uint64_t>& ids);
Bytes msgs_state_info(std::uint64_t req_msg_id, ByteSpan info);
Bytes msg_resend_req(const std::vector<std::uint64_t>& ids);
Bytes msg_detailed_info(std::uint64_t msg_id, std::uint64_t answer_msg_id);
Bytes destroy_session_ok(std::int64_t session_id);

class FakeServer {
 public:
  FakeServer(const crypto::AuthKey& key, std::int64_t salt);

  std::optional<ClientPacket> open(ByteSpan payload);

  void set_session(std::int64_t session_id) { session_id_ = session_id; }
  std::int64_t session() const { return session_id_; }
  void set_salt(std::int64_t salt) { salt_ = salt; }
  std::int64_t salt() const { return salt_; }
  void reset_seq() { content_messages_ = 0; }

  struct Message {
    std::uint64_t msg_id = 0;
    std::uint32_t seq_no = 0;
    Bytes body;
  };
  std::uint64_t next_msg_id(UnixNanos now, bool response = true);
  std::uint32_t next_seq_no(bool content_related);
  // A message with the next msg_id and seq_no.
  Message message(Bytes body, bool content_related, UnixNanos now, bool response = true);

  // One message alone, or several in a container, in one packet for session().
  Bytes seal(const Message& m);
  Bytes seal(const std::vector<Message>& items, UnixNanos now);
  // Full control over the header (session_id, msg_id, seq_no).
  Bytes seal_raw(const MessageHeader& header, ByteSpan body);

 private:
  const crypto::AuthKey& key_;
  crypto::MessageCipher cipher_;
  RandomSource random_;
  MsgIdClock clock_;
  std::int64_t salt_;
  std::int64_t session_id_ = 0;
  std::uint32_t content_messages_ = 0;
  Bytes plaintext_;
};

// A server that answers every query with test_answer(query) (or rpc_error for queries whose
// number is a multiple of error_every), pings with pongs, get_future_salts with one salt,
// msgs_state_req with what it has seen, rpc_drop_answer with rpc_answer_unknown; refuses packets
// with a stale salt with bad_server_salt.
class EchoServer {
 public:
  EchoServer(const crypto::AuthKey& key, std::int64_t salt);

  // Appends the packets it answers with.
  void handle(ByteSpan payload, UnixNanos now, std::vector<Bytes>& out);
  void rotate_salt(std::int64_t salt) { server_.set_salt(salt); }
  void set_error_every(std::uint32_t n) { error_every_ = n; }

  std::uint64_t queries_answered() const { return answered_; }
  std::uint64_t bad_salts_sent() const { return bad_salts_; }

 private:
  FakeServer server_;
  std::unordered_set<std::uint64_t> seen_;  // client msg_ids received
  std::uint32_t error_every_ = 0;
  std::uint64_t answered_ = 0;
  std::uint64_t bad_salts_ = 0;
  std::vector<FakeServer::Message> answers_;
};

}  // namespace tgd::mtproto::test
