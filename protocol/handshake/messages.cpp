#include "protocol/handshake/messages.hpp"

namespace tgd::handshake {
namespace {

// Bytes are views into the input; the structs own copies.
Bytes copy(ByteSpan b) { return Bytes(b.begin(), b.end()); }

// Size of a TL string/bytes field holding n bytes (facts §4.2).
std::size_t tl_bytes_size(std::size_t n) {
  const std::size_t header = n < 254 ? 1 : 4;
  return (header + n + 3) & ~std::size_t{3};
}

// Handshake fields are far below TL's 16 MiB limit, so TlWriter::bytes cannot fail here.
void write_bytes(tl::TlWriter& w, ByteSpan b) { (void)w.bytes(b); }

template <class T>
std::optional<T> exact(std::optional<T> value, const tl::TlReader& r) {
  if (!value || !r.done()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::uint32_t> constructor_id(ByteSpan body) {
  tl::TlReader r(body);
  const std::uint32_t id = r.u32();
  if (!r.ok()) return std::nullopt;
  return id;
}

Bytes serialize(const ReqPq& m) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(m.multi ? tl_id::kReqPqMulti : tl_id::kReqPq);
  w.raw(m.nonce);
  return out;
}

std::optional<ReqPq> parse_req_pq(ByteSpan body) {
  tl::TlReader r(body);
  ReqPq m;
  const std::uint32_t id = r.u32();
  if (id != tl_id::kReqPq && id != tl_id::kReqPqMulti) return std::nullopt;
  m.multi = id == tl_id::kReqPqMulti;
  m.nonce = r.fixed<16>();
  return exact(std::optional(m), r);
}

Bytes serialize(const ResPq& m) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(tl_id::kResPq);
  w.raw(m.nonce);
  w.raw(m.server_nonce);
  write_bytes(w, m.pq);
  w.vector_header(static_cast<std::uint32_t>(m.fingerprints.size()));
  for (std::int64_t f : m.fingerprints) w.i64(f);
  return out;
}

std::optional<ResPq> parse_res_pq(ByteSpan body) {
  tl::TlReader r(body);
  if (r.u32() != tl_id::kResPq) return std::nullopt;
  ResPq m;
  m.nonce = r.fixed<16>();
  m.server_nonce = r.fixed<16>();
  m.pq = copy(r.bytes());
  const std::uint32_t count = r.vector_header(8);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) m.fingerprints.push_back(r.i64());
  return exact(std::optional(std::move(m)), r);
}

Bytes serialize(const ReqDhParams& m) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(tl_id::kReqDhParams);
  w.raw(m.nonce);
  w.raw(m.server_nonce);
  write_bytes(w, m.p);
  write_bytes(w, m.q);
  w.i64(m.public_key_fingerprint);
  write_bytes(w, m.encrypted_data);
  return out;
}

std::optional<ReqDhParams> parse_req_dh_params(ByteSpan body) {
  tl::TlReader r(body);
  if (r.u32() != tl_id::kReqDhParams) return std::nullopt;
  ReqDhParams m;
  m.nonce = r.fixed<16>();
  m.server_nonce = r.fixed<16>();
  m.p = copy(r.bytes());
  m.q = copy(r.bytes());
  m.public_key_fingerprint = r.i64();
  m.encrypted_data = copy(r.bytes());
  return exact(std::optional(std::move(m)), r);
}

crypto::SecureBytes serialize(const PqInnerData& m) {
  // Sized exactly up front so the vector never reallocates (which would leave an unwiped copy of
  // new_nonce on the heap); the buffer is wiped once copied.
  const std::size_t size = 4 + tl_bytes_size(m.pq.size()) + tl_bytes_size(m.p.size()) +
                           tl_bytes_size(m.q.size()) + 16 + 16 + 32 + (m.dc ? 4 : 0) + (m.expires_in ? 4 : 0);
  Bytes out;
  out.reserve(size);
  tl::TlWriter w(out);
  const bool temp = m.expires_in.has_value();
  if (m.dc)
    w.u32(temp ? tl_id::kPqInnerDataTempDc : tl_id::kPqInnerDataDc);
  else
    w.u32(temp ? tl_id::kPqInnerDataTemp : tl_id::kPqInnerData);
  write_bytes(w, m.pq);
  write_bytes(w, m.p);
  write_bytes(w, m.q);
  w.raw(m.nonce);
  w.raw(m.server_nonce);
  w.raw(m.new_nonce);
  if (m.dc) w.i32(*m.dc);
  if (m.expires_in) w.i32(*m.expires_in);
  crypto::SecureBytes secret(out);
  crypto::secure_wipe(out.data(), out.size());
  return secret;
}

std::optional<PqInnerData> read_pq_inner_data(tl::TlReader& r) {
  const std::uint32_t id = r.u32();
  const bool has_dc = id == tl_id::kPqInnerDataDc || id == tl_id::kPqInnerDataTempDc;
  const bool temp = id == tl_id::kPqInnerDataTemp || id == tl_id::kPqInnerDataTempDc;
  if (!has_dc && !temp && id != tl_id::kPqInnerData) return std::nullopt;
  PqInnerData m;
  m.pq = copy(r.bytes());
  m.p = copy(r.bytes());
  m.q = copy(r.bytes());
  m.nonce = r.fixed<16>();
  m.server_nonce = r.fixed<16>();
  const ByteSpan new_nonce = r.raw(32);
  if (new_nonce.size() == 32) m.new_nonce = NewNonce(new_nonce.first<32>());
  if (has_dc) m.dc = r.i32();
  if (temp) m.expires_in = r.i32();
  if (!r.ok()) return std::nullopt;
  return m;
}

