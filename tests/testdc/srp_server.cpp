#include "tests/testdc/srp_server.hpp"

#include "protocol/crypto/dh.hpp"
#include "protocol/crypto/random.hpp"

namespace tgd::testdc {

ByteSpan srp_prime() { return crypto::production_dh_prime(); }

SrpNewAlgo srp_new_algo() { return SrpNewAlgo{crypto::random_bytes(32), crypto::random_bytes(16)}; }

std::optional<Bytes> srp_accept_verifier(ByteSpan new_password_hash) {
  const ByteSpan p = srp_prime();
  if (new_password_hash.empty() || new_password_hash.size() > p.size()) return std::nullopt;
  Bytes v(p.size() - new_password_hash.size(), 0);
  v.insert(v.end(), new_password_hash.begin(), new_password_hash.end());
  // 1 < v < p: big-endian byte strings of equal length compare lexicographically.
  bool above_one = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != 0 && (i + 1 < v.size() || v[i] > 1)) above_one = true;
  }
  if (!above_one || !std::lexicographical_compare(v.begin(), v.end(), p.begin(), p.end()))
    return std::nullopt;
  return v;
}

SrpPassword srp_password_from_text(std::string_view password, std::string hint) {
  SrpNewAlgo algo = srp_new_algo();
  Bytes salt1 = algo.salt1;
  const Bytes client_part = crypto::random_bytes(32);
  salt1.insert(salt1.end(), client_part.begin(), client_part.end());
  const auto hash = crypto::srp_password_hash(as_bytes(password), salt1, algo.salt2);
  Bytes verifier = crypto::srp_verifier(hash, kSrpG, srp_prime());
  return SrpPassword{std::move(salt1), std::move(algo.salt2), std::move(verifier), std::move(hint)};
}

SrpAttempt srp_new_attempt(const SrpPassword& password) {
  SrpAttempt attempt;
  do {
    attempt.srp_id = static_cast<std::int64_t>(crypto::random_u64());
  } while (attempt.srp_id == 0);
  attempt.challenge = crypto::srp_server_challenge(password.verifier, kSrpG, srp_prime());
  return attempt;
}

bool srp_verify(const SrpPassword& password, const SrpAttempt& attempt, ByteSpan a, ByteSpan m1) {
  const crypto::SrpParams params{password.salt1, password.salt2, kSrpG, srp_prime()};
  return crypto::srp_server_check(attempt.challenge, password.verifier, params, a, m1);
}

}  // namespace tgd::testdc
