#include "protocol/handshake/client_handshake.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "protocol/base/hex.hpp"
#include "protocol/crypto/constant_time.hpp"
#include "protocol/crypto/dh.hpp"
#include "protocol/crypto/handshake_kdf.hpp"
#include "protocol/crypto/pq.hpp"
#include "protocol/handshake/hashed_data.hpp"

namespace tgd::handshake {
namespace {

// A valid prime makes g^b fall outside the safe range with probability about 2^-63 per draw.
constexpr int kMaxExponentDraws = 16;

std::string fingerprint_text(std::int64_t fingerprint) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%016" PRIx64, static_cast<std::uint64_t>(fingerprint));
  return text;
}

std::string mismatch(std::string_view what, ByteSpan got, ByteSpan want) {
  return std::string(what) + " " + to_hex(got) + " differs from " + to_hex(want);
}

std::int64_t salt_value(const std::array<std::uint8_t, 8>& bytes) {
  std::int64_t value;
  std::memcpy(&value, bytes.data(), 8);  // a TL long: little-endian, like every tgd target
  return value;
}

}  // namespace

std::string_view describe(ClientError e) {
  switch (e) {
    case ClientError::kBadPlainMessage:
      return "malformed unencrypted message";
    case ClientError::kUnexpectedMessage:
      return "unexpected message";
    case ClientError::kMalformedMessage:
      return "malformed handshake message";
    case ClientError::kNonceMismatch:
      return "nonce mismatch";
    case ClientError::kServerNonceMismatch:
      return "server_nonce mismatch";
    case ClientError::kBadPq:
      return "bad pq";
    case ClientError::kNoKnownRsaKey:
      return "no known RSA key offered";
    case ClientError::kRsaEncryptFailed:
      return "RSA encryption failed";
    case ClientError::kBadEncryptedAnswer:
      return "bad encrypted_answer";
    case ClientError::kBadAnswerHash:
      return "bad encrypted_answer hash";
    case ClientError::kBadAnswerPadding:
      return "bad encrypted_answer padding";
    case ClientError::kBadDhPrime:
      return "bad dh_prime";
    case ClientError::kBadDhGenerator:
      return "bad g";
    case ClientError::kBadGA:
      return "g_a out of range";
    case ClientError::kBadGB:
      return "g_b out of range";
    case ClientError::kServerDhParamsFail:
      return "server_DH_params_fail";
    case ClientError::kDhGenFail:
      return "dh_gen_fail";
    case ClientError::kBadNewNonceHash:
      return "new_nonce_hash mismatch";
    case ClientError::kTooManyRetries:
      return "too many dh_gen_retry";
  }
  return "unknown error";
}

ClientHandshake::ClientHandshake(Options options) : options_(std::move(options)) {
  if (!options_.random) options_.random = crypto::random_fill;
}

Bytes ClientHandshake::start(UnixNanos now) {
  // A restart keeps only the options and the msg_id sequence (ids must keep growing).
  ClientHandshake fresh(std::move(options_));
  fresh.msg_ids_ = msg_ids_;
  *this = std::move(fresh);
  options_.random(nonce_);
  state_ = State::kWaitResPq;
  return build_plain_message(msg_ids_.next(now, MsgIdKind::Client), serialize(ReqPq{nonce_, /*multi=*/true}));
}

ClientHandshake::Step ClientHandshake::on_message(ByteSpan message, UnixNanos now) {
  if (state_ == State::kFailed)
    return Failed{ClientError::kUnexpectedMessage, "the handshake has already failed"};
  const PlainMessageResult parsed = parse_plain_message(message);
  if (!parsed.message) return fail(ClientError::kBadPlainMessage, std::string(describe(parsed.error)));
  const ByteSpan body = parsed.message->body;
  switch (state_) {
    case State::kWaitResPq:
      return on_res_pq(body, now);
    case State::kWaitDhParams:
      return on_server_dh_params(body, now);
    case State::kWaitDhGen:
      return on_dh_gen_answer(body, now);
    case State::kIdle:
      return fail(ClientError::kUnexpectedMessage, "message before start()");
    case State::kDone:
    case State::kFailed:
      break;
  }
  return fail(ClientError::kUnexpectedMessage, "message after the handshake ended");
}

