#pragma once
// AES-256-CTR as a running keystream (128-bit big-endian counter, OpenSSL EVP_aes_256_ctr): the
// cipher of obfuscated2 transports (one stream per direction for the whole connection) and of CDN
// file parts. The position in the keystream carries over between calls, so a message may be split
// across calls at any byte.
#include <cstdint>
#include <memory>
#include <span>

#include "protocol/base/bytes.hpp"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX, kept out of this header

namespace tgd::crypto {

namespace detail {
struct EvpCipherCtxDeleter {
  void operator()(evp_cipher_ctx_st* ctx) const noexcept;
};
}  // namespace detail

class AesCtr256 {
 public:
  AesCtr256(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> iv);
  AesCtr256(AesCtr256&&) noexcept = default;
  AesCtr256& operator=(AesCtr256&&) noexcept = default;

  // XORs the next in.size() keystream bytes with in into out. Sizes must match and the buffers must be
  // identical or disjoint; otherwise returns false and consumes no keystream.
  [[nodiscard]] bool apply(ByteSpan in, MutableByteSpan out);
  void apply_in_place(MutableByteSpan data);

 private:
  std::unique_ptr<evp_cipher_ctx_st, detail::EvpCipherCtxDeleter> ctx_;  // frees and wipes the key
};

}  // namespace tgd::crypto
