#pragma once
// The TL objects of auth key creation (facts §2.1; ids from protocol/tl/schema/mtproto.tl), written
// and read directly with TlWriter/TlReader: the handshake runs before anything else and needs exact
// control over the bytes, so it does not go through the JSON codec.
//
// parse_* take a whole message body and reject trailing bytes; read_* read one object from a
// reader positioned inside a larger plaintext (the inner data objects are followed by padding, and
// their length is only known by parsing them).
#include <array>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/secure_bytes.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::handshake {

namespace tl_id {
inline constexpr std::uint32_t kReqPq = 0x60469778;
inline constexpr std::uint32_t kReqPqMulti = 0xbe7e8ef1;
inline constexpr std::uint32_t kResPq = 0x05162463;
inline constexpr std::uint32_t kReqDhParams = 0xd712e4be;
inline constexpr std::uint32_t kPqInnerData = 0x83c95aec;
inline constexpr std::uint32_t kPqInnerDataDc = 0xa9f55f95;
inline constexpr std::uint32_t kPqInnerDataTemp = 0x3c6a84d4;
inline constexpr std::uint32_t kPqInnerDataTempDc = 0x56fddf88;
inline constexpr std::uint32_t kServerDhParamsOk = 0xd0e8075c;
inline constexpr std::uint32_t kServerDhParamsFail = 0x79cb045d;
inline constexpr std::uint32_t kServerDhInnerData = 0xb5890dba;
inline constexpr std::uint32_t kSetClientDhParams = 0xf5045f1f;
inline constexpr std::uint32_t kClientDhInnerData = 0x6643b654;
inline constexpr std::uint32_t kDhGenOk = 0x3bcbf734;
inline constexpr std::uint32_t kDhGenRetry = 0x46dc1fb9;
inline constexpr std::uint32_t kDhGenFail = 0xa69dae02;
}  // namespace tl_id

using Int128 = std::array<std::uint8_t, 16>;
using NewNonce = crypto::SecureArray<32>;  // int256; secret, it keys the tmp AES (facts §2.3)

// The constructor id at the start of body; nullopt if body is shorter than 4 bytes.
std::optional<std::uint32_t> constructor_id(ByteSpan body);

// req_pq_multi (multi) or the legacy req_pq; the server accepts both.
struct ReqPq {
  Int128 nonce{};
  bool multi = true;
};
Bytes serialize(const ReqPq& m);
std::optional<ReqPq> parse_req_pq(ByteSpan body);

struct ResPq {
  Int128 nonce{};
  Int128 server_nonce{};
  Bytes pq;  // big-endian
  std::vector<std::int64_t> fingerprints;
};
Bytes serialize(const ResPq& m);
std::optional<ResPq> parse_res_pq(ByteSpan body);

struct ReqDhParams {
  Int128 nonce{};
  Int128 server_nonce{};
  Bytes p;  // big-endian
  Bytes q;
  std::int64_t public_key_fingerprint = 0;
  Bytes encrypted_data;
};
Bytes serialize(const ReqDhParams& m);
std::optional<ReqDhParams> parse_req_dh_params(ByteSpan body);

// p_q_inner_data in its four forms (facts §2.1 rows 4a-4c): `dc` is set for the _dc forms,
// `expires_in` for the _temp forms (a temporary key, facts §2.7).
struct PqInnerData {
  Bytes pq;
  Bytes p;
  Bytes q;
  Int128 nonce{};
  Int128 server_nonce{};
  NewNonce new_nonce;
  std::optional<std::int32_t> dc;
  std::optional<std::int32_t> expires_in;
};
// Secret (it holds new_nonce), hence SecureBytes.
crypto::SecureBytes serialize(const PqInnerData& m);
std::optional<PqInnerData> read_pq_inner_data(tl::TlReader& r);

struct ServerDhParamsOk {
  Int128 nonce{};
  Int128 server_nonce{};
  Bytes encrypted_answer;
};
struct ServerDhParamsFail {
  Int128 nonce{};
  Int128 server_nonce{};
  Int128 new_nonce_hash{};
};
using ServerDhParams = std::variant<ServerDhParamsOk, ServerDhParamsFail>;
Bytes serialize(const ServerDhParamsOk& m);
Bytes serialize(const ServerDhParamsFail& m);
std::optional<ServerDhParams> parse_server_dh_params(ByteSpan body);

struct ServerDhInnerData {
  Int128 nonce{};
  Int128 server_nonce{};
  std::int32_t g = 0;
  Bytes dh_prime;  // big-endian
  Bytes g_a;       // big-endian
  std::int32_t server_time = 0;
};
Bytes serialize(const ServerDhInnerData& m);
std::optional<ServerDhInnerData> read_server_dh_inner_data(tl::TlReader& r);

struct SetClientDhParams {
  Int128 nonce{};
  Int128 server_nonce{};
  Bytes encrypted_data;
};
Bytes serialize(const SetClientDhParams& m);
std::optional<SetClientDhParams> parse_set_client_dh_params(ByteSpan body);

struct ClientDhInnerData {
  Int128 nonce{};
  Int128 server_nonce{};
  // The TL long as its wire bytes: 0 on the first attempt, then the auth_key_aux_hash (SHA1(key)[0..8])
  // of the key the server rejected with dh_gen_retry (facts §2.1 step 6), sent as-is like auth_key_id.
  crypto::AuthKeyAuxHash retry_id{};
  Bytes g_b;  // big-endian
};
Bytes serialize(const ClientDhInnerData& m);
std::optional<ClientDhInnerData> read_client_dh_inner_data(tl::TlReader& r);

// dh_gen_ok / dh_gen_retry / dh_gen_fail; the value is the N of new_nonce_hashN.
enum class DhGenResult : std::uint8_t { kOk = 1, kRetry = 2, kFail = 3 };
struct DhGenAnswer {
  DhGenResult result = DhGenResult::kOk;
  Int128 nonce{};
  Int128 server_nonce{};
  Int128 new_nonce_hash{};
};
Bytes serialize(const DhGenAnswer& m);
std::optional<DhGenAnswer> parse_dh_gen_answer(ByteSpan body);

}  // namespace tgd::handshake
