#pragma once
// The one exception type of tgd_crypto. It is thrown only for failures that are not expected in a
// correct program on a healthy machine (OpenSSL allocation failures, an unusable random generator,
// an algorithm missing from the OpenSSL build). Expected failures (a bad packet, a malformed key, a
// failed check) are reported through return values instead.
#include <stdexcept>

namespace tgd::crypto {

class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tgd::crypto
