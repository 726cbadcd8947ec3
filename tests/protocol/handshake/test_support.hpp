#pragma once
// Shared by the handshake tests: scripted randomness, the fixed test-DC key, and helpers that open
// and reseal the encrypted parts of handshake messages so tests can tamper with single fields.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <type_traits>
#include <variant>

#include "protocol/base/bytes.hpp"
#include "protocol/base/hex.hpp"
#include "protocol/crypto/aes_ige.hpp"
#include "protocol/crypto/handshake_kdf.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/rsa.hpp"
#include "protocol/handshake/client_handshake.hpp"
#include "protocol/handshake/messages.hpp"
#include "protocol/handshake/plain_message.hpp"
#include "protocol/handshake/server_handshake.hpp"
#include "tests/protocol/crypto/test_rsa_key.hpp"

namespace tgd::handshake::test {

// Deterministic pseudo-random bytes (splitmix64), shared by every copy of the source.
inline RandomSource seeded_random(std::uint64_t seed) {
  auto state = std::make_shared<std::uint64_t>(seed);
  return [state](MutableByteSpan out) {
    for (std::uint8_t& byte : out) {
      *state += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = *state;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      byte = static_cast<std::uint8_t>(z ^ (z >> 31));
    }
  };
}

// Replays scripted chunks: a draw whose size equals the next chunk's size takes that chunk, any
// other draw gets pseudo-random bytes. So a script of {nonce, new_nonce, b, padding} lands on the
// client's draws of those sizes whatever the RSA_PAD draws in between (facts §2.11 replay).
inline RandomSource scripted_random(std::vector<Bytes> script, std::uint64_t seed = 1) {
  auto queue = std::make_shared<std::deque<Bytes>>(script.begin(), script.end());
  RandomSource fallback = seeded_random(seed);
  return [queue, fallback](MutableByteSpan out) {
    if (!queue->empty() && queue->front().size() == out.size()) {
      std::copy(queue->front().begin(), queue->front().end(), out.begin());
      queue->pop_front();
      return;
    }
    fallback(out);
  };
}

// The fixed test key of the crypto tests, loaded once per process (generating one is slow).
inline std::shared_ptr<const crypto::RsaPrivateKey> test_key() {
  static const std::shared_ptr<const crypto::RsaPrivateKey> key = [] {
    std::optional<crypto::RsaPrivateKey> parsed =
        crypto::RsaPrivateKey::from_pem(crypto::test::kTestRsaPrivateKeyPem);
    REQUIRE(parsed);
    return std::make_shared<const crypto::RsaPrivateKey>(std::move(*parsed));
  }();
  return key;
}

inline Int128 int128(ByteSpan bytes) {
  REQUIRE(bytes.size() == 16);
  Int128 out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

inline UnixNanos at_seconds(double seconds) { return UnixNanos(static_cast<std::int64_t>(seconds * 1e9)); }

inline Bytes plain(ByteSpan body, std::uint64_t msg_id) { return build_plain_message(msg_id, body); }

inline Bytes body_of(ByteSpan message) {
  const PlainMessageResult parsed = parse_plain_message(message);
  REQUIRE(parsed.message);
  return Bytes(parsed.message->body.begin(), parsed.message->body.end());
}

inline std::uint64_t msg_id_of(ByteSpan message) {
  const PlainMessageResult parsed = parse_plain_message(message);
  REQUIRE(parsed.message);
  return parsed.message->msg_id;
}

// The value of a step's alternative; fails the test if the step is another one.
template <class T, class Step>
T take(Step step) {
  using Failed = std::variant_alternative_t<2, Step>;
  if constexpr (!std::is_same_v<T, Failed>) {
    if (const auto* failed = std::get_if<Failed>(&step)) FAIL("the handshake failed: " << failed->message);
  }
  REQUIRE(std::holds_alternative<T>(step));
  return std::get<T>(std::move(step));
}

inline Bytes sent(ClientHandshake::Step step) { return take<ClientHandshake::Send>(std::move(step)).message; }
inline Bytes sent(ServerHandshake::Step step) { return take<ServerHandshake::Send>(std::move(step)).message; }

template <class Step>
auto failure(Step step) {
  using Failed = std::variant_alternative_t<2, Step>;
  REQUIRE(std::holds_alternative<Failed>(step));
  return std::get<Failed>(std::move(step)).code;
}

inline crypto::AesKeyIv tmp_key(ByteSpan new_nonce, const Int128& server_nonce) {
  return crypto::tmp_aes_key_iv(new_nonce.first<32>(), server_nonce);
}

// SHA1(data) || data || padding under the tmp key, with control over the hash and the padding size.
inline Bytes seal(const crypto::AesKeyIv& tmp, ByteSpan data, std::size_t padding,
                  bool corrupt_hash = false) {
  crypto::Sha1Digest hash = crypto::sha1(data);
  if (corrupt_hash) hash[0] ^= 1;
  Bytes plaintext(hash.begin(), hash.end());
  plaintext.insert(plaintext.end(), data.begin(), data.end());
  plaintext.resize(plaintext.size() + padding, 0x5a);
  REQUIRE(plaintext.size() % 16 == 0);
  Bytes out(plaintext.size());
  REQUIRE(crypto::AesIge256(tmp.key.span()).encrypt(tmp.iv.span(), plaintext, out));
  return out;
}

// Decrypts an encrypted_answer / encrypted_data; returns the TL object after the 20-byte hash.
inline Bytes open(const crypto::AesKeyIv& tmp, ByteSpan encrypted) {
  Bytes plaintext(encrypted.size());
  REQUIRE(crypto::AesIge256(tmp.key.span()).decrypt(tmp.iv.span(), encrypted, plaintext));
  return Bytes(plaintext.begin() + 20, plaintext.end());
}

inline ServerDhInnerData open_server_dh_inner_data(const crypto::AesKeyIv& tmp, ByteSpan encrypted) {
  const Bytes data = open(tmp, encrypted);
  tl::TlReader r(data);
  std::optional<ServerDhInnerData> inner = read_server_dh_inner_data(r);
  REQUIRE(inner);
  return std::move(*inner);
}

inline ClientDhInnerData open_client_dh_inner_data(const crypto::AesKeyIv& tmp, ByteSpan encrypted) {
  const Bytes data = open(tmp, encrypted);
  tl::TlReader r(data);
  std::optional<ClientDhInnerData> inner = read_client_dh_inner_data(r);
  REQUIRE(inner);
  return std::move(*inner);
}

// A padding size that brings 20 + size to a multiple of 16, plus `extra` whole blocks.
inline std::size_t padding_for(std::size_t size, std::size_t extra_blocks = 0) {
  return (16 - (20 + size) % 16) % 16 + 16 * extra_blocks;
}

}  // namespace tgd::handshake::test
