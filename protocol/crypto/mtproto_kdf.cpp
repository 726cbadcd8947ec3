#include "protocol/crypto/mtproto_kdf.hpp"

#include <algorithm>

namespace tgd::crypto {
namespace {

// auth_key[offset .. offset + size], with x already added to offset by the caller.
ByteSpan key_part(const AuthKey& auth_key, std::size_t offset, std::size_t size) {
  return auth_key.bytes().subspan(offset, size);
}

std::size_t x_of(Direction direction) { return static_cast<std::size_t>(direction); }

// dst[dst_offset ..] = src[from .. to]
template <class Dst, class Src>
void put(Dst& dst, std::size_t dst_offset, const Src& src, std::size_t from, std::size_t to) {
  std::copy(src.begin() + from, src.begin() + to, dst.begin() + dst_offset);
}

}  // namespace

Sha256Digest msg_key_large(Sha256& sha, const AuthKey& auth_key, Direction direction,
                           ByteSpan plaintext_with_padding) {
  const std::size_t x = x_of(direction);
  return sha.digest({key_part(auth_key, 88 + x, 32), plaintext_with_padding});
}

MsgKey msg_key_from_large(const Sha256Digest& msg_key_large) noexcept {
  MsgKey msg_key;
  std::copy(msg_key_large.begin() + 8, msg_key_large.begin() + 24, msg_key.begin());
  return msg_key;
}

std::uint32_t quick_ack_token(const Sha256Digest& msg_key_large) noexcept {
  const std::uint32_t value = std::uint32_t{msg_key_large[0]} | std::uint32_t{msg_key_large[1]} << 8 |
                              std::uint32_t{msg_key_large[2]} << 16 | std::uint32_t{msg_key_large[3]} << 24;
  return value | 0x80000000U;
}

AesKeyIv derive_aes_key_iv(Sha256& sha, const AuthKey& auth_key, Direction direction, const MsgKey& msg_key) {
  const std::size_t x = x_of(direction);
  SecureArray<32> a, b;
  sha.digest_into({msg_key, key_part(auth_key, x, 36)}, a.mutable_span());
  sha.digest_into({key_part(auth_key, 40 + x, 36), msg_key}, b.mutable_span());
  AesKeyIv out;
  // aes_key = a[0..8] || b[8..24] || a[24..32];  aes_iv = b[0..8] || a[8..24] || b[24..32]
  put(out.key, 0, a, 0, 8);
  put(out.key, 8, b, 8, 24);
  put(out.key, 24, a, 24, 32);
  put(out.iv, 0, b, 0, 8);
  put(out.iv, 8, a, 8, 24);
  put(out.iv, 24, b, 24, 32);
  return out;
}

MsgKey msg_key_v1(ByteSpan plaintext_without_padding) {
  const Sha1Digest digest = sha1(plaintext_without_padding);
  MsgKey msg_key;
  std::copy(digest.begin() + 4, digest.end(), msg_key.begin());
  return msg_key;
}

AesKeyIv derive_aes_key_iv_v1(const AuthKey& auth_key, Direction direction, const MsgKey& msg_key) {
  const std::size_t x = x_of(direction);
  Sha1 sha;
  SecureArray<20> a, b, c, d;
  sha.digest_into({msg_key, key_part(auth_key, x, 32)}, a.mutable_span());
  sha.digest_into({key_part(auth_key, 32 + x, 16), msg_key, key_part(auth_key, 48 + x, 16)},
                  b.mutable_span());
  sha.digest_into({key_part(auth_key, 64 + x, 32), msg_key}, c.mutable_span());
  sha.digest_into({msg_key, key_part(auth_key, 96 + x, 32)}, d.mutable_span());
  AesKeyIv out;
  // aes_key = a[0..8] || b[8..20] || c[4..16];  aes_iv = a[8..20] || b[0..8] || c[16..20] || d[0..8]
  put(out.key, 0, a, 0, 8);
  put(out.key, 8, b, 8, 20);
  put(out.key, 20, c, 4, 16);
  put(out.iv, 0, a, 8, 20);
  put(out.iv, 12, b, 0, 8);
  put(out.iv, 20, c, 16, 20);
  put(out.iv, 24, d, 0, 8);
  return out;
}

}  // namespace tgd::crypto
