#include "protocol/handshake/server_handshake.hpp"

#include <algorithm>
#include <cstring>

#include "protocol/base/hex.hpp"
#include "protocol/crypto/dh.hpp"
#include "protocol/crypto/handshake_kdf.hpp"
#include "protocol/crypto/pq.hpp"
#include "protocol/handshake/hashed_data.hpp"

namespace tgd::handshake {
namespace {

constexpr int kMaxExponentDraws = 16;

// A big-endian integer of at most 8 significant bytes.
std::optional<std::uint64_t> be_u64(ByteSpan bytes) {
  while (!bytes.empty() && bytes.front() == 0) bytes = bytes.subspan(1);
  if (bytes.size() > 8) return std::nullopt;
  std::uint64_t value = 0;
  for (std::uint8_t b : bytes) value = value << 8 | b;
  return value;
}

// The smallest prime >= candidate (candidate < 2^31, so this ends well within 64 bits).
std::uint64_t next_prime(std::uint64_t candidate) {
  candidate |= 1;
  while (!crypto::is_prime_u64(candidate)) candidate += 2;
  return candidate;
}

std::int64_t salt_value(const std::array<std::uint8_t, 8>& bytes) {
  std::int64_t value;
  std::memcpy(&value, bytes.data(), 8);  // a TL long: little-endian, like every tgd target
  return value;
}

}  // namespace

std::string_view describe(ServerError e) {
  switch (e) {
    case ServerError::kBadPlainMessage:
      return "malformed unencrypted message";
    case ServerError::kUnexpectedMessage:
      return "unexpected message";
    case ServerError::kAfterFailure:
      return "message after a failed handshake";
    case ServerError::kMalformedMessage:
      return "malformed handshake message";
    case ServerError::kNonceMismatch:
      return "nonce mismatch";
    case ServerError::kServerNonceMismatch:
      return "server_nonce mismatch";
    case ServerError::kUnknownFingerprint:
      return "unknown RSA key fingerprint";
    case ServerError::kBadPq:
      return "bad p or q";
    case ServerError::kBadRsaPayload:
      return "bad RSA-encrypted data";
    case ServerError::kWrongDc:
      return "wrong DC id";
    case ServerError::kBadExpiresIn:
      return "bad expires_in";
    case ServerError::kBadEncryptedData:
      return "bad encrypted_data";
    case ServerError::kBadDataHash:
      return "bad encrypted_data hash";
    case ServerError::kBadDataPadding:
      return "bad encrypted_data padding";
    case ServerError::kBadRetryId:
      return "bad retry_id";
    case ServerError::kBadGB:
      return "g_b out of range";
    case ServerError::kInternal:
      return "internal error";
  }
  return "unknown error";
}

std::int32_t transport_error(ServerError e) { return e == ServerError::kWrongDc ? -444 : -404; }

ServerHandshake::ServerHandshake(Options options) : options_(std::move(options)) {
  if (!options_.random) options_.random = crypto::random_fill;
  if (options_.dh_prime.empty()) {
    const ByteSpan prime = crypto::production_dh_prime();
    options_.dh_prime.assign(prime.begin(), prime.end());
  }
}

ServerHandshake::Step ServerHandshake::on_message(ByteSpan message, UnixNanos now) {
  if (state_ == State::kFailed) return Failed{ServerError::kAfterFailure, "the handshake has already failed"};
  const PlainMessageResult parsed = parse_plain_message(message);
  if (!parsed.message) return fail(ServerError::kBadPlainMessage, std::string(describe(parsed.error)));
  if (parsed.message->msg_id % 4 != 0)
    return fail(ServerError::kBadPlainMessage,
                "client msg_id " + std::to_string(parsed.message->msg_id) + " is not a multiple of 4");
  const ByteSpan body = parsed.message->body;

  // A client that did not get our answer re-sends the same request: answer it the same way. The
  // answer keeps its body but gets a new msg_id, since server msg_ids must grow (facts §3.5).
  if (!last_request_.empty() &&
      std::equal(body.begin(), body.end(), last_request_.begin(), last_request_.end()))
    return Send{build_plain_message(msg_ids_.next(now, MsgIdKind::ServerResponse), last_answer_)};

  const std::optional<std::uint32_t> id = constructor_id(body);
  if (id == tl_id::kReqPq || id == tl_id::kReqPqMulti) {
    if (state_ != State::kWaitReqPq && state_ != State::kFinished)
      return fail(ServerError::kUnexpectedMessage, "req_pq in the middle of a handshake");
    return on_req_pq(body, now);
  }
  if (id == tl_id::kReqDhParams) {
    if (state_ != State::kWaitReqDh)
      return fail(ServerError::kUnexpectedMessage, "req_DH_params out of order");
    return on_req_dh_params(body, now);
  }
  if (id == tl_id::kSetClientDhParams) {
    if (state_ != State::kWaitSetClientDh)
      return fail(ServerError::kUnexpectedMessage, "set_client_DH_params out of order");
    return on_set_client_dh_params(body, now);
  }
  return fail(ServerError::kUnexpectedMessage, "not a handshake request");
}

// Facts §2.1 rows 1-2: a fresh server_nonce and pq, and our key's fingerprint.
ServerHandshake::Step ServerHandshake::on_req_pq(ByteSpan body, UnixNanos now) {
  const std::optional<ReqPq> req = parse_req_pq(body);
  if (!req) return fail(ServerError::kMalformedMessage, "malformed req_pq");
  if (!options_.rsa_key) return fail(ServerError::kInternal, "no RSA key configured");

  // Forget any previous handshake on this connection.
  tmp_.reset();
  a_.clear();
  dc_.reset();
  expires_in_.reset();
  expected_retry_id_ = {};
  retry_sent_ = false;

  nonce_ = req->nonce;
  options_.random(server_nonce_);
  pq_ = make_pq();
  ResPq res;
  res.nonce = nonce_;
  res.server_nonce = server_nonce_;
  res.pq = crypto::to_big_endian(pq_);
  res.fingerprints = {options_.rsa_key->public_key().fingerprint()};
  state_ = State::kWaitReqDh;
  return Send{answer(body, serialize(res), now)};
}

// Two distinct primes in [2^30, 2^31), like Telegram's (facts §2.11: 1513098571 x 1780931429), so
// pq < 2^62 and the client's Pollard rho needs ~2^15 steps.
std::uint64_t ServerHandshake::make_pq() {
  std::array<std::uint8_t, 8> seed;
  options_.random(seed);
  const auto pick = [](const std::uint8_t* b) {
    const std::uint32_t v = std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 |
                            std::uint32_t{b[3]} << 24;
    // Below 2^31 - 2^20, so the next prime is still below 2^31 (prime gaps there are < 400).
    return std::uint64_t{(v & 0x3fefffffu) | 0x40000000u};
  };
  const std::uint64_t p = next_prime(pick(seed.data()));
  std::uint64_t q = next_prime(pick(seed.data() + 4));
  if (q == p) q = next_prime(q + 2);
  return p * q;
}

// Facts §2.1 rows 4-5 and §2.2: decode p_q_inner_data, check it against everything sent so far,
// answer with server_DH_inner_data under the tmp key.
ServerHandshake::Step ServerHandshake::on_req_dh_params(ByteSpan body, UnixNanos now) {
  const std::optional<ReqDhParams> req = parse_req_dh_params(body);
  if (!req) return fail(ServerError::kMalformedMessage, "malformed req_DH_params");
  if (req->nonce != nonce_)
    return fail(ServerError::kNonceMismatch, "req_DH_params nonce " + to_hex(req->nonce));
  if (req->server_nonce != server_nonce_)
    return fail(ServerError::kServerNonceMismatch, "req_DH_params server_nonce " + to_hex(req->server_nonce));
  if (req->public_key_fingerprint != options_.rsa_key->public_key().fingerprint())
    return fail(ServerError::kUnknownFingerprint,
                "fingerprint " + std::to_string(req->public_key_fingerprint) + " is not our key's");

  const std::optional<std::uint64_t> p = be_u64(req->p);
  const std::optional<std::uint64_t> q = be_u64(req->q);
  std::uint64_t product = 0;
  // Either order (clients send p < q) as long as the inner data agrees; 1 * pq is no factorisation.
  if (!p || !q || *p <= 1 || *q <= 1 || __builtin_mul_overflow(*p, *q, &product) || product != pq_)
    return fail(ServerError::kBadPq,
                "p " + to_hex(req->p) + " and q " + to_hex(req->q) + " do not multiply to pq");

  if (req->encrypted_data.size() != 256)
    return fail(ServerError::kBadRsaPayload,
                "encrypted_data is " + std::to_string(req->encrypted_data.size()) + " bytes, not 256");
  std::optional<DecryptedPqInnerData> decrypted =
      decrypt_pq_inner_data(*options_.rsa_key, req->encrypted_data);
  if (!decrypted)
    return fail(ServerError::kBadRsaPayload, "encrypted_data is neither RSA_PAD nor legacy p_q_inner_data");
  const PqInnerData& inner = decrypted->data;
  if (be_u64(inner.pq) != pq_ || be_u64(inner.p) != p || be_u64(inner.q) != q)
    return fail(ServerError::kBadPq, "p_q_inner_data's pq, p or q differ from req_DH_params'");
  if (inner.nonce != nonce_)
    return fail(ServerError::kNonceMismatch, "p_q_inner_data nonce " + to_hex(inner.nonce));
  if (inner.server_nonce != server_nonce_)
    return fail(ServerError::kServerNonceMismatch,
                "p_q_inner_data server_nonce " + to_hex(inner.server_nonce));
  if (inner.dc && !options_.accepted_dc_ids.empty() &&
      std::find(options_.accepted_dc_ids.begin(), options_.accepted_dc_ids.end(), *inner.dc) ==
          options_.accepted_dc_ids.end())
    return fail(ServerError::kWrongDc, "dc " + std::to_string(*inner.dc) + " is not served here");
  if (inner.expires_in && *inner.expires_in <= 0)
    return fail(ServerError::kBadExpiresIn, "expires_in " + std::to_string(*inner.expires_in));

  new_nonce_ = inner.new_nonce;
  dc_ = inner.dc;
  expires_in_ = inner.expires_in;
  rsa_scheme_ = decrypted->scheme;
  tmp_ = crypto::tmp_aes_key_iv(new_nonce_.span(), server_nonce_);

  if (options_.faults.server_dh_params_fail) {
    state_ = State::kFinished;
    const ServerDhParamsFail refusal{nonce_, server_nonce_,
                                     crypto::new_nonce_hash_for_fail(new_nonce_.span())};
    return Send{answer(body, serialize(refusal), now)};
  }

  // a: 256 random bytes whose g^a is in the range the client checks (facts §2.5).
  const std::uint8_t generator[1] = {static_cast<std::uint8_t>(options_.g)};
  std::optional<Bytes> g_a;
  a_.resize(crypto::kDhPrimeSize);
  for (int draw = 0; draw < kMaxExponentDraws && !g_a; ++draw) {
    options_.random(a_.mutable_span());
    g_a = crypto::mod_pow(generator, a_, options_.dh_prime);
    if (g_a && !crypto::check_dh_public_value(*g_a, options_.dh_prime)) g_a.reset();
  }
  if (!g_a) return fail(ServerError::kInternal, "no exponent gave g_a in range (bad prime or random source)");

  ServerDhInnerData inner_answer;
  inner_answer.nonce = nonce_;
  inner_answer.server_nonce = server_nonce_;
  inner_answer.g = options_.g;
  inner_answer.dh_prime = options_.dh_prime;
  inner_answer.g_a = std::move(*g_a);
  inner_answer.server_time = static_cast<std::int32_t>(unix_seconds(now));
  ServerDhParamsOk ok;
  ok.nonce = nonce_;
  ok.server_nonce = server_nonce_;
  ok.encrypted_answer = encrypt_hashed_data(*tmp_, serialize(inner_answer), options_.random);
  state_ = State::kWaitSetClientDh;
  return Send{answer(body, serialize(ok), now)};
}

// Facts §2.1 rows 6-7: check client_DH_inner_data, derive the key, answer dh_gen_*.
ServerHandshake::Step ServerHandshake::on_set_client_dh_params(ByteSpan body, UnixNanos now) {
  const std::optional<SetClientDhParams> set = parse_set_client_dh_params(body);
  if (!set) return fail(ServerError::kMalformedMessage, "malformed set_client_DH_params");
  if (set->nonce != nonce_)
    return fail(ServerError::kNonceMismatch, "set_client_DH_params nonce " + to_hex(set->nonce));
  if (set->server_nonce != server_nonce_)
    return fail(ServerError::kServerNonceMismatch,
                "set_client_DH_params server_nonce " + to_hex(set->server_nonce));

  const std::optional<crypto::SecureBytes> plaintext = decrypt_hashed_data(*tmp_, set->encrypted_data);
  if (!plaintext)
    return fail(ServerError::kBadEncryptedData, "encrypted_data is " +
                                                    std::to_string(set->encrypted_data.size()) +
                                                    " bytes, not a positive multiple of 16");
  tl::TlReader r(plaintext->span().subspan(std::min<std::size_t>(20, plaintext->size())));
  const std::optional<ClientDhInnerData> inner = read_client_dh_inner_data(r);
  if (!inner)
    return fail(ServerError::kBadEncryptedData, "encrypted_data does not hold client_DH_inner_data");
  switch (check_hashed_data(*plaintext, r.offset())) {
    case HashedDataCheck::kOk:
      break;
    case HashedDataCheck::kBadHash:
      return fail(ServerError::kBadDataHash, "SHA1 of client_DH_inner_data does not match");
    case HashedDataCheck::kBadPadding:
      return fail(ServerError::kBadDataPadding,
                  std::to_string(plaintext->size() - 20 - r.offset()) + " bytes of padding (at most 15)");
  }
  if (inner->nonce != nonce_)
    return fail(ServerError::kNonceMismatch, "client_DH_inner_data nonce " + to_hex(inner->nonce));
  if (inner->server_nonce != server_nonce_)
    return fail(ServerError::kServerNonceMismatch,
                "client_DH_inner_data server_nonce " + to_hex(inner->server_nonce));
  if (inner->retry_id != expected_retry_id_)
    return fail(ServerError::kBadRetryId,
                "retry_id " + to_hex(inner->retry_id) + ", expected " + to_hex(expected_retry_id_));
  const std::optional<crypto::SecureBytes> shared =
      crypto::dh_shared_secret(inner->g_b, a_, options_.dh_prime);
  if (!shared) return fail(ServerError::kBadGB, "g_b is outside [2^1984, dh_prime - 2^1984]");
  const crypto::AuthKey key(shared->span().first<crypto::kAuthKeySize>());

  DhGenAnswer gen{DhGenResult::kOk, nonce_, server_nonce_, {}};
  if (options_.faults.dh_gen_retry_once && !retry_sent_) {
    // The client must come back with a new g_b and this key's aux hash as retry_id (§2.1 step 6).
    retry_sent_ = true;
    expected_retry_id_ = key.aux_hash();
    gen.result = DhGenResult::kRetry;
  } else if (options_.faults.dh_gen_fail) {
    gen.result = DhGenResult::kFail;
    state_ = State::kFinished;
  }
  gen.new_nonce_hash =
      crypto::new_nonce_hash(new_nonce_.span(), static_cast<std::uint8_t>(gen.result), key.aux_hash());
  Bytes reply = answer(body, serialize(gen), now);
  if (gen.result != DhGenResult::kOk) return Send{std::move(reply)};

  state_ = State::kFinished;
  a_.clear();
  tmp_.reset();
  return Done{std::move(reply),
              key,
              salt_value(crypto::initial_server_salt(new_nonce_.span(), server_nonce_)),
              expires_in_.has_value(),
              expires_in_.value_or(0),
              dc_,
              rsa_scheme_};
}

Bytes ServerHandshake::answer(ByteSpan request, Bytes body, UnixNanos now) {
  last_request_.assign(request.begin(), request.end());
  last_answer_ = std::move(body);
  return build_plain_message(msg_ids_.next(now, MsgIdKind::ServerResponse), last_answer_);
}

ServerHandshake::Step ServerHandshake::fail(ServerError code, std::string message) {
  state_ = State::kFailed;
  tmp_.reset();
  a_.clear();
  last_request_.clear();
  last_answer_.clear();
  return Failed{code, std::move(message)};
}

}  // namespace tgd::handshake