// Steps 2-4 of facts §2.1: check resPQ, factor pq, pick the key, send req_DH_params.
ClientHandshake::Step ClientHandshake::on_res_pq(ByteSpan body, UnixNanos now) {
  if (constructor_id(body) != tl_id::kResPq) return fail(ClientError::kUnexpectedMessage, "expected resPQ");
  const std::optional<ResPq> res = parse_res_pq(body);
  if (!res) return fail(ClientError::kMalformedMessage, "truncated or oversized resPQ");
  if (res->nonce != nonce_)
    return fail(ClientError::kNonceMismatch, mismatch("resPQ nonce", res->nonce, nonce_));
  server_nonce_ = res->server_nonce;

  // factorize_pq rejects pq wider than 64 bits and anything but a product of two distinct primes.
  const std::optional<crypto::PqFactors> factors = crypto::factorize_pq(res->pq);
  if (!factors) return fail(ClientError::kBadPq, "pq " + to_hex(res->pq) + " is not a product of two primes");

  const crypto::RsaPublicKey* key = nullptr;  // non-owning: points into options_.rsa_keys
  for (const crypto::RsaPublicKey& candidate : options_.rsa_keys) {
    if (std::find(res->fingerprints.begin(), res->fingerprints.end(), candidate.fingerprint()) !=
        res->fingerprints.end()) {
      key = &candidate;
      break;
    }
  }
  if (key == nullptr) {
    std::string text = "server offers [";
    for (std::size_t i = 0; i < res->fingerprints.size(); ++i)
      text += (i ? ", " : "") + fingerprint_text(res->fingerprints[i]);
    text += "], we accept [";
    for (std::size_t i = 0; i < options_.rsa_keys.size(); ++i)
      text += (i ? ", " : "") + fingerprint_text(options_.rsa_keys[i].fingerprint());
    return fail(ClientError::kNoKnownRsaKey, text + "]");
  }

  options_.random(new_nonce_.mutable_span());
  PqInnerData inner;
  inner.pq = res->pq;
  inner.p = crypto::to_big_endian(factors->p);
  inner.q = crypto::to_big_endian(factors->q);
  inner.nonce = nonce_;
  inner.server_nonce = server_nonce_;
  inner.new_nonce = new_nonce_;
  if (options_.rsa_scheme == RsaScheme::kRsaPad) inner.dc = options_.dc_id;  // Telethon v1 sends no dc
  inner.expires_in = options_.temp_key_expires_in;
  const std::optional<Bytes> encrypted =
      encrypt_pq_inner_data(*key, serialize(inner), options_.rsa_scheme, options_.random);
  if (!encrypted)
    return fail(ClientError::kRsaEncryptFailed,
                "cannot encrypt p_q_inner_data with key " + fingerprint_text(key->fingerprint()));

  ReqDhParams req;
  req.nonce = nonce_;
  req.server_nonce = server_nonce_;
  req.p = inner.p;
  req.q = inner.q;
  req.public_key_fingerprint = key->fingerprint();
  req.encrypted_data = *encrypted;
  tmp_ = crypto::tmp_aes_key_iv(new_nonce_.span(), server_nonce_);
  state_ = State::kWaitDhParams;
  return send(serialize(req), now);
}

