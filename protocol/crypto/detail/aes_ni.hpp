#pragma once
// Internal to tgd_crypto: the AES-NI kernels behind AesIge. Compiled with a function-level target
// attribute, so only call them after aes_ni_supported() returned true. rounds is 10 (AES-128) or
// 14 (AES-256); schedule holds (rounds + 1) * 16 bytes of encryption round keys.
#include <cstddef>
#include <cstdint>

namespace tgd::crypto::detail::aesni {

bool cpu_supported() noexcept;

void expand_key_128(const std::uint8_t* key, std::uint8_t* schedule) noexcept;
void expand_key_256(const std::uint8_t* key, std::uint8_t* schedule) noexcept;

// blocks 16-byte blocks; in == out is allowed.
void ige_encrypt(int rounds, const std::uint8_t* schedule, const std::uint8_t* iv, const std::uint8_t* in,
                 std::uint8_t* out, std::size_t blocks) noexcept;
void ige_decrypt(int rounds, const std::uint8_t* schedule, const std::uint8_t* iv, const std::uint8_t* in,
                 std::uint8_t* out, std::size_t blocks) noexcept;

}  // namespace tgd::crypto::detail::aesni
