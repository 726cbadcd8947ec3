#pragma once
// The test DC's side of 2FA (facts §6.2): a stored password (salts and verifier, never the
// password), and the per-attempt SRP challenge behind account.password.srp_B / srp_id. The maths is
// protocol/crypto/srp.hpp's server half; this adds what Telegram keeps around it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/srp.hpp"

namespace tgd::testdc {

// The algorithm's constants: g = 3 and Telegram's 2048-bit prime.
inline constexpr std::int32_t kSrpG = 3;
ByteSpan srp_prime();

struct SrpPassword {
  Bytes salt1;  // the server's 32 bytes plus the client's 32 (new_algo.salt1 is extended by clients)
  Bytes salt2;
  Bytes verifier;  // v = g^x mod p, 256 bytes
  std::string hint;
};

// A fresh password's algorithm salts as account.password.new_algo announces them: salt1 32 random
// bytes (clients append 32 of their own), salt2 16 random bytes.
struct SrpNewAlgo {
  Bytes salt1;
  Bytes salt2;
};
SrpNewAlgo srp_new_algo();

// What account.updatePasswordSettings' new_password_hash must be: a verifier in (1, p), 256 bytes
// or fewer (left-padded). nullopt if it is not.
std::optional<Bytes> srp_accept_verifier(ByteSpan new_password_hash);

// Test control: derive salts and verifier from a clear password (PBKDF2, ~50 ms).
SrpPassword srp_password_from_text(std::string_view password, std::string hint = {});

// One login attempt: srp_id names it in auth.checkPassword.
struct SrpAttempt {
  std::int64_t srp_id = 0;
  crypto::SrpServerChallenge challenge;
};
SrpAttempt srp_new_attempt(const SrpPassword& password);

// True if inputCheckPasswordSRP's (A, M1) prove the password behind `password` for `attempt`.
bool srp_verify(const SrpPassword& password, const SrpAttempt& attempt, ByteSpan a, ByteSpan m1);

}  // namespace tgd::testdc
