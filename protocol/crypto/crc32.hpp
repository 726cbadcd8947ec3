#pragma once
// CRC-32 (IEEE 802.3, zlib's crc32): the full transport's checksum and TL constructor ids.
#include <cstdint>

#include "protocol/base/bytes.hpp"

namespace tgd::crypto {

std::uint32_t crc32(ByteSpan data) noexcept;
// Continues a running CRC: crc32_update(crc32(a), b) == crc32(a || b); crc32_update(0, a) == crc32(a).
std::uint32_t crc32_update(std::uint32_t crc, ByteSpan data) noexcept;

}  // namespace tgd::crypto
