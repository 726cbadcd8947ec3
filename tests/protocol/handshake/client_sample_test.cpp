// The client replays the worked handshake of core.telegram.org/mtproto/samples-auth_key (facts
// §2.11): with the page's nonce, new_nonce, b and padding injected, every message it sends matches
// the page except the RSA_PAD block (random by design), and it derives the page's auth key.
#include <doctest/doctest.h>

#include "tests/protocol/handshake/sample.hpp"

using namespace tgd;
using namespace tgd::handshake;
using namespace tgd::handshake::test;
namespace page = tgd::crypto::test::samples_auth_key;

TEST_CASE("client, worked sample: the whole exchange, message by message") {
  ClientHandshake client(sample::options());

  // 1. req_pq_multi with the page's nonce.
  const Bytes req_pq = client.start(sample::client_now());
  CHECK(to_hex(body_of(req_pq)) == to_hex(hex_bytes(std::string("f18e7ebe") + std::string(page::kNonce))));
  const std::uint64_t first_id = msg_id_of(req_pq);
  CHECK(first_id % 4 == 0);
  CHECK((first_id >> 32) == 1707425005);

  // 2-4. resPQ -> req_DH_params with p, q, the production key's fingerprint and 256 RSA_PAD bytes.
  const Bytes req_dh =
      sent(client.on_message(sample::from_server(serialize(sample::res_pq())), sample::client_now()));
  CHECK(msg_id_of(req_dh) > first_id);
  CHECK(msg_id_of(req_dh) % 4 == 0);
  const std::optional<ReqDhParams> req = parse_req_dh_params(body_of(req_dh));
  REQUIRE(req);
  CHECK(req->nonce == sample::nonce());
  CHECK(req->server_nonce == sample::server_nonce());
  CHECK(to_hex(req->p) == "5a300d4b");
  CHECK(to_hex(req->q) == "6a26db65");
  CHECK(req->public_key_fingerprint == static_cast<std::int64_t>(0xd09d1d85de64fd85ULL));
  CHECK(req->encrypted_data.size() == 256);

  // 5-6. The page's server_DH_params_ok -> set_client_DH_params, byte for byte the page's.
  const Bytes set = sent(
      client.on_message(sample::from_server(serialize(sample::server_dh_params_ok())), sample::client_now()));
  const std::optional<SetClientDhParams> set_params = parse_set_client_dh_params(body_of(set));
  REQUIRE(set_params);
  CHECK(set_params->nonce == sample::nonce());
  CHECK(set_params->server_nonce == sample::server_nonce());
  CHECK(to_hex(set_params->encrypted_data) == to_hex(hex_bytes(page::kClientDhEncryptedData)));
  // From now on msg_ids follow the server's clock (server_time - local time = 100 s).
  CHECK((msg_id_of(set) >> 32) == sample::kServerTime);
  CHECK(msg_id_of(set) % 4 == 0);

  // 7. dh_gen_ok with the page's new_nonce_hash1 -> the page's key.
  const auto done = take<ClientHandshake::Done>(
      client.on_message(sample::from_server(serialize(sample::dh_gen_ok())), sample::client_now()));
  CHECK(to_hex(done.key.bytes()) == to_hex(hex_bytes(page::kAuthKey)));
  CHECK(to_hex(done.key.id()) == "65588b3350ef784e");
  CHECK(done.server_salt == static_cast<std::int64_t>(0xce3d50987274a649ULL));
  CHECK(done.time_offset == 100);

  // The handshake is over: anything else is unexpected.
  CHECK(failure(client.on_message(sample::from_server(serialize(sample::dh_gen_ok())),
                                  sample::client_now())) == ClientError::kUnexpectedMessage);
}

TEST_CASE("client, worked sample: dh_gen_retry sends a new g_b with retry_id = the rejected key's aux hash") {
  // b2 for the second attempt, and 12 bytes of padding again.
  const Bytes b2 = Bytes(256, 0x42);
  ClientHandshake client = sample::after_res_pq(sample::options({b2, Bytes(12, 0)}));
  (void)sent(
      client.on_message(sample::from_server(serialize(sample::server_dh_params_ok())), sample::client_now()));

  const crypto::AuthKey first_key = sample::auth_key();
  DhGenAnswer retry{
      DhGenResult::kRetry, sample::nonce(), sample::server_nonce(),
      crypto::new_nonce_hash(ByteSpan(sample::new_nonce()).first<32>(), 2, first_key.aux_hash())};
  const Bytes again = sent(client.on_message(sample::from_server(serialize(retry)), sample::client_now()));
  const std::optional<SetClientDhParams> set = parse_set_client_dh_params(body_of(again));
  REQUIRE(set);
  const ClientDhInnerData inner = open_client_dh_inner_data(sample::tmp(), set->encrypted_data);
  CHECK(inner.retry_id == first_key.aux_hash());
  const Bytes prime(crypto::production_dh_prime().begin(), crypto::production_dh_prime().end());
  CHECK(inner.g_b == *crypto::mod_pow(Bytes{3}, b2, prime));

  // The key of the second attempt is g_a^b2; dh_gen_ok must prove that one.
  const std::optional<crypto::SecureBytes> second =
      crypto::dh_shared_secret(sample::server_dh_inner_data().g_a, b2, prime);
  REQUIRE(second);
  const crypto::AuthKey second_key = *crypto::AuthKey::from_bytes(*second);
  DhGenAnswer ok{DhGenResult::kOk, sample::nonce(), sample::server_nonce(),
                 crypto::new_nonce_hash(ByteSpan(sample::new_nonce()).first<32>(), 1, second_key.aux_hash())};
  const auto done = take<ClientHandshake::Done>(
      client.on_message(sample::from_server(serialize(ok)), sample::client_now()));
  CHECK(done.key.id() == second_key.id());
  CHECK(done.key.id() != first_key.id());
}

TEST_CASE("client, worked sample: dh_gen_retry is followed at most max_retries times") {
  ClientHandshake::Options options = sample::options();
  options.max_retries = 0;
  ClientHandshake client = sample::after_dh_params(std::move(options));
  DhGenAnswer retry{
      DhGenResult::kRetry, sample::nonce(), sample::server_nonce(),
      crypto::new_nonce_hash(ByteSpan(sample::new_nonce()).first<32>(), 2, sample::auth_key().aux_hash())};
  CHECK(failure(client.on_message(sample::from_server(serialize(retry)), sample::client_now())) ==
        ClientError::kTooManyRetries);
}

TEST_CASE("client: start() again begins a new handshake with a new nonce and a later msg_id") {
  ClientHandshake client = sample::after_res_pq();
  const Bytes again = client.start(sample::client_now());
  const std::optional<ReqPq> req = parse_req_pq(body_of(again));
  REQUIRE(req);
  CHECK(req->nonce != sample::nonce());  // the script is used up: a fresh random nonce
  CHECK(failure(client.on_message(sample::from_server(serialize(sample::res_pq())), sample::client_now())) ==
        ClientError::kNonceMismatch);
}
