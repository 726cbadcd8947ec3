#pragma once
// AES-IGE, the block mode of MTProto (facts §3.3): with iv = iv1 || iv2, y_prev = iv1, x_prev = iv2,
//   encrypt: y_i = E(x_i ^ y_prev) ^ x_prev        decrypt: x_i = D(y_i ^ x_prev) ^ y_prev
// (OpenSSL AES_ige_encrypt convention). AES-256 is what MTProto uses; AES-128 exists only so
// OpenSSL's igetest.c vectors can be checked.
//
// Why hand-written: OpenSSL 3 has no EVP IGE mode, and its deprecated AES_ige_encrypt uses the
// table-based AES without AES-NI (about 6x slower). IGE, like CBC encryption, chains every block on
// the previous one, so the speed limit is the latency of one AES block plus per-block call overhead.
// The AES-NI kernel (detail/aes_ni.cpp) runs the whole chain in registers and folds the two IGE
// XORs into the first and last round keys so the dependency chain is as short as CBC's. CPUs without
// AES-NI use a portable path over EVP AES-ECB, one block per call.
//
// A cipher object holds one expanded key. Construction is cheap (a key expansion, no allocation) as
// MTProto derives a new key for every message. Objects are immutable and can be used from several
// threads.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/base/bytes.hpp"

namespace tgd::crypto {

enum class AesImpl : std::uint8_t {
  kAuto,      // AES-NI when the CPU has it, else portable
  kAesNi,     // AES-NI if the CPU has it (falls back to portable otherwise; see impl())
  kPortable,  // OpenSSL EVP AES-ECB, one block per call (tests and benchmarks force it)
};

// True if this CPU supports the AES-NI instructions.
bool aes_ni_supported() noexcept;

inline constexpr std::size_t kIgeIvSize = 32;
using IgeIv = std::span<const std::uint8_t, kIgeIvSize>;

template <std::size_t KeySize>
class AesIge {
  static_assert(KeySize == 16 || KeySize == 32, "AES-128 or AES-256");

 public:
  static constexpr std::size_t kKeySize = KeySize;
  static constexpr std::size_t kBlockSize = 16;

  explicit AesIge(std::span<const std::uint8_t, KeySize> key, AesImpl impl = AesImpl::kAuto) noexcept;
  AesIge(const AesIge&) noexcept = default;
  AesIge& operator=(const AesIge&) noexcept = default;
  ~AesIge();  // wipes the key schedule

  // Encrypts/decrypts in into out with a fresh copy of iv (the iv is not updated). in and out must
  // have the same size, a multiple of 16, and either be the same buffer (in place) or not overlap.
  // Misuse is rejected, not asserted: returns false and writes nothing. Empty input is a no-op.
  [[nodiscard]] bool encrypt(IgeIv iv, ByteSpan in, MutableByteSpan out) const;
  [[nodiscard]] bool decrypt(IgeIv iv, ByteSpan in, MutableByteSpan out) const;

  // The implementation actually in use.
  AesImpl impl() const noexcept { return impl_; }

 private:
  static constexpr std::size_t kRounds = KeySize == 16 ? 10 : 14;

  // AES-NI: the encryption round keys (the decryption schedule is derived in registers by
  // decrypt(), so encrypt-only users never pay for it). Portable: the raw key in the first bytes.
  alignas(16) std::array<std::uint8_t, 16 * (kRounds + 1)> schedule_;
  AesImpl impl_;
};

extern template class AesIge<16>;
extern template class AesIge<32>;

using AesIge128 = AesIge<16>;
using AesIge256 = AesIge<32>;

}  // namespace tgd::crypto
