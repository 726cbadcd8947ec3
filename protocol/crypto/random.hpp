#pragma once
// Cryptographically secure random bytes (OpenSSL's DRBG, seeded from the OS). A failing generator
// is not recoverable, so it throws CryptoError rather than returning weak bytes.
#include <cstdint>
#include <functional>

#include "protocol/base/bytes.hpp"

namespace tgd::crypto {

void random_fill(MutableByteSpan out);

// Where sans-IO protocol code gets its random bytes: random_fill in production, a deterministic
// source in tests that reproduce published vectors.
using RandomSource = std::function<void(MutableByteSpan)>;
Bytes random_bytes(std::size_t size);
std::uint64_t random_u64();

}  // namespace tgd::crypto
