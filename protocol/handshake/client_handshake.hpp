#pragma once
// The client side of auth key creation (facts §2), sans-IO: unencrypted messages in, unencrypted
// messages out (the caller frames them for the transport). Every check of facts §2.1-§2.5 is made;
// the first failed check ends the handshake with a reason, and the caller drops the connection.
//
//   ClientHandshake hs(options);
//   send(hs.start(now));
//   for each message received:  Step s = hs.on_message(message, now);
//     Send   -> send s.message, keep reading
//     Done   -> the auth key, first server_salt and time offset; the handshake is over
//     Failed -> log s.code / s.message and close the connection
#include <cstdint>
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
#include "protocol/handshake/messages.hpp"
#include "protocol/handshake/plain_message.hpp"
#include "protocol/handshake/rsa_inner_data.hpp"
#include "protocol/handshake/sources.hpp"

namespace tgd::handshake {

enum class ClientError : std::uint8_t {
  kBadPlainMessage,      // not a well-formed unencrypted message (facts §3.4)
  kUnexpectedMessage,    // a constructor this step does not expect, or a message before start()/after the end
  kMalformedMessage,     // the expected constructor, but truncated or with trailing bytes
  kNonceMismatch,        // nonce is not ours (in any answer or in server_DH_inner_data)
  kServerNonceMismatch,  // server_nonce differs from resPQ's
  kBadPq,                // pq is not the product of two distinct primes that fits 64 bits
  kNoKnownRsaKey,        // none of the offered fingerprints belongs to a key we accept
  kRsaEncryptFailed,     // p_q_inner_data could not be encrypted (wrong key size, broken random source)
  kBadEncryptedAnswer,   // encrypted_answer not a positive multiple of 16, or no server_DH_inner_data inside
  kBadAnswerHash,        // SHA1 of server_DH_inner_data differs
  kBadAnswerPadding,     // more than 15 bytes after server_DH_inner_data
  kBadDhPrime,           // dh_prime is not a 2048-bit safe prime (facts §2.5)
  kBadDhGenerator,       // g outside 2..7, or dh_prime fails g's quadratic-residue condition
  kBadGA,                // g_a outside [2^1984, dh_prime - 2^1984]
  kBadGB,                // no b gave a g_b in range (only with a broken random source)
  kServerDhParamsFail,   // the server answered server_DH_params_fail (its hash checked out)
  kDhGenFail,            // the server answered dh_gen_fail (its hash checked out)
  kBadNewNonceHash,      // new_nonce_hash of server_DH_params_fail or dh_gen_* does not match
  kTooManyRetries,       // dh_gen_retry more often than Options::max_retries
};
std::string_view describe(ClientError e);

class ClientHandshake {
 public:
  struct Options {
    // Sent in p_q_inner_data_dc as is: the caller adds 10000 for test DCs and negates for media
    // DCs (facts §2.1 step 4).
    std::int32_t dc_id = 0;
    // The keys we accept, in order of preference; the first whose fingerprint the server offers is
    // used (facts §2.9). tgd passes its built-in production or test key, or the local test DC's key.
    std::vector<crypto::RsaPublicKey> rsa_keys;
    // Set for a temporary (PFS) key: p_q_inner_data_temp_dc with this lifetime in seconds (§2.7).
    std::optional<std::int32_t> temp_key_expires_in;
    // All randomness, drawn in this order (tests script it to replay facts §2.11): nonce (16),
    // new_nonce (32), the RSA padding and temp keys (see encrypt_pq_inner_data), then per
    // set_client_DH_params b (256, redrawn while g_b is out of range) and the 0..15 padding bytes.
    RandomSource random = crypto::random_fill;
    // kLegacy sends p_q_inner_data(_temp) without dc under the legacy RSA scheme, as Telethon v1
    // does. Only for testing that the test DC accepts such clients; tgd itself uses RSA_PAD.
    RsaScheme rsa_scheme = RsaScheme::kRsaPad;
    // How many dh_gen_retry answers to follow before giving up.
    int max_retries = 5;
  };

  struct Send {
    Bytes message;  // an unencrypted message, ready for the transport
  };
  struct Done {
    crypto::AuthKey key;
    std::int64_t server_salt = 0;  // new_nonce[0..8] XOR server_nonce[0..8] read as a LE long (§2.1 step 8)
    std::int32_t time_offset = 0;  // server_time - now, seconds (facts §2.8)
  };
  struct Failed {
    ClientError code = ClientError::kUnexpectedMessage;
    std::string message;  // what was wrong, for logs
  };
  using Step = std::variant<Send, Done, Failed>;

  explicit ClientHandshake(Options options);

  // Starts (or restarts) the handshake: returns req_pq_multi with a fresh nonce.
  Bytes start(UnixNanos now);
  // Feeds one unencrypted message from the server (a whole transport payload).
  Step on_message(ByteSpan message, UnixNanos now);

 private:
  enum class State : std::uint8_t { kIdle, kWaitResPq, kWaitDhParams, kWaitDhGen, kDone, kFailed };

  Step on_res_pq(ByteSpan body, UnixNanos now);
  Step on_server_dh_params(ByteSpan body, UnixNanos now);
  Step on_dh_gen_answer(ByteSpan body, UnixNanos now);
  // Draws b, derives the auth key this attempt would give and sends set_client_DH_params.
  Step send_client_dh_params(UnixNanos now);
  Step send(ByteSpan body, UnixNanos now);
  Step fail(ClientError code, std::string message);

  Options options_;
  State state_ = State::kIdle;
  MsgIdClock msg_ids_;
  Int128 nonce_{};
  Int128 server_nonce_{};
  NewNonce new_nonce_;
  std::optional<crypto::AesKeyIv> tmp_;
  Bytes dh_prime_;
  std::int32_t g_ = 0;
  Bytes g_a_;
  std::optional<crypto::AuthKey> auth_key_;  // the key of the last set_client_DH_params
  crypto::AuthKeyAuxHash retry_id_{};
  int retries_ = 0;
  std::int64_t time_offset_ = 0;
};

}  // namespace tgd::handshake
