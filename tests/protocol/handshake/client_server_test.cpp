// The client against the test-DC server in memory: both RSA schemes, temporary keys, the retry and
// refusal paths, clock skew.
#include <doctest/doctest.h>

#include "protocol/crypto/builtin_keys.hpp"
#include "protocol/crypto/dh.hpp"
#include "protocol/crypto/pq.hpp"
#include "protocol/crypto/rsa_pad.hpp"
#include "tests/protocol/handshake/exchange.hpp"

using namespace tgd;
using namespace tgd::handshake;
using namespace tgd::handshake::test;

TEST_CASE("client <-> server, RSA_PAD with p_q_inner_data_dc: the same key and salt on both sides") {
  const Outcome out = exchange(client_options(1), server_options(2));
  check_same_key(out);
  CHECK(out.client_messages == 3);
  CHECK(out.server->dc == 2);
  CHECK(!out.server->temp);
  CHECK(out.server->rsa_scheme == RsaScheme::kRsaPad);
  CHECK(out.client->time_offset == 0);
}

TEST_CASE("client <-> server: several random runs agree (real randomness)") {
  for (int run = 0; run < 3; ++run) {
    ClientHandshake::Options client = client_options(0);
    client.random = crypto::random_fill;
    ServerHandshake::Options server = server_options(0);
    server.random = crypto::random_fill;
    check_same_key(exchange(std::move(client), std::move(server)));
  }
}

TEST_CASE("client <-> server: time_offset is the server's clock skew") {
  for (std::int64_t skew : {3600, -125, 1}) {
    const UnixNanos client_now = at_seconds(1700000000.75);
    const Outcome out =
        exchange(client_options(3), server_options(4), client_now, client_now + std::chrono::seconds(skew));
    check_same_key(out);
    CHECK(out.client->time_offset == skew);
  }
}

TEST_CASE("client <-> server: legacy RSA with p_q_inner_data, as Telethon v1 sends it") {
  ClientHandshake::Options client = client_options(5);
  client.rsa_scheme = RsaScheme::kLegacy;
  const Outcome out = exchange(std::move(client), server_options(6));
  check_same_key(out);
  CHECK(out.server->rsa_scheme == RsaScheme::kLegacy);
  CHECK(!out.server->dc);
  CHECK(!out.server->temp);
}

TEST_CASE("client <-> server: temporary keys under both schemes") {
  ClientHandshake::Options client = client_options(7);
  client.temp_key_expires_in = 86400;
  Outcome out = exchange(std::move(client), server_options(8));
  check_same_key(out);
  CHECK(out.server->temp);
  CHECK(out.server->expires_in == 86400);
  CHECK(out.server->dc == 2);

  ClientHandshake::Options legacy = client_options(9);
  legacy.temp_key_expires_in = 3600;
  legacy.rsa_scheme = RsaScheme::kLegacy;
  out = exchange(std::move(legacy), server_options(10));
  check_same_key(out);
  CHECK(out.server->temp);
  CHECK(out.server->expires_in == 3600);
  CHECK(!out.server->dc);
}

TEST_CASE("client <-> server: a media DC id the server accepts") {
  const Outcome out = exchange(client_options(11, -2), server_options(12));
  check_same_key(out);
  CHECK(out.server->dc == -2);
}

TEST_CASE("client <-> server: dh_gen_retry once, then the retried key is agreed") {
  ServerHandshake::Options server = server_options(14);
  server.faults.dh_gen_retry_once = true;
  const Outcome out = exchange(client_options(13), std::move(server));
  check_same_key(out);
  CHECK(out.client_messages == 4);  // req_pq_multi, req_DH_params, set_client_DH_params twice
}

TEST_CASE("client <-> server: server_DH_params_fail and dh_gen_fail end the client's handshake") {
  ServerHandshake::Options refuse_params = server_options(16);
  refuse_params.faults.server_dh_params_fail = true;
  Outcome out = exchange(client_options(15), std::move(refuse_params));
  REQUIRE(out.client_failed);
  CHECK(out.client_failed->code == ClientError::kServerDhParamsFail);

  ServerHandshake::Options refuse_key = server_options(18);
  refuse_key.faults.dh_gen_fail = true;
  out = exchange(client_options(17), std::move(refuse_key));
  REQUIRE(out.client_failed);
  CHECK(out.client_failed->code == ClientError::kDhGenFail);
  CHECK(!out.server);
}

