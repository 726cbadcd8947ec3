#pragma once
// What a ClientSession hands back to its driver: packets to write and events to deliver.
//
// Every RequestId gets exactly one of Result, Error or Failed, unless the caller cancels it first
// (cancel() returning true is then its outcome).
#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/mtproto/client/request_id.hpp"

namespace tgd::mtproto {

// One encrypted MTProto payload (auth_key_id | msg_key | ciphertext) for the transport to frame.
struct OutgoingPacket {
  Bytes payload;
  // The token the server echoes in a quick ack of this packet (facts §1.5).
  std::uint32_t quick_ack_token = 0;
  // Some request in the packet asked for a quick ack: frame it with the quick-ack flag.
  bool quick_ack = false;
};

enum class FailReason : std::uint8_t {
  Timeout,          // SendOptions::deadline passed
  Rejected,         // bad_msg_notification 18, 19, 64 or an unknown code: see Failed::code
  MalformedAnswer,  // the rpc_result could not be decoded (corrupt gzip_packed)
};

namespace client_event {

// rpc_result: the answer object (gzip_packed already inflated).
struct Result {
  RequestId id;
  Bytes body;
};
// rpc_result carrying rpc_error (facts §5.2: match on the message, the code is a hint).
struct Error {
  RequestId id;
  std::int32_t code = 0;
  std::string message;
};
struct Failed {
  RequestId id;
  FailReason reason = FailReason::Timeout;
  std::int32_t code = 0;  // the bad_msg_notification error code for Rejected
};
// The transport's quick ack for a packet: these requests reached the server.
struct QuickAcked {
  std::vector<RequestId> ids;
};
// A content-related server message that is not an answer: Updates pushed by the server.
struct Update {
  std::uint64_t msg_id = 0;
  Bytes body;
};
// The server started a new session (facts §3.10): updates may have been lost, run getDifference.
struct NewSessionCreated {
  std::uint64_t first_msg_id = 0;
  std::int64_t unique_id = 0;
  std::int64_t server_salt = 0;
};
struct Pong {
  std::int64_t ping_id = 0;
  std::chrono::nanoseconds rtt{0};
};
// Answer to destroy_session.
struct DestroySessionResult {
  std::int64_t session_id = 0;
  bool destroyed = false;  // destroy_session_ok (else destroy_session_none)
};

}  // namespace client_event

using ClientEvent =
    std::variant<client_event::Result, client_event::Error, client_event::Failed, client_event::QuickAcked,
                 client_event::Update, client_event::NewSessionCreated, client_event::Pong,
                 client_event::DestroySessionResult>;

}  // namespace tgd::mtproto
