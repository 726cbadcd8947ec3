#pragma once
// Telegram's RSA public keys compiled into the client (facts §2.9; the same keys as tdlib
// PublicRsaKeySharedMain.cpp, tdesktop kPublicRSAKeys and gotd _data/public_keys.pem). The handshake
// picks the key whose fingerprint the server offers in resPQ.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "protocol/crypto/rsa.hpp"

namespace tgd::crypto {

struct BuiltinRsaKey {
  std::string_view pem;
  std::int64_t fingerprint;  // published value; tests check it against the PEM
};

inline constexpr BuiltinRsaKey kProductionRsaKey{
    R"(-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g
5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO
62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/
+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9
t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs
5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB
-----END RSA PUBLIC KEY-----
)",
    static_cast<std::int64_t>(0xd09d1d85de64fd85ULL)};

inline constexpr BuiltinRsaKey kTestDcRsaKey{
    R"(-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAyMEdY1aR+sCR3ZSJrtztKTKqigvO/vBfqACJLZtS7QMgCGXJ6XIR
yy7mx66W0/sOFa7/1mAZtEoIokDP3ShoqF4fVNb6XeqgQfaUHd8wJpDWHcR2OFwv
plUUI1PLTktZ9uW2WE23b+ixNwJjJGwBDJPQEQFBE+vfmH0JP503wr5INS1poWg/
j25sIWeYPHYeOrFp/eXaqhISP6G+q2IeTaWTXpwZj4LzXq5YOpk4bYEQ6mvRq7D1
aHWfYmlEGepfaYR8Q0YqvvhYtMte3ITnuSJs171+GDqpdKcSwHnd6FudwGO4pcCO
j4WcDuXc2CTHgH8gFTNhp/Y8/SpDOhvn9QIDAQAB
-----END RSA PUBLIC KEY-----
)",
    static_cast<std::int64_t>(0xb25898df208d2603ULL)};

// The built-in key for production (test_dc = false) or Telegram's test DCs, if its fingerprint is
// among those offered; nullopt otherwise. (A local test DC is configured with its own key instead.)
std::optional<RsaPublicKey> find_builtin_rsa_key(std::span<const std::int64_t> offered_fingerprints,
                                                 bool test_dc);

}  // namespace tgd::crypto
