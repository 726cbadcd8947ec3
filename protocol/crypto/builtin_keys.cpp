#include "protocol/crypto/builtin_keys.hpp"

#include <algorithm>

namespace tgd::crypto {

std::optional<RsaPublicKey> find_builtin_rsa_key(std::span<const std::int64_t> offered_fingerprints,
                                                 bool test_dc) {
  const BuiltinRsaKey& key = test_dc ? kTestDcRsaKey : kProductionRsaKey;
  if (std::find(offered_fingerprints.begin(), offered_fingerprints.end(), key.fingerprint) ==
      offered_fingerprints.end()) {
    return std::nullopt;
  }
  return RsaPublicKey::from_pem(key.pem);
}

}  // namespace tgd::crypto