Bytes serialize(const ServerDhParamsOk& m) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(tl_id::kServerDhParamsOk);
  w.raw(m.nonce);
  w.raw(m.server_nonce);
  write_bytes(w, m.encrypted_answer);
  return out;
}

Bytes serialize(const ServerDhParamsFail& m) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(tl_id::kServerDhParamsFail);
  w.raw(m.nonce);
  w.raw(m.server_nonce);
  w.raw(m.new_nonce_hash);
  return out;
}

std::optional<ServerDhParams> parse_server_dh_params(ByteSpan body) {
  tl::TlReader r(body);
  const std::uint32_t id = r.u32();
  if (id == tl_id::kServerDhParamsOk) {
    ServerDhParamsOk m;
    m.nonce = r.fixed<16>();
    m.server_nonce = r.fixed<16>();
    m.encrypted_answer = copy(r.bytes());
    if (!r.done()) return std::nullopt;
    return m;
  }
  if (id == tl_id::kServerDhParamsFail) {
    ServerDhParamsFail m;
    m.nonce = r.fixed<16>();
    m.server_nonce = r.fixed<16>();
    m.new_nonce_hash = r.fixed<16>();
    if (!r.done()) return std::nullopt;
    return m;
  }
  return std::nullopt;
}

Bytes serialize(const ServerDhInnerData& m) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(tl_id::kServerDhInnerData);
  w.raw(m.nonce);
  w.raw(m.server_nonce);
  w.i32(m.g);
  write_bytes(w, m.dh_prime);
  write_bytes(w, m.g_a);
  w.i32(m.server_time);
  return out;
}

std::optional<ServerDhInnerData> read_server_dh_inner_data(tl::TlReader& r) {
  if (r.u32() != tl_id::kServerDhInnerData) return std::nullopt;
  ServerDhInnerData m;
  m.nonce = r.fixed<16>();
  m.server_nonce = r.fixed<16>();
  m.g = r.i32();
  m.dh_prime = copy(r.bytes());
  m.g_a = copy(r.bytes());
  m.server_time = r.i32();
  if (!r.ok()) return std::nullopt;
  return m;
}

Bytes serialize(const SetClientDhParams& m) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(tl_id::kSetClientDhParams);
  w.raw(m.nonce);
  w.raw(m.server_nonce);
  write_bytes(w, m.encrypted_data);
  return out;
}

std::optional<SetClientDhParams> parse_set_client_dh_params(ByteSpan body) {
  tl::TlReader r(body);
  if (r.u32() != tl_id::kSetClientDhParams) return std::nullopt;
  SetClientDhParams m;
  m.nonce = r.fixed<16>();
  m.server_nonce = r.fixed<16>();
  m.encrypted_data = copy(r.bytes());
  return exact(std::optional(std::move(m)), r);
}

Bytes serialize(const ClientDhInnerData& m) {
  Bytes out;
  tl::TlWriter w(out);
  w.u32(tl_id::kClientDhInnerData);
  w.raw(m.nonce);
  w.raw(m.server_nonce);
  w.raw(m.retry_id);
  write_bytes(w, m.g_b);
  return out;
}

std::optional<ClientDhInnerData> read_client_dh_inner_data(tl::TlReader& r) {
  if (r.u32() != tl_id::kClientDhInnerData) return std::nullopt;
  ClientDhInnerData m;
  m.nonce = r.fixed<16>();
  m.server_nonce = r.fixed<16>();
  m.retry_id = r.fixed<8>();
  m.g_b = copy(r.bytes());
  if (!r.ok()) return std::nullopt;
  return m;
}

Bytes serialize(const DhGenAnswer& m) {
  Bytes out;
  tl::TlWriter w(out);
  switch (m.result) {
    case DhGenResult::kOk:
      w.u32(tl_id::kDhGenOk);
      break;
    case DhGenResult::kRetry:
      w.u32(tl_id::kDhGenRetry);
      break;
    case DhGenResult::kFail:
      w.u32(tl_id::kDhGenFail);
      break;
  }
  w.raw(m.nonce);
  w.raw(m.server_nonce);
  w.raw(m.new_nonce_hash);
  return out;
}

std::optional<DhGenAnswer> parse_dh_gen_answer(ByteSpan body) {
  tl::TlReader r(body);
  DhGenAnswer m;
  switch (r.u32()) {
    case tl_id::kDhGenOk:
      m.result = DhGenResult::kOk;
      break;
    case tl_id::kDhGenRetry:
      m.result = DhGenResult::kRetry;
      break;
    case tl_id::kDhGenFail:
      m.result = DhGenResult::kFail;
      break;
    default:
      return std::nullopt;
  }
  m.nonce = r.fixed<16>();
  m.server_nonce = r.fixed<16>();
  m.new_nonce_hash = r.fixed<16>();
  return exact(std::optional(m), r);
}

}  // namespace tgd::handshake
