#pragma once
// Cryptographically secure random bytes (OpenSSL's DRBG, seeded from the OS). A failing generator
// is not recoverable, so it throws CryptoError rather than returning weak bytes.
#include <array>
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

// random_fill's bytes drawn 4 KiB at a time, for the small pieces every packet needs (padding,
// its length, message and ping ids): OpenSSL checks getpid() on every RAND_bytes call (fork
// safety), a system call that was ~2 of the ~17 tgd made per JSON-RPC call at low load. The
// bytes are the same DRBG's; they only wait here until used. One per connection (not thread-safe);
// tgd does not fork without exec. Requests of over 256 bytes go to random_fill directly.
class RandomPool {
 public:
  void fill(MutableByteSpan out);

 private:
  static constexpr std::size_t kSize = 4096;
  std::array<std::uint8_t, kSize> buffer_{};
  std::size_t used_ = kSize;  // empty until the first fill
};

// A RandomSource drawing from a RandomPool of its own (its copies share it).
RandomSource pooled_random();

}  // namespace tgd::crypto
