#pragma once
// Encryption of MTProto 2.0 packets (facts §3.1-3.3):
//   packet = auth_key_id (8) | msg_key (16) | AES-256-IGE(plaintext_with_padding)
// This layer only protects and authenticates bytes. The MTProto layer builds the plaintext
// (salt, session_id, msg_id, seq_no, length, body, 12..1024 padding bytes) and checks those fields
// after decryption.
//
// Direction is the direction the packet travels: a client encrypts kClientToServer and decrypts
// kServerToClient; the test DC does the opposite.
#include <cstdint>
#include <optional>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/mtproto_kdf.hpp"

namespace tgd::crypto {

inline constexpr std::size_t kEncryptedHeaderSize = 24;  // auth_key_id + msg_key

// Reusable per connection or thread (not thread-safe): owns the SHA-256 context so that encrypting
// or decrypting a message allocates nothing beyond its output.
class MessageCipher {
 public:
  // Writes the packet for plaintext_with_padding (a non-zero multiple of 16 bytes) into packet,
  // which must be exactly kEncryptedHeaderSize + plaintext.size() bytes and must not overlap it.
  // Returns the message's quick-ack token, or nullopt (nothing written) if the sizes are wrong.
  std::optional<std::uint32_t> encrypt_to(const AuthKey& auth_key, Direction direction,
                                          ByteSpan plaintext_with_padding, MutableByteSpan packet);
  // As encrypt_to, allocating the packet. Returns an empty Bytes if the plaintext size is wrong.
  Bytes encrypt(const AuthKey& auth_key, Direction direction, ByteSpan plaintext_with_padding);

  // Decrypts packet into plaintext (exactly packet.size() - 24 bytes, not overlapping the packet)
  // and verifies msg_key in constant time. Returns the quick-ack token, or nullopt if the packet is
  // malformed, carries another auth_key_id, or fails the msg_key check (plaintext is zeroed then).
  std::optional<std::uint32_t> decrypt_to(const AuthKey& auth_key, Direction direction, ByteSpan packet,
                                          MutableByteSpan plaintext);
  // As decrypt_to, allocating the plaintext (still including the padding).
  std::optional<Bytes> decrypt(const AuthKey& auth_key, Direction direction, ByteSpan packet);

 private:
  Sha256 sha_;
};

// One-shot forms for cold paths and tests (each call creates a hash context).
Bytes encrypt_message(const AuthKey& auth_key, Direction direction, ByteSpan plaintext_with_padding);
std::optional<Bytes> decrypt_message(const AuthKey& auth_key, Direction direction, ByteSpan packet);

// MTProto 1.0 packets, needed only for auth.bindTempAuthKey's encrypted_message (facts Appendix
// B.4, which uses the permanent key and kClientToServer): msg_key = SHA1(plaintext)[4..20] over the
// plaintext *without* padding, keys from the SHA-1 KDF.
// Requires padding.size() < 16 and plaintext.size() + padding.size() a non-zero multiple of 16;
// returns an empty Bytes otherwise.
Bytes encrypt_message_v1(const AuthKey& auth_key, Direction direction, ByteSpan plaintext, ByteSpan padding);
// Decrypts and verifies msg_key. The unpadded length is 32 + the message length field (LE int at
// plaintext offset 28, as in every MTProto plaintext), and at most 15 padding bytes may follow.
// Returns the plaintext including padding.
std::optional<Bytes> decrypt_message_v1(const AuthKey& auth_key, Direction direction, ByteSpan packet);

}  // namespace tgd::crypto
