#pragma once
// Comparison of secret-dependent values (msg_key, SRP M1, new_nonce_hash) whose timing must not
// reveal how many leading bytes matched.
#include "protocol/base/bytes.hpp"

namespace tgd::crypto {

// True if a and b hold the same bytes. The lengths are not secret: different lengths return false
// at once; equal lengths take the same time whatever the contents.
bool constant_time_equal(ByteSpan a, ByteSpan b) noexcept;

}  // namespace tgd::crypto
