#pragma once
// Where the transport gets its random bytes (padded-intermediate padding, obfuscation headers).
// Injectable so tests can pin exact bytes; an empty source means the secure generator.
#include "protocol/base/bytes.hpp"
#include "protocol/crypto/random.hpp"

namespace tgd::transport {

using crypto::RandomSource;

inline void fill_random(const RandomSource& random, MutableByteSpan out) {
  if (random) {
    random(out);
  } else {
    crypto::random_fill(out);
  }
}

}  // namespace tgd::transport
