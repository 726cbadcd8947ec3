#pragma once
// p_q_inner_data under the server's RSA key, in the two schemes real clients use (facts §2.2):
// - RSA_PAD, the MTProto 2.0 scheme (tdlib, mtcute, tgd), normally with p_q_inner_data_dc;
// - the legacy scheme SHA1(data) || data || random to 255 bytes then raw RSA (Telethon v1, with
//   p_q_inner_data; facts Appendix A.6).
#include <cstdint>
#include <optional>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/rsa.hpp"
#include "protocol/handshake/messages.hpp"
#include "protocol/handshake/sources.hpp"

namespace tgd::handshake {

enum class RsaScheme : std::uint8_t { kRsaPad, kLegacy };

// Client side: encrypted_data for req_DH_params, 256 bytes. Randomness comes from `random` only, in
// this order: RSA_PAD draws the padding (192 - data.size() bytes) once, then a 32-byte temp_key per
// attempt (redrawn while the block is >= n, at most 64 times); legacy draws the padding to 255 bytes.
// nullopt if data is too long for the scheme, the key is not 2048-bit, or no attempt succeeded.
std::optional<Bytes> encrypt_pq_inner_data(const crypto::RsaPublicKey& key, ByteSpan data, RsaScheme scheme,
                                           const RandomSource& random);

// Server side: tries RSA_PAD (SHA-256 check), then the legacy scheme (SHA-1 over the TL object,
// whose length is found by parsing it). Any of the four p_q_inner_data constructors is accepted under
// either scheme; the caller checks the fields. nullopt if neither scheme yields a well-formed object.
struct DecryptedPqInnerData {
  PqInnerData data;
  RsaScheme scheme = RsaScheme::kRsaPad;
};
std::optional<DecryptedPqInnerData> decrypt_pq_inner_data(const crypto::RsaPrivateKey& key,
                                                          ByteSpan encrypted_data);

}  // namespace tgd::handshake
