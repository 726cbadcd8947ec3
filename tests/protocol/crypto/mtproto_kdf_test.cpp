#include "protocol/crypto/mtproto_kdf.hpp"

#include <doctest/doctest.h>

#include "protocol/crypto/auth_key.hpp"
#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;

namespace {

AuthKey key_0_to_255() { return AuthKey(test::first<256>(test::iota_bytes(256))); }

MsgKey msg_key_0_to_15() {
  MsgKey key;
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  return key;
}

}  // namespace

TEST_CASE("MTProto 2.0 KDF, client to server (T4a, gotd crypto/key_test.go)") {
  Sha256 sha;
  const AesKeyIv out = derive_aes_key_iv(sha, key_0_to_255(), Direction::kClientToServer, msg_key_0_to_15());
  CHECK(to_hex(out.key) == "704ed09c8b41668ae8f99d244738f71dbddc44469b6bbd4aa8573dd042bd059e");
  CHECK(to_hex(out.iv) == "4d266000a550edabbf4c7ce40fd0043cc92230184cd317a5cc9c2482fd3b9318");
}

TEST_CASE("MTProto 2.0 KDF, server to client (T4b)") {
  Sha256 sha;
  const AesKeyIv out = derive_aes_key_iv(sha, key_0_to_255(), Direction::kServerToClient, msg_key_0_to_15());
  CHECK(to_hex(out.key) == "217725799b245806458174a1fcfbc883906807b15033fdd0ea2b4d69cf9c364e");
  CHECK(to_hex(out.iv) == "669a6538917a4fa56ca32360a431c9160be4ad887140980dab91ce7bdc47ffbc");
}

TEST_CASE("auth_key_id and aux_hash of key bytes 0..255 (T6, gotd crypto/key_test.go)") {
  const AuthKey key = key_0_to_255();
  CHECK(to_hex(key.id()) == "32d1586ea457dfc8");
  CHECK(to_hex(key.aux_hash()) == "4916d6bdb7f78e68");
  CHECK(key.id() == auth_key_id(key.bytes()));
  CHECK(key.aux_hash() == auth_key_aux_hash(key.bytes()));
  CHECK(static_cast<std::uint64_t>(key.id_value()) == 0xc8df57a46e58d132ULL);
}

TEST_CASE("AuthKey::from_bytes accepts exactly 256 bytes") {
  CHECK(AuthKey::from_bytes(test::iota_bytes(256)).has_value());
  CHECK_FALSE(AuthKey::from_bytes(test::iota_bytes(255)).has_value());
  CHECK_FALSE(AuthKey::from_bytes(test::iota_bytes(257)).has_value());
}

TEST_CASE("msg_key is bytes 8..24 of msg_key_large and the quick-ack token its first LE word with bit 31") {
  Sha256Digest large;
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<std::uint8_t>(i);
  CHECK(to_hex(msg_key_from_large(large)) == "08090a0b0c0d0e0f1011121314151617");
  CHECK(quick_ack_token(large) == 0x83020100U);
}

TEST_CASE("MTProto 1.0 msg_key is SHA1(plaintext)[4..20] (gotd crypto/kdf_v1_test.go)") {
  CHECK(to_hex(msg_key_v1(as_bytes("bind-message-test-payload"))) == "fc11a3669566de22b87f66550dc3de6d");
}

TEST_CASE("MTProto 1.0 KDF with x = 0 (gotd crypto/kdf_v1_test.go TestKeysV1)") {
  const AesKeyIv out = derive_aes_key_iv_v1(key_0_to_255(), Direction::kClientToServer, msg_key_0_to_15());
  CHECK(to_hex(out.key) == "17d7295ca9213d1ab656acdb1ad48b2ea7f3a8f7095098d5508b900bbd5fccfc");
  CHECK(to_hex(out.iv) == "2d7d16a65a84108e9805656caa474501cc580aa2edc33abfd0bfad785464d1c6");
}
