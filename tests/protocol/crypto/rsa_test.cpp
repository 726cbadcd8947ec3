#include "protocol/crypto/rsa.hpp"

#include <doctest/doctest.h>

#include "protocol/crypto/builtin_keys.hpp"
#include "protocol/crypto/rsa_pad.hpp"
#include "tests/protocol/crypto/test_rsa_key.hpp"
#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;
using test::first;

namespace {

// The test DC's key, parsed once per process.
const RsaPrivateKey& test_dc_key() {
  static const RsaPrivateKey key = *RsaPrivateKey::from_pem(test::kTestRsaPrivateKeyPem);
  return key;
}

// gotd crypto/rsa_fingerpting_test.go: a 1024-bit key in X.509 SubjectPublicKeyInfo form.
constexpr std::string_view kGotdTestKey = R"(-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCJhOrkbrOi7/fFQRN2+8W5+Inx
bdxo7XH5DDKgFvXPDDe8cQINO3/kFat7KlpC2n2sS8ApZQkmREANg0XpImL9lCHB
v1FgQmL0xtnaURKo7FzaoaL4jCf5556NQr1th9F3oeN67mR4+BF0vPP9Gu6GY5Z1
BSqi+FEREW/2aWSgSwIDAQAB
-----END PUBLIC KEY-----
)";

}  // namespace

TEST_CASE("built-in production and test-DC keys have the published fingerprints (T11)") {
  const std::optional<RsaPublicKey> production = RsaPublicKey::from_pem(kProductionRsaKey.pem);
  REQUIRE(production);
  CHECK(production->fingerprint() == kProductionRsaKey.fingerprint);
  CHECK(static_cast<std::uint64_t>(production->fingerprint()) == 0xd09d1d85de64fd85ULL);
  CHECK(production->fingerprint() == -3414540481677951611LL);
  CHECK(production->size_bytes() == 256);
  CHECK(to_hex(production->e()) == "010001");

  const std::optional<RsaPublicKey> test_dc = RsaPublicKey::from_pem(kTestDcRsaKey.pem);
  REQUIRE(test_dc);
  CHECK(static_cast<std::uint64_t>(test_dc->fingerprint()) == 0xb25898df208d2603ULL);
  CHECK(test_dc->fingerprint() == -5595554452916591101LL);
}

TEST_CASE("a 'BEGIN PUBLIC KEY' (SPKI) PEM parses and gives gotd's fingerprint vector") {
  const std::optional<RsaPublicKey> key = RsaPublicKey::from_pem(kGotdTestKey);
  REQUIRE(key);
  CHECK(key->size_bytes() == 128);
  CHECK(key->fingerprint() == 1914007313702140277LL);
}

TEST_CASE("rsa_fingerprint ignores leading zero bytes of n and e") {
  const RsaPublicKey key = *RsaPublicKey::from_pem(kProductionRsaKey.pem);
  Bytes padded_n{0, 0};
  padded_n.insert(padded_n.end(), key.n().begin(), key.n().end());
  CHECK(rsa_fingerprint(padded_n, Bytes{0, 1, 0, 1}) == key.fingerprint());
}

TEST_CASE("find_builtin_rsa_key picks the key matching an offered fingerprint") {
  // The resPQ of samples-auth_key offers two legacy keys and the production key.
  const std::int64_t offered[] = {static_cast<std::int64_t>(0x0bc35f3509f7b7a5ULL),
                                  static_cast<std::int64_t>(0xc3b42b026ce86b21ULL),
                                  kProductionRsaKey.fingerprint};
  const std::optional<RsaPublicKey> key = find_builtin_rsa_key(offered, /*test_dc=*/false);
  REQUIRE(key);
  CHECK(key->fingerprint() == kProductionRsaKey.fingerprint);
  CHECK_FALSE(find_builtin_rsa_key(offered, /*test_dc=*/true));
}

