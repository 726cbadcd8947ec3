#include "protocol/crypto/aes_ctr.hpp"

#include <algorithm>
#include <climits>
#include <functional>

#include "protocol/crypto/detail/openssl_util.hpp"

namespace tgd::crypto {

void detail::EvpCipherCtxDeleter::operator()(evp_cipher_ctx_st* ctx) const noexcept {
  EVP_CIPHER_CTX_free(ctx);
}

AesCtr256::AesCtr256(std::span<const std::uint8_t, 32> key, std::span<const std::uint8_t, 16> iv)
    : ctx_(detail::ensure_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new")) {
  detail::ensure(EVP_EncryptInit_ex2(ctx_.get(), detail::cipher_aes256_ctr(), key.data(), iv.data(), nullptr),
                 "EVP_EncryptInit_ex2");
}

bool AesCtr256::apply(ByteSpan in, MutableByteSpan out) {
  if (in.size() != out.size()) return false;
  if (!in.empty() && in.data() != out.data()) {
    const std::less<const std::uint8_t*> before;
    if (before(in.data(), out.data() + out.size()) && before(out.data(), in.data() + in.size())) return false;
  }
  // EVP lengths are ints.
  constexpr std::size_t kChunk = INT_MAX / 2;
  for (std::size_t done = 0; done < in.size();) {
    const std::size_t n = std::min(kChunk, in.size() - done);
    int written = 0;
    detail::ensure(
        EVP_EncryptUpdate(ctx_.get(), out.data() + done, &written, in.data() + done, static_cast<int>(n)),
        "EVP_EncryptUpdate");
    done += n;
  }
  return true;
}

void AesCtr256::apply_in_place(MutableByteSpan data) { (void)apply(data, data); }

}  // namespace tgd::crypto
