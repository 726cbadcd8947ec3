// The crypto of the worked handshake on core.telegram.org/mtproto/samples-auth_key (facts §2.11, T7):
// every value the page shows that does not depend on hidden randomness.
#include <doctest/doctest.h>

#include "protocol/crypto/aes_ige.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/dh.hpp"
#include "protocol/crypto/handshake_kdf.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/pq.hpp"
#include "tests/protocol/crypto/samples_auth_key.hpp"
#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;
using test::first;
namespace page = tgd::crypto::test::samples_auth_key;

namespace {

const Bytes kNonce = hex_bytes(page::kNonce);
const Bytes kServerNonce = hex_bytes(page::kServerNonce);
const Bytes kNewNonce = hex_bytes(page::kNewNonce);

// server_DH_inner_data: constructor (4) nonce (16) server_nonce (16) g (4) dh_prime (4 + 256)
// g_a (4 + 256) server_time (4) = 564 bytes.
struct ServerDhInnerData {
  ByteSpan nonce, server_nonce, dh_prime, g_a;
  std::int32_t g;
};

ServerDhInnerData parse_inner_data(ByteSpan answer) {
  REQUIRE(answer.size() == 564);
  REQUIRE(to_hex(answer.subspan(40, 4)) == "fe000100");  // TL bytes header for 256 bytes
  REQUIRE(to_hex(answer.subspan(300, 4)) == "fe000100");
  return {answer.subspan(4, 16), answer.subspan(20, 16), answer.subspan(44, 256), answer.subspan(304, 256),
          answer[36] | answer[37] << 8 | answer[38] << 16 | answer[39] << 24};
}

}  // namespace

TEST_CASE("samples-auth_key: pq factorization, tmp_aes_key and tmp_aes_iv from the nonces") {
  const std::optional<PqFactors> pq = factorize_pq(hex_bytes("256595EDB7766797"));
  REQUIRE(pq);
  CHECK(pq->p == 1513098571);
  CHECK(pq->q == 1780931429);
  const AesKeyIv tmp = tmp_aes_key_iv(first<32>(kNewNonce), first<16>(kServerNonce));
  CHECK(to_hex(tmp.key) == to_hex(hex_bytes(page::kTmpAesKey)));
  CHECK(to_hex(tmp.iv) == to_hex(hex_bytes(page::kTmpAesIv)));
}

TEST_CASE("samples-auth_key: encrypted_answer decrypts to SHA1(answer) || server_DH_inner_data || padding") {
  const AesKeyIv tmp = tmp_aes_key_iv(first<32>(kNewNonce), first<16>(kServerNonce));
  const Bytes encrypted = hex_bytes(page::kEncryptedAnswer);
  Bytes decrypted(encrypted.size());
  REQUIRE(AesIge256(tmp.key.span()).decrypt(tmp.iv.span(), encrypted, decrypted));
  CHECK(to_hex(decrypted) == to_hex(hex_bytes(page::kAnswerWithHash)));

  const ByteSpan answer = ByteSpan(decrypted).subspan(20, 564);
  CHECK(to_hex(sha1(answer)) == to_hex(ByteSpan(decrypted).first(20)));
  CHECK(decrypted.size() - 20 - answer.size() == 8);  // 0..15 bytes of padding allowed
  const ServerDhInnerData inner = parse_inner_data(answer);
  CHECK(to_hex(inner.nonce) == to_hex(kNonce));
  CHECK(to_hex(inner.server_nonce) == to_hex(kServerNonce));
  CHECK(inner.g == 3);
  CHECK(to_hex(inner.dh_prime) == to_hex(production_dh_prime()));
}

TEST_CASE("samples-auth_key: DH checks pass, g_b from b, and auth_key = g_a^b mod p") {
  const Bytes answer_with_hash = hex_bytes(page::kAnswerWithHash);
  const ServerDhInnerData inner = parse_inner_data(ByteSpan(answer_with_hash).subspan(20, 564));
  CHECK(check_dh_params(inner.dh_prime, inner.g) == DhParamsCheck::kOk);
  CHECK(check_dh_public_value(inner.g_a, inner.dh_prime));

  const Bytes b = hex_bytes(page::kB);
  const std::optional<Bytes> g_b = mod_pow(Bytes{3}, b, inner.dh_prime);
  REQUIRE(g_b);
  CHECK(to_hex(*g_b) == to_hex(hex_bytes(page::kGB)));
  CHECK(check_dh_public_value(*g_b, inner.dh_prime));

  const std::optional<SecureBytes> auth_key = dh_shared_secret(inner.g_a, b, inner.dh_prime);
  REQUIRE(auth_key);
  CHECK(to_hex(auth_key->span()) == to_hex(hex_bytes(page::kAuthKey)));
}

TEST_CASE(
    "samples-auth_key: client_DH_inner_data with its SHA1 and padding encrypts to the page's "
    "encrypted_data") {
  const AesKeyIv tmp = tmp_aes_key_iv(first<32>(kNewNonce), first<16>(kServerNonce));
  const Bytes data = hex_bytes(page::kClientDhInnerData);
  const Sha1Digest hash = sha1(data);
  Bytes data_with_hash(hash.begin(), hash.end());
  data_with_hash.insert(data_with_hash.end(), data.begin(), data.end());
  const Bytes padding = hex_bytes(page::kClientDhPadding);
  data_with_hash.insert(data_with_hash.end(), padding.begin(), padding.end());
  REQUIRE(data_with_hash.size() == 336);
  Bytes encrypted(data_with_hash.size());
  REQUIRE(AesIge256(tmp.key.span()).encrypt(tmp.iv.span(), data_with_hash, encrypted));
  CHECK(to_hex(encrypted) == to_hex(hex_bytes(page::kClientDhEncryptedData)));
}

TEST_CASE("samples-auth_key: auth_key_id, new_nonce_hash1 and the first server_salt") {
  const AuthKey key(first<256>(hex_bytes(page::kAuthKey)));
  CHECK(to_hex(key.id()) == "65588b3350ef784e");
  CHECK(to_hex(new_nonce_hash(first<32>(kNewNonce), 1, key.aux_hash())) ==
        to_hex(hex_bytes(page::kNewNonceHash1)));
  CHECK(new_nonce_hash(first<32>(kNewNonce), 2, key.aux_hash()) !=
        new_nonce_hash(first<32>(kNewNonce), 1, key.aux_hash()));
  CHECK(to_hex(initial_server_salt(first<32>(kNewNonce), first<16>(kServerNonce))) == "49a6747298503dce");
}

TEST_CASE("server_DH_params_fail's new_nonce_hash is SHA1(new_nonce)[4..20]") {
  const Sha1Digest digest = sha1(kNewNonce);
  CHECK(to_hex(new_nonce_hash_for_fail(first<32>(kNewNonce))) == to_hex(ByteSpan(digest).subspan(4)));
}