TEST_CASE("public keys survive a PKCS#1 PEM round trip") {
  const RsaPublicKey key = *RsaPublicKey::from_pem(kTestDcRsaKey.pem);
  const std::string pem = key.to_pem();
  CHECK(pem.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
  const std::optional<RsaPublicKey> again = RsaPublicKey::from_pem(pem);
  REQUIRE(again);
  CHECK(again->n() == key.n());
  CHECK(again->fingerprint() == key.fingerprint());
}

TEST_CASE("malformed PEM text and invalid components are rejected") {
  CHECK_FALSE(RsaPublicKey::from_pem(""));
  CHECK_FALSE(RsaPublicKey::from_pem("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"));
  std::string broken(kProductionRsaKey.pem);
  broken[40] = broken[40] == 'A' ? 'B' : 'A';
  CHECK_FALSE(RsaPublicKey::from_pem(broken));
  CHECK_FALSE(RsaPublicKey::from_components(Bytes{0x10}, Bytes{3}));     // even n
  CHECK_FALSE(RsaPublicKey::from_components(Bytes{0x11}, Bytes{0x13}));  // e >= n
  CHECK_FALSE(RsaPrivateKey::from_pem(kProductionRsaKey.pem));           // a public key
}

TEST_CASE("raw RSA: private decryption inverts public encryption, and inputs >= n are refused") {
  const RsaPrivateKey& key = test_dc_key();
  const Bytes message = test::pseudo_random_bytes(255, 1);  // 255 bytes: always below a 2048-bit n
  const std::optional<Bytes> encrypted = key.public_key().encrypt_raw(message);
  REQUIRE(encrypted);
  CHECK(encrypted->size() == 256);
  const std::optional<SecureBytes> decrypted = key.decrypt_raw(*encrypted);
  REQUIRE(decrypted);
  CHECK(to_hex(decrypted->span()) == "00" + to_hex(message));
  CHECK_FALSE(key.public_key().encrypt_raw(Bytes(256, 0xff)));
  CHECK_FALSE(key.decrypt_raw(Bytes(256, 0xff)));
  CHECK_FALSE(key.decrypt_raw(Bytes(255, 0x01)));
}

TEST_CASE("RsaPrivateKey::generate makes a working 2048-bit key") {
  const RsaPrivateKey key = RsaPrivateKey::generate(2048);
  CHECK(key.size_bytes() == 256);
  CHECK(to_hex(key.public_key().e()) == "010001");
  const Bytes message = test::pseudo_random_bytes(255, 5);
  const std::optional<SecureBytes> back = key.decrypt_raw(*key.public_key().encrypt_raw(message));
  REQUIRE(back);
  CHECK(to_hex(back->span()) == "00" + to_hex(message));
  CHECK(key.public_key().fingerprint() != test_dc_key().public_key().fingerprint());
}

TEST_CASE("private keys survive a PKCS#8 PEM round trip") {
  const RsaPrivateKey& key = test_dc_key();
  const SecureBytes pem = key.to_pem();
  const std::string_view text = as_chars(pem.span());
  CHECK(text.starts_with("-----BEGIN PRIVATE KEY-----"));
  const std::optional<RsaPrivateKey> loaded = RsaPrivateKey::from_pem(text);
  REQUIRE(loaded);
  CHECK(loaded->public_key().fingerprint() == key.public_key().fingerprint());
  const Bytes message = test::pseudo_random_bytes(200, 2);
  CHECK(
      to_hex(loaded->decrypt_raw(*key.public_key().encrypt_raw(message))->span()).ends_with(to_hex(message)));
}

TEST_CASE("RSA_PAD: the test DC decodes what the client encrypted, many times (exercising the >= n retry)") {
  const RsaPrivateKey& key = test_dc_key();
  for (std::size_t size : {0, 1, 100, 143, 144}) {
    for (int round = 0; round < 4; ++round) {
      const Bytes data = test::pseudo_random_bytes(size, size * 10 + round);
      const std::optional<Bytes> encrypted = rsa_pad_encrypt(key.public_key(), data);
      REQUIRE(encrypted);
      CHECK(encrypted->size() == 256);
      const std::optional<Bytes> decoded = rsa_pad_decrypt(key, *encrypted);
      REQUIRE(decoded);
      CHECK(decoded->size() == 192);
      CHECK(Bytes(decoded->begin(), decoded->begin() + static_cast<std::ptrdiff_t>(size)) == data);
    }
  }
}

TEST_CASE("RSA_PAD with fixed padding and temp_key is deterministic and reports blocks >= n") {
  const RsaPrivateKey& key = test_dc_key();
  const Bytes padded = test::pseudo_random_bytes(192, 3);
  int accepted = 0, too_large = 0;
  for (std::uint64_t seed = 0; seed < 24; ++seed) {
    const Bytes temp_key = test::pseudo_random_bytes(32, 1000 + seed);
    const std::optional<Bytes> a = rsa_pad_encrypt_with(key.public_key(), padded, first<32>(temp_key));
    const std::optional<Bytes> b = rsa_pad_encrypt_with(key.public_key(), padded, first<32>(temp_key));
    CHECK(a == b);
    if (!a) {
      ++too_large;
      continue;
    }
    ++accepted;
    const std::optional<Bytes> decoded = rsa_pad_decrypt(key, *a);
    REQUIRE(decoded);
    CHECK(*decoded == padded);
  }
  CHECK(accepted > 0);
  MESSAGE("temp_keys giving a block >= n: " << too_large << " of 24");
  CHECK_FALSE(rsa_pad_encrypt_with(key.public_key(), Bytes(191, 0), first<32>(padded)));
}

TEST_CASE("RSA_PAD rejects oversized data, non-2048-bit keys and tampered ciphertext") {
  const RsaPrivateKey& key = test_dc_key();
  CHECK_FALSE(rsa_pad_encrypt(key.public_key(), Bytes(145, 0)));
  CHECK_FALSE(rsa_pad_encrypt(*RsaPublicKey::from_pem(kGotdTestKey), Bytes(10, 0)));
  const std::optional<Bytes> encrypted = rsa_pad_encrypt(key.public_key(), Bytes(100, 7));
  REQUIRE(encrypted);
  for (std::size_t offset : {0, 31, 32, 100, 255}) {
    Bytes tampered = *encrypted;
    tampered[offset] ^= 0x01;
    CAPTURE(offset);
    CHECK_FALSE(rsa_pad_decrypt(key, tampered));
  }
  CHECK_FALSE(rsa_pad_decrypt(key, Bytes(255, 1)));
}

TEST_CASE("legacy RSA: SHA1(data) || data || random round-trips and the hash check needs the right length") {
  const RsaPrivateKey& key = test_dc_key();
  const Bytes data = test::pseudo_random_bytes(96, 4);
  const std::optional<Bytes> encrypted = rsa_encrypt_legacy(key.public_key(), data);
  REQUIRE(encrypted);
  const std::optional<LegacyRsaPlaintext> plain = rsa_decrypt_legacy(key, *encrypted);
  REQUIRE(plain);
  CHECK(plain->data_with_padding.size() == 235);
  CHECK(Bytes(plain->data_with_padding.begin(), plain->data_with_padding.begin() + 96) == data);
  CHECK(plain->hash_matches(96));
  CHECK_FALSE(plain->hash_matches(95));
  CHECK_FALSE(plain->hash_matches(236));
  CHECK_FALSE(rsa_encrypt_legacy(key.public_key(), Bytes(236, 0)));
}
