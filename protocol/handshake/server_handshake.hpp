#pragma once
// The server side of auth key creation (facts §2), for the local test DC, sans-IO. It is as strict
// as Telegram is documented to be and accepts what real clients send: req_pq and req_pq_multi,
// RSA_PAD with p_q_inner_data_dc / _temp_dc (tdlib, mtcute, tgd) and the legacy RSA scheme with
// p_q_inner_data / _temp (Telethon v1).
//
// One object per connection. For each unencrypted message from the client:
//   Send   -> send s.message
//   Done   -> send s.message (dh_gen_ok), then store s.key: the handshake is complete
//   Failed -> send the transport error s.transport_error() (-404, or -444 for a wrong DC) and close
// Per facts §2.1 "server behaviour": a request identical to the previous one gets the same answer
// again; anything out of order is a failure, and so is every message after a failure. After a
// completed (or refused) handshake, a new req_pq starts another one on the same connection (a client
// may create a temporary key right after the permanent one).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/mtproto_kdf.hpp"
#include "protocol/crypto/random.hpp"
#include "protocol/crypto/rsa.hpp"
#include "protocol/crypto/secure_bytes.hpp"
#include "protocol/handshake/messages.hpp"
#include "protocol/handshake/plain_message.hpp"
#include "protocol/handshake/rsa_inner_data.hpp"
#include "protocol/handshake/sources.hpp"

namespace tgd::handshake {

enum class ServerError : std::uint8_t {
  kBadPlainMessage,      // not a well-formed unencrypted message, or a msg_id not ≡ 0 mod 4 (facts §3.5)
  kUnexpectedMessage,    // an unknown constructor, or a step out of order (including replays of older steps)
  kAfterFailure,         // any message after a failure (facts §2.1: the state keeps answering -404)
  kMalformedMessage,     // the right constructor, but truncated or with trailing bytes
  kNonceMismatch,        // nonce differs from req_pq's (outer message or inner data)
  kServerNonceMismatch,  // server_nonce differs from ours
  kUnknownFingerprint,   // public_key_fingerprint is not our key's
  kBadPq,                // p * q != pq, or the inner data's pq, p, q differ from what was sent
  kBadRsaPayload,        // encrypted_data decodes to p_q_inner_data under neither RSA scheme
  kWrongDc,              // p_q_inner_data_dc's dc is not one we serve: transport error -444
  kBadExpiresIn,         // a temporary key with expires_in <= 0
  kBadEncryptedData,     // set_client_DH_params.encrypted_data: bad length, or no client_DH_inner_data inside
  kBadDataHash,          // SHA1 of client_DH_inner_data differs
  kBadDataPadding,       // more than 15 bytes after client_DH_inner_data
  kBadRetryId,           // retry_id is neither 0 (first attempt) nor the rejected key's aux hash
  kBadGB,                // g_b outside [2^1984, dh_prime - 2^1984]
  kInternal,             // misconfiguration (no RSA key) or a broken random source
};
std::string_view describe(ServerError e);
// The transport error to send before closing (facts §1.6): -444 for kWrongDc, -404 otherwise.
std::int32_t transport_error(ServerError e);

class ServerHandshake {
 public:
  // Deliberate misbehaviour, so the client's less common paths can be tested end to end.
  struct Faults {
    bool dh_gen_retry_once = false;      // answer the first set_client_DH_params with dh_gen_retry
    bool server_dh_params_fail = false;  // answer req_DH_params with server_DH_params_fail
    bool dh_gen_fail = false;            // answer set_client_DH_params with dh_gen_fail
  };

  struct Options {
    // The test DC's key (shared by all connections); its fingerprint is the one offered in resPQ.
    std::shared_ptr<const crypto::RsaPrivateKey> rsa_key;
    // DH group; empty means Telegram's production prime. Not checked here, so tests can make the
    // server send parameters a client must refuse.
    Bytes dh_prime;
    std::int32_t g = 3;
    // dc values accepted in p_q_inner_data_dc (e.g. {10002, -10002} for test DC 2 and its media
    // side); empty accepts any. The legacy p_q_inner_data carries no dc and is always accepted.
    std::vector<std::int32_t> accepted_dc_ids;
    // Draws server_nonce (16), the pq seed (8), a (256 per draw) and the answer padding (0..15).
    RandomSource random = crypto::random_fill;
    Faults faults;
  };

  struct Send {
    Bytes message;  // an unencrypted message
  };
  struct Done {
    Bytes message;  // dh_gen_ok, to be sent like a Send
    crypto::AuthKey key;
    std::int64_t server_salt = 0;    // the first salt, as the client computes it (§2.1 step 8)
    bool temp = false;               // p_q_inner_data_temp(_dc): a temporary key (§2.7)
    std::int32_t expires_in = 0;     // seconds, for a temporary key
    std::optional<std::int32_t> dc;  // as sent; none for the legacy constructors
    RsaScheme rsa_scheme = RsaScheme::kRsaPad;
  };
  struct Failed {
    ServerError code = ServerError::kUnexpectedMessage;
    std::string message;
    std::int32_t transport_error() const { return handshake::transport_error(code); }
  };
  using Step = std::variant<Send, Done, Failed>;

  explicit ServerHandshake(Options options);

  // Feeds one unencrypted message from the client (a whole transport payload).
  Step on_message(ByteSpan message, UnixNanos now);

 private:
  enum class State : std::uint8_t { kWaitReqPq, kWaitReqDh, kWaitSetClientDh, kFinished, kFailed };

  Step on_req_pq(ByteSpan body, UnixNanos now);
  Step on_req_dh_params(ByteSpan body, UnixNanos now);
  Step on_set_client_dh_params(ByteSpan body, UnixNanos now);
  // Wraps the answer, remembering it for an identical repeat of the request.
  Bytes answer(ByteSpan request, Bytes body, UnixNanos now);
  Step fail(ServerError code, std::string message);
  std::uint64_t make_pq();

  Options options_;
  State state_ = State::kWaitReqPq;
  MsgIdClock msg_ids_;
  Bytes last_request_;  // body of the last request answered, and the answer's body
  Bytes last_answer_;

  // The handshake in progress.
  Int128 nonce_{};
  Int128 server_nonce_{};
  std::uint64_t pq_ = 0;
  NewNonce new_nonce_;
  std::optional<crypto::AesKeyIv> tmp_;
  crypto::SecureBytes a_;
  std::optional<std::int32_t> dc_;
  std::optional<std::int32_t> expires_in_;
  RsaScheme rsa_scheme_ = RsaScheme::kRsaPad;
  crypto::AuthKeyAuxHash expected_retry_id_{};
  bool retry_sent_ = false;
};

}  // namespace tgd::handshake
