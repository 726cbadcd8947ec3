#include "protocol/crypto/message_cipher.hpp"

#include <algorithm>
#include <functional>

#include "protocol/crypto/aes_ige.hpp"
#include "protocol/crypto/constant_time.hpp"
#include "protocol/crypto/secure_bytes.hpp"

namespace tgd::crypto {
namespace {

bool overlap(ByteSpan a, ByteSpan b) {
  if (a.empty() || b.empty()) return false;
  const std::less<const std::uint8_t*> before;
  return before(a.data(), b.data() + b.size()) && before(b.data(), a.data() + a.size());
}

bool valid_ciphertext_size(std::size_t size) { return size != 0 && size % 16 == 0; }

void write_header(const AuthKey& auth_key, const MsgKey& msg_key, MutableByteSpan packet) {
  std::copy(auth_key.id().begin(), auth_key.id().end(), packet.begin());
  std::copy(msg_key.begin(), msg_key.end(), packet.begin() + 8);
}

// Checks the header of a received packet and returns its msg_key.
std::optional<MsgKey> read_header(const AuthKey& auth_key, ByteSpan packet) {
  if (packet.size() < kEncryptedHeaderSize || !valid_ciphertext_size(packet.size() - kEncryptedHeaderSize)) {
    return std::nullopt;
  }
  if (!std::equal(auth_key.id().begin(), auth_key.id().end(), packet.begin())) return std::nullopt;
  MsgKey msg_key;
  std::copy(packet.begin() + 8, packet.begin() + kEncryptedHeaderSize, msg_key.begin());
  return msg_key;
}

}  // namespace

std::optional<std::uint32_t> MessageCipher::encrypt_to(const AuthKey& auth_key, Direction direction,
                                                       ByteSpan plaintext, MutableByteSpan packet) {
  if (!valid_ciphertext_size(plaintext.size()) || packet.size() != kEncryptedHeaderSize + plaintext.size() ||
      overlap(plaintext, packet)) {
    return std::nullopt;
  }
  const Sha256Digest large = msg_key_large(sha_, auth_key, direction, plaintext);
  const MsgKey msg_key = msg_key_from_large(large);
  const AesKeyIv key_iv = derive_aes_key_iv(sha_, auth_key, direction, msg_key);
  write_header(auth_key, msg_key, packet);
  const AesIge256 aes(key_iv.key.span());
  (void)aes.encrypt(key_iv.iv.span(), plaintext,
                    packet.subspan(kEncryptedHeaderSize));  // sizes checked above
  return quick_ack_token(large);
}

Bytes MessageCipher::encrypt(const AuthKey& auth_key, Direction direction, ByteSpan plaintext) {
  if (!valid_ciphertext_size(plaintext.size())) return {};
  Bytes packet(kEncryptedHeaderSize + plaintext.size());
  (void)encrypt_to(auth_key, direction, plaintext, packet);
  return packet;
}

std::optional<std::uint32_t> MessageCipher::decrypt_to(const AuthKey& auth_key, Direction direction,
                                                       ByteSpan packet, MutableByteSpan plaintext) {
  const std::optional<MsgKey> msg_key = read_header(auth_key, packet);
  if (!msg_key || plaintext.size() != packet.size() - kEncryptedHeaderSize || overlap(packet, plaintext)) {
    return std::nullopt;
  }
  const AesKeyIv key_iv = derive_aes_key_iv(sha_, auth_key, direction, *msg_key);
  const AesIge256 aes(key_iv.key.span());
  (void)aes.decrypt(key_iv.iv.span(), packet.subspan(kEncryptedHeaderSize),
                    plaintext);  // sizes checked above
  const Sha256Digest large = msg_key_large(sha_, auth_key, direction, plaintext);
  if (!constant_time_equal(msg_key_from_large(large), *msg_key)) {
    // Unauthenticated bytes must not reach a caller that ignores the result.
    secure_wipe(plaintext.data(), plaintext.size());
    return std::nullopt;
  }
  return quick_ack_token(large);
}

std::optional<Bytes> MessageCipher::decrypt(const AuthKey& auth_key, Direction direction, ByteSpan packet) {
  if (packet.size() < kEncryptedHeaderSize) return std::nullopt;
  Bytes plaintext(packet.size() - kEncryptedHeaderSize);
  if (!decrypt_to(auth_key, direction, packet, plaintext)) return std::nullopt;
  return plaintext;
}

Bytes encrypt_message(const AuthKey& auth_key, Direction direction, ByteSpan plaintext_with_padding) {
  return MessageCipher().encrypt(auth_key, direction, plaintext_with_padding);
}

std::optional<Bytes> decrypt_message(const AuthKey& auth_key, Direction direction, ByteSpan packet) {
  return MessageCipher().decrypt(auth_key, direction, packet);
}

Bytes encrypt_message_v1(const AuthKey& auth_key, Direction direction, ByteSpan plaintext, ByteSpan padding) {
  if (padding.size() >= 16 || !valid_ciphertext_size(plaintext.size() + padding.size())) return {};
  const MsgKey msg_key = msg_key_v1(plaintext);
  const AesKeyIv key_iv = derive_aes_key_iv_v1(auth_key, direction, msg_key);
  Bytes packet(kEncryptedHeaderSize + plaintext.size() + padding.size());
  write_header(auth_key, msg_key, packet);
  const auto body = packet.begin() + kEncryptedHeaderSize;
  std::copy(padding.begin(), padding.end(), std::copy(plaintext.begin(), plaintext.end(), body));
  const MutableByteSpan encrypted = MutableByteSpan(packet).subspan(kEncryptedHeaderSize);
  (void)AesIge256(key_iv.key.span()).encrypt(key_iv.iv.span(), encrypted, encrypted);  // in place
  return packet;
}

std::optional<Bytes> decrypt_message_v1(const AuthKey& auth_key, Direction direction, ByteSpan packet) {
  const std::optional<MsgKey> msg_key = read_header(auth_key, packet);
  if (!msg_key) return std::nullopt;
  const AesKeyIv key_iv = derive_aes_key_iv_v1(auth_key, direction, *msg_key);
  Bytes plaintext(packet.size() - kEncryptedHeaderSize);
  (void)AesIge256(key_iv.key.span())
      .decrypt(key_iv.iv.span(), packet.subspan(kEncryptedHeaderSize), plaintext);

  // salt/random (16) | msg_id (8) | seq_no (4) | length (4) | body[length] | padding (0..15)
  constexpr std::size_t kLengthOffset = 28;
  bool ok = plaintext.size() >= kLengthOffset + 4;
  if (ok) {
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < 4; ++i) length |= std::uint64_t{plaintext[kLengthOffset + i]} << (8 * i);
    const std::uint64_t unpadded = kLengthOffset + 4 + length;
    ok = unpadded <= plaintext.size() && plaintext.size() - unpadded < 16 &&
         constant_time_equal(msg_key_v1(ByteSpan(plaintext).first(unpadded)), *msg_key);
  }
  if (!ok) return std::nullopt;
  return plaintext;
}

}  // namespace tgd::crypto
