#pragma once
// 2FA password check, SRP as Telegram defines it (facts §6.2, algorithm
// passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow): the client proof for
// auth.checkPassword, and the server side the local test DC needs (verifier, B, M1 check).
// All numbers are big-endian byte strings; those fed to SHA-256 are left-padded to 256 bytes.
#include <array>
#include <cstdint>
#include <optional>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/secure_bytes.hpp"

namespace tgd::crypto {

// PBKDF2-HMAC-SHA512 (OpenSSL PKCS5_PBKDF2_HMAC).
SecureBytes pbkdf2_hmac_sha512(ByteSpan password, ByteSpan salt, std::uint32_t iterations, std::size_t size);

// The algorithm's parameters as received in account.password.current_algo (views; they must
// outlive the call).
struct SrpParams {
  ByteSpan salt1;
  ByteSpan salt2;
  std::int32_t g;
  ByteSpan p;
};

// PH2(password, salt1, salt2) (100000 PBKDF2 iterations, tens of milliseconds): the secret x.
using SrpPasswordHash = SecureArray<32>;
SrpPasswordHash srp_password_hash(ByteSpan password, ByteSpan salt1, ByteSpan salt2);

// inputCheckPasswordSRP's A and M1.
struct SrpClientProof {
  Bytes a;  // g^a mod p, 256 bytes
  std::array<std::uint8_t, 32> m1;
};

// The client proof. a_secret is the random exponent (256 random bytes; injectable for test
// vectors). nullopt if p/g fail the DH checks (§2.5), or srp_b is not 248..256 bytes or not in
// (0, p).
std::optional<SrpClientProof> srp_client_proof(const SrpPasswordHash& password_hash, const SrpParams& params,
                                               ByteSpan srp_b, ByteSpan a_secret);
// Same, with a fresh random a.
std::optional<SrpClientProof> srp_client_proof(const SrpPasswordHash& password_hash, const SrpParams& params,
                                               ByteSpan srp_b);

// --- server side (local test DC) ---

// The stored verifier v = g^x mod p (256 bytes).
Bytes srp_verifier(const SrpPasswordHash& password_hash, std::int32_t g, ByteSpan p);

struct SrpServerChallenge {
  SecureBytes b;  // the server's secret exponent
  Bytes srp_b;    // B = (k*v + g^b) mod p, 256 bytes, for account.password.srp_B
};

// A challenge for one login attempt. B is re-drawn until it passes the client's checks.
SrpServerChallenge srp_server_challenge(ByteSpan verifier, std::int32_t g, ByteSpan p);

// True if (a, m1) prove knowledge of the password behind verifier. Rejects A outside (0, p).
bool srp_server_check(const SrpServerChallenge& challenge, ByteSpan verifier, const SrpParams& params,
                      ByteSpan a, ByteSpan m1);

}  // namespace tgd::crypto