// Step 5 (and §2.4, §2.5): check and decrypt server_DH_params, then go on with step 6.
ClientHandshake::Step ClientHandshake::on_server_dh_params(ByteSpan body, UnixNanos now) {
  const std::optional<std::uint32_t> id = constructor_id(body);
  if (id != tl_id::kServerDhParamsOk && id != tl_id::kServerDhParamsFail)
    return fail(ClientError::kUnexpectedMessage, "expected server_DH_params_ok or server_DH_params_fail");
  const std::optional<ServerDhParams> params = parse_server_dh_params(body);
  if (!params) return fail(ClientError::kMalformedMessage, "truncated or oversized server_DH_params");

  if (const auto* fail_answer = std::get_if<ServerDhParamsFail>(&*params)) {
    if (fail_answer->nonce != nonce_)
      return fail(ClientError::kNonceMismatch,
                  mismatch("server_DH_params_fail nonce", fail_answer->nonce, nonce_));
    if (fail_answer->server_nonce != server_nonce_)
      return fail(ClientError::kServerNonceMismatch,
                  mismatch("server_DH_params_fail server_nonce", fail_answer->server_nonce, server_nonce_));
    const std::array<std::uint8_t, 16> expected = crypto::new_nonce_hash_for_fail(new_nonce_.span());
    if (!crypto::constant_time_equal(expected, fail_answer->new_nonce_hash))
      return fail(ClientError::kBadNewNonceHash, "server_DH_params_fail with a wrong new_nonce_hash");
    return fail(ClientError::kServerDhParamsFail,
                "the server refused the DH parameters (server_DH_params_fail)");
  }

  const auto& ok = std::get<ServerDhParamsOk>(*params);
  if (ok.nonce != nonce_)
    return fail(ClientError::kNonceMismatch, mismatch("server_DH_params_ok nonce", ok.nonce, nonce_));
  if (ok.server_nonce != server_nonce_)
    return fail(ClientError::kServerNonceMismatch,
                mismatch("server_DH_params_ok server_nonce", ok.server_nonce, server_nonce_));

  const std::optional<crypto::SecureBytes> plaintext = decrypt_hashed_data(*tmp_, ok.encrypted_answer);
  if (!plaintext)
    return fail(ClientError::kBadEncryptedAnswer, "encrypted_answer is " +
                                                      std::to_string(ok.encrypted_answer.size()) +
                                                      " bytes, not a positive multiple of 16");
  tl::TlReader r(plaintext->span().subspan(std::min<std::size_t>(20, plaintext->size())));
  const std::optional<ServerDhInnerData> inner = read_server_dh_inner_data(r);
  if (!inner)
    return fail(ClientError::kBadEncryptedAnswer, "encrypted_answer does not hold server_DH_inner_data");
  switch (check_hashed_data(*plaintext, r.offset())) {
    case HashedDataCheck::kOk:
      break;
    case HashedDataCheck::kBadHash:
      return fail(ClientError::kBadAnswerHash, "SHA1 of server_DH_inner_data does not match");
    case HashedDataCheck::kBadPadding:
      return fail(ClientError::kBadAnswerPadding,
                  std::to_string(plaintext->size() - 20 - r.offset()) + " bytes of padding (at most 15)");
  }
  if (inner->nonce != nonce_)
    return fail(ClientError::kNonceMismatch, mismatch("server_DH_inner_data nonce", inner->nonce, nonce_));
  if (inner->server_nonce != server_nonce_)
    return fail(ClientError::kServerNonceMismatch,
                mismatch("server_DH_inner_data server_nonce", inner->server_nonce, server_nonce_));

  switch (crypto::check_dh_params(inner->dh_prime, inner->g)) {
    case crypto::DhParamsCheck::kOk:
      break;
    case crypto::DhParamsCheck::kBadPrimeSize:
      return fail(ClientError::kBadDhPrime, "dh_prime is not 2048 bits");
    case crypto::DhParamsCheck::kNotSafePrime:
      return fail(ClientError::kBadDhPrime, "dh_prime is not a safe prime");
    case crypto::DhParamsCheck::kBadGenerator:
      return fail(ClientError::kBadDhGenerator,
                  "g = " + std::to_string(inner->g) + " is not a valid generator for dh_prime");
  }
  if (!crypto::check_dh_public_value(inner->g_a, inner->dh_prime))
    return fail(ClientError::kBadGA, "g_a is outside [2^1984, dh_prime - 2^1984]");

  dh_prime_ = inner->dh_prime;
  g_ = inner->g;
  g_a_ = inner->g_a;
  time_offset_ = inner->server_time - unix_seconds(now);
  state_ = State::kWaitDhGen;
  return send_client_dh_params(now);
}

