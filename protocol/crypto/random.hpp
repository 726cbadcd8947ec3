#pragma once
// Cryptographically secure random bytes (OpenSSL's DRBG, seeded from the OS). A failing generator
// is not recoverable, so it throws CryptoError rather than returning weak bytes.
#include <cstdint>

#include "protocol/base/bytes.hpp"

namespace tgd::crypto {

void random_fill(MutableByteSpan out);
Bytes random_bytes(std::size_t size);
std::uint64_t random_u64();

}  // namespace tgd::crypto
