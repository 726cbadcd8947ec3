#include "protocol/crypto/crc32.hpp"

#include <zlib.h>

namespace tgd::crypto {

std::uint32_t crc32_update(std::uint32_t crc, ByteSpan data) noexcept {
  return static_cast<std::uint32_t>(::crc32_z(crc, data.data(), data.size()));
}

std::uint32_t crc32(ByteSpan data) noexcept { return crc32_update(0, data); }

}  // namespace tgd::crypto
