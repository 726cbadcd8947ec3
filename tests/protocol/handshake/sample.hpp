#pragma once
// The worked handshake of core.telegram.org/mtproto/samples-auth_key (facts §2.11) as server
// messages for the client, and a client whose randomness replays the page's nonce, new_nonce, b and
// padding (tests/protocol/crypto/samples_auth_key.hpp holds the values).
#include <string>

#include "protocol/crypto/builtin_keys.hpp"
#include "protocol/crypto/dh.hpp"
#include "tests/protocol/crypto/samples_auth_key.hpp"
#include "tests/protocol/handshake/test_support.hpp"

namespace tgd::handshake::test::sample {

namespace page = tgd::crypto::test::samples_auth_key;

inline Int128 nonce() { return int128(hex_bytes(page::kNonce)); }
inline Int128 server_nonce() { return int128(hex_bytes(page::kServerNonce)); }
inline Bytes new_nonce() { return hex_bytes(page::kNewNonce); }
inline crypto::AesKeyIv tmp() { return tmp_key(new_nonce(), server_nonce()); }

inline constexpr std::int32_t kServerTime = 1707425105;
// The page's client clock, 100.25 s behind the server's.
inline UnixNanos client_now() { return at_seconds(1707425005.25); }

// The fingerprints the page's resPQ offers (wire bytes A5B7F709355FC30B, 216BE86C022BB4C3,
// 85FD64DE851D9DD0, facts §2.9); the last is the production key.
inline std::vector<std::int64_t> offered_fingerprints() {
  std::vector<std::int64_t> out;
  for (const char* wire : {"A5B7F709355FC30B", "216BE86C022BB4C3", "85FD64DE851D9DD0"}) {
    const Bytes bytes = hex_bytes(wire);
    std::int64_t value;
    std::memcpy(&value, bytes.data(), 8);
    out.push_back(value);
  }
  return out;
}

inline ResPq res_pq() {
  ResPq res;
  res.nonce = nonce();
  res.server_nonce = server_nonce();
  res.pq = hex_bytes("256595EDB7766797");
  res.fingerprints = offered_fingerprints();
  return res;
}

// The page's server_DH_inner_data (g = 3, production prime, its g_a, server_time).
inline ServerDhInnerData server_dh_inner_data() {
  const Bytes answer_with_hash = hex_bytes(page::kAnswerWithHash);
  tl::TlReader r(ByteSpan(answer_with_hash).subspan(20));
  std::optional<ServerDhInnerData> inner = read_server_dh_inner_data(r);
  REQUIRE(inner);
  return std::move(*inner);
}

inline ServerDhParamsOk server_dh_params_ok() {
  return ServerDhParamsOk{nonce(), server_nonce(), hex_bytes(page::kEncryptedAnswer)};
}

// server_DH_params_ok carrying `inner` (sealed with a correct hash and the fewest padding bytes).
inline ServerDhParamsOk server_dh_params_ok(const ServerDhInnerData& inner) {
  const Bytes data = serialize(inner);
  return ServerDhParamsOk{nonce(), server_nonce(), seal(tmp(), data, padding_for(data.size()))};
}

inline DhGenAnswer dh_gen_ok() {
  return DhGenAnswer{DhGenResult::kOk, nonce(), server_nonce(), int128(hex_bytes(page::kNewNonceHash1))};
}

inline crypto::AuthKey auth_key() { return *crypto::AuthKey::from_bytes(hex_bytes(page::kAuthKey)); }

// A server message (the client does not order server ids during the handshake).
inline Bytes from_server(const Bytes& body) { return plain(body, std::uint64_t{kServerTime} << 32 | 0x2d1); }

inline ClientHandshake::Options options(std::vector<Bytes> extra_script = {}) {
  ClientHandshake::Options options;
  options.dc_id = 2;
  options.rsa_keys = {*crypto::RsaPublicKey::from_pem(crypto::kProductionRsaKey.pem)};
  std::vector<Bytes> script = {hex_bytes(page::kNonce), new_nonce(), hex_bytes(page::kB),
                               hex_bytes(page::kClientDhPadding)};
  script.insert(script.end(), extra_script.begin(), extra_script.end());
  options.random = scripted_random(std::move(script));
  return options;
}

// A client that has sent req_pq_multi.
inline ClientHandshake started(ClientHandshake::Options opts = options()) {
  ClientHandshake client(std::move(opts));
  (void)client.start(client_now());
  return client;
}

// A client that has sent req_DH_params.
inline ClientHandshake after_res_pq(ClientHandshake::Options opts = options()) {
  ClientHandshake client = started(std::move(opts));
  (void)sent(client.on_message(from_server(serialize(res_pq())), client_now()));
  return client;
}

// A client that has sent set_client_DH_params.
inline ClientHandshake after_dh_params(ClientHandshake::Options opts = options()) {
  ClientHandshake client = after_res_pq(std::move(opts));
  (void)sent(client.on_message(from_server(serialize(server_dh_params_ok())), client_now()));
  return client;
}

}  // namespace tgd::handshake::test::sample
