#pragma once
// TL wire facts shared by the encoder and the decoder.
#include <cstdint>

namespace tgd::tl::wire {

inline constexpr std::uint32_t kVector = 0x1cb5c415;
inline constexpr std::uint32_t kBoolTrue = 0x997275b5;
inline constexpr std::uint32_t kBoolFalse = 0xbc799737;
inline constexpr std::uint32_t kGzipPacked = 0x3072cfa1;

// Strings and bytes: one length byte up to 253, else 0xfe and three length bytes.
inline constexpr std::uint32_t kMaxShortLength = 253;
inline constexpr std::uint32_t kMaxLength = (1u << 24) - 1;

}  // namespace tgd::tl::wire
