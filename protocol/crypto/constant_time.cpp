#include "protocol/crypto/constant_time.hpp"

#include <openssl/crypto.h>

namespace tgd::crypto {

bool constant_time_equal(ByteSpan a, ByteSpan b) noexcept {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tgd::crypto
