#include "protocol/crypto/aes_ige.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

#include "protocol/crypto/detail/aes_ni.hpp"
#include "protocol/crypto/detail/openssl_util.hpp"
#include "protocol/crypto/secure_bytes.hpp"

namespace tgd::crypto {

bool aes_ni_supported() noexcept {
  static const bool supported = detail::aesni::cpu_supported();
  return supported;
}

namespace {

using Block = std::array<std::uint8_t, 16>;

void xor_block(Block& a, const std::uint8_t* b) {
  for (std::size_t i = 0; i < 16; ++i) a[i] ^= b[i];
}

// in and out: same size, whole blocks, and either identical or disjoint. Partial overlap would make
// the chain read blocks it has already overwritten.
bool valid_buffers(ByteSpan in, MutableByteSpan out) {
  if (in.size() != out.size() || in.size() % 16 != 0) return false;
  if (in.empty() || in.data() == out.data()) return true;
  const std::less<const std::uint8_t*> before;
  return !before(in.data(), out.data() + out.size()) || !before(out.data(), in.data() + in.size());
}

// The portable chain: one EVP AES-ECB call per block (padding off), same equations as the AES-NI
// kernel. Slow but only used on CPUs without AES-NI.
template <std::size_t KeySize>
void portable_ige(bool encrypt, const std::uint8_t* key, IgeIv iv, ByteSpan in, MutableByteSpan out) {
  const EVP_CIPHER* cipher = KeySize == 16 ? detail::cipher_aes128_ecb() : detail::cipher_aes256_ecb();
  detail::EvpCipherCtxPtr ctx(detail::ensure_ptr(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  detail::ensure(EVP_CipherInit_ex2(ctx.get(), cipher, key, nullptr, encrypt ? 1 : 0, nullptr),
                 "EVP_CipherInit_ex2");
  detail::ensure(EVP_CIPHER_CTX_set_padding(ctx.get(), 0), "EVP_CIPHER_CTX_set_padding");

  // Encrypt chains (y_prev, x_prev) = (iv1, iv2); decrypt chains (x_prev, y_prev) = (iv2, iv1). In
  // both cases "mix" is XORed into the cipher input and "post" into its output.
  Block mix, post;
  std::memcpy(mix.data(), iv.data() + (encrypt ? 0 : 16), 16);
  std::memcpy(post.data(), iv.data() + (encrypt ? 16 : 0), 16);
  Block input, output;
  for (std::size_t offset = 0; offset < in.size(); offset += 16) {
    std::memcpy(input.data(), in.data() + offset, 16);  // copy first: out may alias in
    Block block = input;
    xor_block(block, mix.data());
    int written = 0;
    detail::ensure(EVP_CipherUpdate(ctx.get(), output.data(), &written, block.data(), 16),
                   "EVP_CipherUpdate");
    xor_block(output, post.data());
    std::memcpy(out.data() + offset, output.data(), 16);
    mix = output;
    post = input;
  }
}

}  // namespace

template <std::size_t KeySize>
AesIge<KeySize>::AesIge(std::span<const std::uint8_t, KeySize> key, AesImpl impl) noexcept : schedule_{} {
  const bool use_aes_ni = impl != AesImpl::kPortable && aes_ni_supported();
  impl_ = use_aes_ni ? AesImpl::kAesNi : AesImpl::kPortable;
  if (!use_aes_ni) {
    std::copy(key.begin(), key.end(), schedule_.begin());
  } else if constexpr (KeySize == 16) {
    detail::aesni::expand_key_128(key.data(), schedule_.data());
  } else {
    detail::aesni::expand_key_256(key.data(), schedule_.data());
  }
}

template <std::size_t KeySize>
AesIge<KeySize>::~AesIge() {
  secure_wipe(schedule_.data(), schedule_.size());
}

template <std::size_t KeySize>
bool AesIge<KeySize>::encrypt(IgeIv iv, ByteSpan in, MutableByteSpan out) const {
  if (!valid_buffers(in, out)) return false;
  if (in.empty()) return true;
  if (impl_ == AesImpl::kAesNi) {
    detail::aesni::ige_encrypt(kRounds, schedule_.data(), iv.data(), in.data(), out.data(), in.size() / 16);
  } else {
    portable_ige<KeySize>(true, schedule_.data(), iv, in, out);
  }
  return true;
}

template <std::size_t KeySize>
bool AesIge<KeySize>::decrypt(IgeIv iv, ByteSpan in, MutableByteSpan out) const {
  if (!valid_buffers(in, out)) return false;
  if (in.empty()) return true;
  if (impl_ == AesImpl::kAesNi) {
    detail::aesni::ige_decrypt(kRounds, schedule_.data(), iv.data(), in.data(), out.data(), in.size() / 16);
  } else {
    portable_ige<KeySize>(false, schedule_.data(), iv, in, out);
  }
  return true;
}

template class AesIge<16>;
template class AesIge<32>;

}  // namespace tgd::crypto
