#include "protocol/crypto/message_cipher.hpp"

#include <doctest/doctest.h>

#include "protocol/crypto/aes_ige.hpp"
#include "tests/protocol/crypto/samples_auth_key.hpp"
#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;

namespace {

AuthKey key_0_to_255() { return AuthKey(test::first<256>(test::iota_bytes(256))); }
AuthKey samples_auth_key() { return AuthKey(test::first<256>(hex_bytes(test::samples_auth_key::kAuthKey))); }

// The §3.13 ping message: salt | session_id | msg_id | seq_no | length | ping(ping_id) | 00..13.
Bytes ping_plaintext() {
  return hex_bytes(
      "49a6747298503dce 0807060504030201 04000000513dc565 01000000 0c000000 ec77be7a8877665544332211"
      "000102030405060708090a0b0c0d0e0f10111213");
}

// The message length (LE int at offset 28) that MTProto 1.0 decryption reads.
void set_length_field(Bytes& plaintext, std::uint8_t length) {
  plaintext[28] = length;
  plaintext[29] = plaintext[30] = plaintext[31] = 0;
}

}  // namespace

TEST_CASE("encrypt_message reproduces gotd's full client packet (T5)") {
  Bytes plaintext(64, 0);
  const std::string_view text = "Hello, world! This data should remain secure!";
  std::copy(text.begin(), text.end(), plaintext.begin());
  const Bytes packet = encrypt_message(key_0_to_255(), Direction::kClientToServer, plaintext);
  CHECK(to_hex(packet) ==
        "32d1586ea457dfc8a81729d46db54019a2bfd7f744f9b96c4f716cfdc4477db2a2c15f6ddb85235fb9552f1d8407c6aaea00"
        "cc84"
        "4c5a1bf6ac44b79b5edc2a23868b3d6073a590992c0f2975243d563ea180d218ee757c9a");
}

TEST_CASE("the §3.13 ping packet: msg_key, aes key/iv, 88-byte packet and quick-ack token (T8)") {
  const AuthKey key = samples_auth_key();
  const Bytes plaintext = ping_plaintext();
  REQUIRE(plaintext.size() == 64);

  Sha256 sha;
  const Sha256Digest large = msg_key_large(sha, key, Direction::kClientToServer, plaintext);
  const MsgKey msg_key = msg_key_from_large(large);
  CHECK(to_hex(msg_key) == "b4f5d7f2684e73142dc87c4ff72f7270");
  const AesKeyIv key_iv = derive_aes_key_iv(sha, key, Direction::kClientToServer, msg_key);
  CHECK(to_hex(key_iv.key) == "2ad0d6fff803e39915abb297721331a9d081740910697d06968c80c8dd821c93");
  CHECK(to_hex(key_iv.iv) == "2cf129b5d7f1cf12e98e02a39d1f5a886e72ad4cbcd9a164054d460fc324eb03");

  MessageCipher cipher;
  Bytes packet(kEncryptedHeaderSize + plaintext.size());
  const std::optional<std::uint32_t> token =
      cipher.encrypt_to(key, Direction::kClientToServer, plaintext, packet);
  REQUIRE(token);
  CHECK(*token == 0x9e577594U);
  CHECK(
      to_hex(packet) ==
      "65588b3350ef784eb4f5d7f2684e73142dc87c4ff72f7270ac4408d4f6f3471dcf55654d2561efd39f194186e3e485158feb64"
      "e71af3c085c88e3db8366751ebafe28f9b8594b6689a0e00d23cb00ff49991c63d4f351df5");

  // The receiving side (the test DC) gets the plaintext and the same token back.
  Bytes decrypted(plaintext.size());
  CHECK(cipher.decrypt_to(key, Direction::kClientToServer, packet, decrypted) == 0x9e577594U);
  CHECK(decrypted == plaintext);
}

TEST_CASE("decrypt_message inverts encrypt_message in both directions") {
  const AuthKey key = samples_auth_key();
  MessageCipher cipher;
  for (Direction direction : {Direction::kClientToServer, Direction::kServerToClient}) {
    for (std::size_t size : {16, 64, 1024, 65536}) {
      const Bytes plaintext = test::pseudo_random_bytes(size, size);
      const Bytes packet = cipher.encrypt(key, direction, plaintext);
      REQUIRE(packet.size() == size + 24);
      const std::optional<Bytes> back = cipher.decrypt(key, direction, packet);
      REQUIRE(back);
      CHECK(*back == plaintext);
    }
  }
}

