#include "protocol/crypto/random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "protocol/crypto/detail/openssl_util.hpp"

namespace tgd::crypto {

void random_fill(MutableByteSpan out) {
  // RAND_bytes takes an int length.
  constexpr std::size_t kChunk = INT_MAX;
  for (std::size_t done = 0; done < out.size();) {
    const std::size_t n = std::min(kChunk, out.size() - done);
    detail::ensure(RAND_bytes(out.data() + done, static_cast<int>(n)), "RAND_bytes");
    done += n;
  }
}

Bytes random_bytes(std::size_t size) {
  Bytes out(size);
  random_fill(out);
  return out;
}

std::uint64_t random_u64() {
  std::uint8_t bytes[8];
  random_fill(bytes);
  std::uint64_t value;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}

}  // namespace tgd::crypto
