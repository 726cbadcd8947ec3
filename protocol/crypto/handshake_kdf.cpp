#include "protocol/crypto/handshake_kdf.hpp"

#include <algorithm>

#include "protocol/crypto/hash.hpp"

namespace tgd::crypto {

AesKeyIv tmp_aes_key_iv(NewNonce new_nonce, Nonce server_nonce) {
  Sha1 sha;
  SecureArray<20> ns, sn, nn;
  sha.digest_into({new_nonce, server_nonce}, ns.mutable_span());
  sha.digest_into({server_nonce, new_nonce}, sn.mutable_span());
  sha.digest_into({new_nonce, new_nonce}, nn.mutable_span());
  AesKeyIv out;
  std::copy(ns.begin(), ns.end(), out.key.begin());
  std::copy(sn.begin(), sn.begin() + 12, out.key.begin() + 20);
  std::copy(sn.begin() + 12, sn.end(), out.iv.begin());
  std::copy(nn.begin(), nn.end(), out.iv.begin() + 8);
  std::copy(new_nonce.begin(), new_nonce.begin() + 4, out.iv.begin() + 28);
  return out;
}

std::array<std::uint8_t, 16> new_nonce_hash(NewNonce new_nonce, std::uint8_t n,
                                            const AuthKeyAuxHash& aux_hash) {
  const std::uint8_t tag[1] = {n};
  const Sha1Digest digest = sha1({new_nonce, tag, aux_hash});
  std::array<std::uint8_t, 16> out;
  std::copy(digest.begin() + 4, digest.end(), out.begin());
  return out;
}

std::array<std::uint8_t, 16> new_nonce_hash_for_fail(NewNonce new_nonce) {
  const Sha1Digest digest = sha1(new_nonce);
  std::array<std::uint8_t, 16> out;
  std::copy(digest.begin() + 4, digest.end(), out.begin());
  return out;
}

std::array<std::uint8_t, 8> initial_server_salt(NewNonce new_nonce, Nonce server_nonce) noexcept {
  std::array<std::uint8_t, 8> salt;
  for (std::size_t i = 0; i < 8; ++i) salt[i] = new_nonce[i] ^ server_nonce[i];
  return salt;
}

}  // namespace tgd::crypto