TEST_CASE("decrypt_message rejects a packet with any single bit flipped") {
  const AuthKey key = key_0_to_255();
  const Bytes plaintext = test::pseudo_random_bytes(96, 5);
  const Bytes packet = encrypt_message(key, Direction::kServerToClient, plaintext);
  MessageCipher cipher;
  for (std::size_t bit = 0; bit < packet.size() * 8; ++bit) {
    Bytes tampered = packet;
    tampered[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    CAPTURE(bit);
    CHECK_FALSE(cipher.decrypt(key, Direction::kServerToClient, tampered));
  }
  CHECK(cipher.decrypt(key, Direction::kServerToClient, packet));
}

TEST_CASE("decrypt_message rejects the wrong direction, the wrong key and malformed sizes") {
  const AuthKey key = key_0_to_255();
  const Bytes packet = encrypt_message(key, Direction::kClientToServer, Bytes(32, 1));
  CHECK_FALSE(decrypt_message(key, Direction::kServerToClient, packet));
  CHECK_FALSE(decrypt_message(samples_auth_key(), Direction::kClientToServer, packet));
  CHECK_FALSE(decrypt_message(key, Direction::kClientToServer, ByteSpan(packet).first(packet.size() - 1)));
  CHECK_FALSE(decrypt_message(key, Direction::kClientToServer, ByteSpan(packet).first(24)));
  CHECK_FALSE(decrypt_message(key, Direction::kClientToServer, {}));
}

TEST_CASE("a failed msg_key check zeroes the caller's plaintext buffer") {
  const AuthKey key = key_0_to_255();
  Bytes packet = encrypt_message(key, Direction::kClientToServer, Bytes(32, 1));
  packet.back() ^= 1;
  Bytes plaintext(32, 0xee);
  CHECK_FALSE(MessageCipher().decrypt_to(key, Direction::kClientToServer, packet, plaintext));
  CHECK(plaintext == Bytes(32, 0));
}

TEST_CASE("encrypt_message refuses plaintext that is empty or not a multiple of 16") {
  const AuthKey key = key_0_to_255();
  CHECK(encrypt_message(key, Direction::kClientToServer, Bytes(20, 0)).empty());
  CHECK(encrypt_message(key, Direction::kClientToServer, {}).empty());
  Bytes packet(23 + 32);
  CHECK_FALSE(MessageCipher().encrypt_to(key, Direction::kClientToServer, Bytes(32, 0), packet));
}

TEST_CASE("MTProto 1.0 messages round-trip and verify msg_key over the unpadded plaintext") {
  const AuthKey key = samples_auth_key();
  // 16 random | msg_id | seq_no 0 | length 40 | 40-byte body: 72 bytes, then 8 padding bytes.
  Bytes plaintext = test::pseudo_random_bytes(72, 9);
  set_length_field(plaintext, 40);
  const Bytes padding = test::pseudo_random_bytes(8, 10);
  const Bytes packet = encrypt_message_v1(key, Direction::kClientToServer, plaintext, padding);
  REQUIRE(packet.size() == 24 + 80);
  CHECK(to_hex(ByteSpan(packet).subspan(8, 16)) == to_hex(msg_key_v1(plaintext)));

  const std::optional<Bytes> back = decrypt_message_v1(key, Direction::kClientToServer, packet);
  REQUIRE(back);
  CHECK(Bytes(back->begin(), back->begin() + 72) == plaintext);

  Bytes tampered = packet;
  tampered[40] ^= 0x10;
  CHECK_FALSE(decrypt_message_v1(key, Direction::kClientToServer, tampered));
  CHECK(encrypt_message_v1(key, Direction::kClientToServer, plaintext, Bytes(7, 0)).empty());  // 79 bytes
  CHECK(
      encrypt_message_v1(key, Direction::kClientToServer, plaintext, Bytes(24, 0)).empty());  // padding >= 16
}

TEST_CASE("MTProto 1.0 decryption rejects a length field that points past the plaintext") {
  const AuthKey key = samples_auth_key();
  Bytes plaintext = test::pseudo_random_bytes(80, 11);
  set_length_field(plaintext, 200);
  const Bytes packet = encrypt_message_v1(key, Direction::kClientToServer, plaintext, {});
  REQUIRE_FALSE(packet.empty());
  CHECK_FALSE(decrypt_message_v1(key, Direction::kClientToServer, packet));
}
