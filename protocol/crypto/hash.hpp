#pragma once
// SHA-1, SHA-256 and MD5 over OpenSSL EVP (which uses the CPU's SHA extensions when present).
//
// Two ways to hash:
// - Free functions (sha1, sha256, md5): simple, but each call allocates and frees an EVP context.
//   Fine for the handshake, 2FA and tests.
// - Hasher objects (Sha1, Sha256, Md5): keep one EVP context and reuse it after every finish(), so
//   hot paths (per-message MTProto KDF) and incremental hashing (MD5 of an upload) do not allocate.
//   A hasher is not thread-safe; give each thread/connection its own.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>

#include "protocol/base/bytes.hpp"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace tgd::crypto {

using Sha1Digest = std::array<std::uint8_t, 20>;
using Sha256Digest = std::array<std::uint8_t, 32>;
using Md5Digest = std::array<std::uint8_t, 16>;

enum class DigestAlgorithm : std::uint8_t { kSha1, kSha256, kMd5 };

namespace detail {

struct EvpMdCtxDeleter {
  void operator()(evp_md_ctx_st* ctx) const noexcept;
};

// Type-erased core of Hasher: one EVP_MD_CTX, re-initialised (not reallocated) after each digest.
class EvpHasher {
 public:
  explicit EvpHasher(DigestAlgorithm algorithm);
  void update(ByteSpan data);
  // Writes the digest to out (which must have room for it) and starts a new message.
  void finish(std::uint8_t* out);

 private:
  std::unique_ptr<evp_md_ctx_st, EvpMdCtxDeleter> ctx_;
};

}  // namespace detail

template <DigestAlgorithm Algorithm, std::size_t DigestSize>
class Hasher {
 public:
  using Digest = std::array<std::uint8_t, DigestSize>;

  Hasher() : impl_(Algorithm) {}

  Hasher& update(ByteSpan data) {
    impl_.update(data);
    return *this;
  }
  // Returns the digest of everything passed to update() since the last finish(); the hasher is then
  // ready for a new message.
  Digest finish() {
    Digest digest;
    impl_.finish(digest.data());
    return digest;
  }
  // Like finish(), but writes into caller-owned storage (e.g. a SecureArray for secret digests).
  void finish_into(std::span<std::uint8_t, DigestSize> out) { impl_.finish(out.data()); }
  // One-shot digest of the concatenation of parts (no copy of the parts is made).
  Digest digest(std::initializer_list<ByteSpan> parts) {
    for (ByteSpan part : parts) impl_.update(part);
    return finish();
  }
  void digest_into(std::initializer_list<ByteSpan> parts, std::span<std::uint8_t, DigestSize> out) {
    for (ByteSpan part : parts) impl_.update(part);
    finish_into(out);
  }

 private:
  detail::EvpHasher impl_;
};

using Sha1 = Hasher<DigestAlgorithm::kSha1, 20>;
using Sha256 = Hasher<DigestAlgorithm::kSha256, 32>;
using Md5 = Hasher<DigestAlgorithm::kMd5, 16>;

Sha1Digest sha1(ByteSpan data);
Sha1Digest sha1(std::initializer_list<ByteSpan> parts);
Sha256Digest sha256(ByteSpan data);
Sha256Digest sha256(std::initializer_list<ByteSpan> parts);
Md5Digest md5(ByteSpan data);
// Lowercase hex, the form upload.saveFilePart/inputFile md5_checksum uses.
std::string md5_hex(ByteSpan data);

}  // namespace tgd::crypto