// Step 6: a fresh b on every attempt (first try and each dh_gen_retry).
ClientHandshake::Step ClientHandshake::send_client_dh_params(UnixNanos now) {
  const std::uint8_t generator[1] = {static_cast<std::uint8_t>(g_)};  // 2..7, checked
  crypto::SecureBytes b(crypto::kDhPrimeSize);
  std::optional<Bytes> g_b;
  for (int draw = 0; draw < kMaxExponentDraws; ++draw) {
    options_.random(b.mutable_span());
    g_b = crypto::mod_pow(generator, b, dh_prime_);
    if (g_b && crypto::check_dh_public_value(*g_b, dh_prime_)) break;
    g_b.reset();
  }
  if (!g_b) return fail(ClientError::kBadGB, "no exponent gave g_b in range (broken random source?)");
  const std::optional<crypto::SecureBytes> shared = crypto::dh_shared_secret(g_a_, b, dh_prime_);
  if (!shared) return fail(ClientError::kBadGA, "g_a is out of range");  // checked before; kept for safety
  auth_key_.emplace(shared->span().first<crypto::kAuthKeySize>());

  ClientDhInnerData inner;
  inner.nonce = nonce_;
  inner.server_nonce = server_nonce_;
  inner.retry_id = retry_id_;
  inner.g_b = std::move(*g_b);
  SetClientDhParams set;
  set.nonce = nonce_;
  set.server_nonce = server_nonce_;
  set.encrypted_data = encrypt_hashed_data(*tmp_, serialize(inner), options_.random);
  return send(serialize(set), now);
}

// Step 7: dh_gen_ok / dh_gen_retry / dh_gen_fail, each proven by new_nonce_hashN.
ClientHandshake::Step ClientHandshake::on_dh_gen_answer(ByteSpan body, UnixNanos now) {
  const std::optional<std::uint32_t> id = constructor_id(body);
  if (id != tl_id::kDhGenOk && id != tl_id::kDhGenRetry && id != tl_id::kDhGenFail)
    return fail(ClientError::kUnexpectedMessage, "expected dh_gen_ok, dh_gen_retry or dh_gen_fail");
  const std::optional<DhGenAnswer> answer = parse_dh_gen_answer(body);
  if (!answer) return fail(ClientError::kMalformedMessage, "truncated or oversized dh_gen answer");
  if (answer->nonce != nonce_)
    return fail(ClientError::kNonceMismatch, mismatch("dh_gen nonce", answer->nonce, nonce_));
  if (answer->server_nonce != server_nonce_)
    return fail(ClientError::kServerNonceMismatch,
                mismatch("dh_gen server_nonce", answer->server_nonce, server_nonce_));
  const auto n = static_cast<std::uint8_t>(answer->result);
  const std::array<std::uint8_t, 16> expected =
      crypto::new_nonce_hash(new_nonce_.span(), n, auth_key_->aux_hash());
  if (!crypto::constant_time_equal(expected, answer->new_nonce_hash))
    return fail(ClientError::kBadNewNonceHash, "new_nonce_hash" + std::to_string(n) + " does not match");

  switch (answer->result) {
    case DhGenResult::kOk: {
      Done done{std::move(*auth_key_),
                salt_value(crypto::initial_server_salt(new_nonce_.span(), server_nonce_)),
                static_cast<std::int32_t>(time_offset_)};
      auth_key_.reset();
      tmp_.reset();
      state_ = State::kDone;
      return done;
    }
    case DhGenResult::kRetry:
      if (++retries_ > options_.max_retries)
        return fail(ClientError::kTooManyRetries, std::to_string(retries_) + " dh_gen_retry answers");
      retry_id_ = auth_key_->aux_hash();
      return send_client_dh_params(now);
    case DhGenResult::kFail:
      break;
  }
  return fail(ClientError::kDhGenFail, "the server refused the auth key (dh_gen_fail)");
}

ClientHandshake::Step ClientHandshake::send(ByteSpan body, UnixNanos now) {
  // Once server_time is known, msg_ids follow the server's clock (facts §3.5, §2.8).
  return Send{
      build_plain_message(msg_ids_.next(now + std::chrono::seconds(time_offset_), MsgIdKind::Client), body)};
}

ClientHandshake::Step ClientHandshake::fail(ClientError code, std::string message) {
  state_ = State::kFailed;
  tmp_.reset();
  auth_key_.reset();
  return Failed{code, std::move(message)};
}

}  // namespace tgd::handshake
