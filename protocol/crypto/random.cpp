#include "protocol/crypto/random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

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

void RandomPool::fill(MutableByteSpan out) {
  if (out.empty()) return;  // an empty span's data() may be null, which memcpy must not see
  if (out.size() > 256) return random_fill(out);
  if (kSize - used_ < out.size()) {
    random_fill(buffer_);
    used_ = 0;
  }
  std::memcpy(out.data(), buffer_.data() + used_, out.size());
  // Handed out once: never again, and not left readable in the buffer.
  std::memset(buffer_.data() + used_, 0, out.size());
  used_ += out.size();
}

RandomSource pooled_random() {
  return [pool = std::make_shared<RandomPool>()](MutableByteSpan out) { pool->fill(out); };
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
