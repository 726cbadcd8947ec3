#include "protocol/crypto/hash.hpp"

#include "protocol/base/hex.hpp"
#include "protocol/crypto/detail/openssl_util.hpp"

namespace tgd::crypto {
namespace detail {

void EvpMdCtxDeleter::operator()(evp_md_ctx_st* ctx) const noexcept { EVP_MD_CTX_free(ctx); }

namespace {

const EVP_MD* digest_for(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kSha1:
      return md_sha1();
    case DigestAlgorithm::kSha256:
      return md_sha256();
    case DigestAlgorithm::kMd5:
      return md_md5();
  }
  return md_sha256();  // unreachable: every enumerator is handled above
}

}  // namespace

EvpHasher::EvpHasher(DigestAlgorithm algorithm) : ctx_(ensure_ptr(EVP_MD_CTX_new(), "EVP_MD_CTX_new")) {
  ensure(EVP_DigestInit_ex2(ctx_.get(), digest_for(algorithm), nullptr), "EVP_DigestInit_ex2");
}

void EvpHasher::update(ByteSpan data) {
  ensure(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()), "EVP_DigestUpdate");
}

void EvpHasher::finish(std::uint8_t* out) {
  ensure(EVP_DigestFinal_ex(ctx_.get(), out, nullptr), "EVP_DigestFinal_ex");
  // A null type re-initialises with the same digest and keeps the provider context allocated.
  ensure(EVP_DigestInit_ex2(ctx_.get(), nullptr, nullptr), "EVP_DigestInit_ex2");
}

}  // namespace detail

Sha1Digest sha1(ByteSpan data) { return Sha1().digest({data}); }
Sha1Digest sha1(std::initializer_list<ByteSpan> parts) { return Sha1().digest(parts); }
Sha256Digest sha256(ByteSpan data) { return Sha256().digest({data}); }
Sha256Digest sha256(std::initializer_list<ByteSpan> parts) { return Sha256().digest(parts); }
Md5Digest md5(ByteSpan data) { return Md5().digest({data}); }
std::string md5_hex(ByteSpan data) { return to_hex(md5(data)); }

}  // namespace tgd::crypto