TEST_CASE("client <-> server: the client picks the offered key among several it accepts") {
  ClientHandshake::Options client = client_options(19);
  client.rsa_keys = {*crypto::RsaPublicKey::from_pem(crypto::kProductionRsaKey.pem),
                     *crypto::RsaPublicKey::from_pem(crypto::kTestDcRsaKey.pem), test_key()->public_key()};
  check_same_key(exchange(std::move(client), server_options(20)));
}

TEST_CASE("client <-> server: a client whose keys the server does not have fails clearly") {
  ClientHandshake::Options client = client_options(21);
  client.rsa_keys = {*crypto::RsaPublicKey::from_pem(crypto::kProductionRsaKey.pem)};
  const Outcome out = exchange(std::move(client), server_options(22));
  REQUIRE(out.client_failed);
  CHECK(out.client_failed->code == ClientError::kNoKnownRsaKey);
}

TEST_CASE(
    "client <-> server: a second handshake on the same connection (a temporary key after the permanent "
    "one)") {
  ServerHandshake server(server_options(24));
  ClientHandshake perm(client_options(23));
  const Outcome first = exchange(perm, server, at_seconds(1700000000), at_seconds(1700000000));
  check_same_key(first);
  ClientHandshake::Options temp_options = client_options(25);
  temp_options.temp_key_expires_in = 86400;
  ClientHandshake temp(std::move(temp_options));
  const Outcome second = exchange(temp, server, at_seconds(1700000001), at_seconds(1700000001));
  check_same_key(second);
  CHECK(second.server->temp);
  CHECK(first.client->key.id() != second.client->key.id());
}

TEST_CASE("server accepts req_DH_params built with crypto::rsa_encrypt_legacy, Telethon's way") {
  // Independent of the client's legacy path: the crypto module's own legacy encryption, req_pq
  // (not _multi), p_q_inner_data without dc.
  ServerHandshake server(server_options(26));
  const UnixNanos now = at_seconds(1700000000.5);
  const Int128 nonce = int128(Bytes(16, 0x11));
  const std::optional<ResPq> res =
      parse_res_pq(body_of(sent(server.on_message(plain(serialize(ReqPq{nonce, false}), 4 << 20), now))));
  REQUIRE(res);
  const std::optional<crypto::PqFactors> factors = crypto::factorize_pq(res->pq);
  REQUIRE(factors);
  CHECK(factors->p >= (1u << 30));
  CHECK(factors->q < (1u << 31));

  PqInnerData inner;
  inner.pq = res->pq;
  inner.p = crypto::to_big_endian(factors->p);
  inner.q = crypto::to_big_endian(factors->q);
  inner.nonce = nonce;
  inner.server_nonce = res->server_nonce;
  const Bytes new_nonce(32, 0x22);
  inner.new_nonce = NewNonce(ByteSpan(new_nonce).first<32>());
  ReqDhParams req{nonce,
                  res->server_nonce,
                  inner.p,
                  inner.q,
                  test_key()->public_key().fingerprint(),
                  *crypto::rsa_encrypt_legacy(test_key()->public_key(), serialize(inner))};
  const Bytes answer = sent(server.on_message(plain(serialize(req), 8 << 20), now));
  const std::optional<ServerDhParams> params = parse_server_dh_params(body_of(answer));
  REQUIRE(params);
  const auto& ok = std::get<ServerDhParamsOk>(*params);
  const ServerDhInnerData dh =
      open_server_dh_inner_data(tmp_key(new_nonce, res->server_nonce), ok.encrypted_answer);
  CHECK(dh.g == 3);
  CHECK(dh.server_time == 1700000000);
  CHECK(to_hex(dh.dh_prime) == to_hex(crypto::production_dh_prime()));
  CHECK(crypto::check_dh_public_value(dh.g_a, dh.dh_prime));
}
