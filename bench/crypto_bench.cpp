// bench_crypto: figures for tgd_crypto's hot paths, printed as a markdown table.
//
// No framework: every figure is the median of kRepetitions timed runs, each run long enough
// (~40 ms) for the clock to be precise. OpenSSL's EVP AES-256-CBC encryption is measured in the
// same process as the reference for AES-IGE: both are chained modes where each block waits for the
// previous one, so CBC encryption is the physical limit for IGE on this CPU.
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "protocol/crypto/aes_ige.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/dh.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/message_cipher.hpp"
#include "protocol/crypto/mtproto_kdf.hpp"
#include "protocol/crypto/pq.hpp"
#include "protocol/crypto/random.hpp"
#include "protocol/crypto/srp.hpp"

namespace {

using namespace tgd;
using namespace tgd::crypto;
using Clock = std::chrono::steady_clock;

constexpr int kRepetitions = 7;
constexpr double kRunSeconds = 0.04;

using bench::keep;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Median seconds per call of op().
template <class Op>
double seconds_per_op(Op&& op) {
  return bench::median_seconds_per_call(op, kRepetitions, kRunSeconds);
}

double mb_per_s(std::size_t bytes, double seconds) { return static_cast<double>(bytes) / seconds / 1e6; }

std::string size_label(std::size_t bytes) {
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " B";
}

void row(const std::string& what, const std::string& size, const std::string& result,
         const std::string& note = "") {
  std::printf("| %s | %s | %s | %s |\n", what.c_str(), size.c_str(), result.c_str(), note.c_str());
  std::fflush(stdout);
}

std::string fmt(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// OpenSSL AES-256-CBC encryption with the key set up once and a fresh IV per message, as IGE gets.
class CbcEncrypt {
 public:
  explicit CbcEncrypt(ByteSpan key)
      : ctx_(EVP_CIPHER_CTX_new()), cipher_(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)) {
    EVP_EncryptInit_ex2(ctx_, cipher_, key.data(), nullptr, nullptr);
    EVP_CIPHER_CTX_set_padding(ctx_, 0);
  }
  ~CbcEncrypt() {
    EVP_CIPHER_CTX_free(ctx_);
    EVP_CIPHER_free(cipher_);
  }
  CbcEncrypt(const CbcEncrypt&) = delete;
  CbcEncrypt& operator=(const CbcEncrypt&) = delete;

  void encrypt(ByteSpan iv, ByteSpan in, MutableByteSpan out) {
    int written = 0;
    EVP_EncryptInit_ex2(ctx_, nullptr, nullptr, iv.data(), nullptr);
    EVP_EncryptUpdate(ctx_, out.data(), &written, in.data(), static_cast<int>(in.size()));
  }

 private:
  EVP_CIPHER_CTX* ctx_;
  EVP_CIPHER* cipher_;
};

void bench_aes(const Bytes& key, const Bytes& iv) {
  const AesIge256 ige(std::span<const std::uint8_t, 32>(key.data(), 32), AesImpl::kAesNi);
  const AesIge256 portable(std::span<const std::uint8_t, 32>(key.data(), 32), AesImpl::kPortable);
  const IgeIv ige_iv(iv.data(), 32);
  CbcEncrypt cbc(key);
  if (ige.impl() != AesImpl::kAesNi) row("AES-NI", "", "not available", "IGE rows use the portable path");

  for (std::size_t size : {std::size_t{128}, std::size_t{4096}, std::size_t{512 * 1024}}) {
    Bytes buffer = random_bytes(size), out(size);
    const double enc = seconds_per_op([&] {
      (void)ige.encrypt(ige_iv, buffer, out);
      keep(out.data());
    });
    const double dec = seconds_per_op([&] {
      (void)ige.decrypt(ige_iv, buffer, out);
      keep(out.data());
    });
    const double cbc_enc = seconds_per_op([&] {
      cbc.encrypt(iv, buffer, out);
      keep(out.data());
    });
    const double port = seconds_per_op([&] {
      (void)portable.encrypt(ige_iv, buffer, out);
      keep(out.data());
    });
    const std::string label = size_label(size);
    row("AES-256-IGE encrypt (AES-NI)", label, fmt("%.0f MB/s", mb_per_s(size, enc)),
        fmt("%.0f%% of CBC-encrypt", 100.0 * cbc_enc / enc));
    row("AES-256-IGE decrypt (AES-NI)", label, fmt("%.0f MB/s", mb_per_s(size, dec)),
        fmt("%.0f%% of CBC-encrypt", 100.0 * cbc_enc / dec));
    row("OpenSSL EVP AES-256-CBC encrypt (reference)", label, fmt("%.0f MB/s", mb_per_s(size, cbc_enc)));
    row("AES-256-IGE encrypt (portable EVP-ECB fallback)", label, fmt("%.0f MB/s", mb_per_s(size, port)));
  }
  const double setup = seconds_per_op([&] {
    const AesIge256 fresh(std::span<const std::uint8_t, 32>(key.data(), 32));
    keep(fresh);
  });
  row("AES-256-IGE key setup (AES-NI)", "", fmt("%.1f ns", setup * 1e9), "once per message in MTProto");
}

void bench_hashes() {
  for (std::size_t size : {std::size_t{128}, std::size_t{4096}, std::size_t{512 * 1024}}) {
    const Bytes data = random_bytes(size);
    Sha256 sha256_state;
    Sha1 sha1_state;
    const double s256 = seconds_per_op([&] { keep(sha256_state.digest({data})); });
    const double s1 = seconds_per_op([&] { keep(sha1_state.digest({data})); });
    row("SHA-256 (reused Sha256)", size_label(size), fmt("%.0f MB/s", mb_per_s(size, s256)),
        size == 128 ? fmt("%.0f ns/digest", s256 * 1e9) : "");
    row("SHA-1 (reused Sha1)", size_label(size), fmt("%.0f MB/s", mb_per_s(size, s1)),
        size == 128 ? fmt("%.0f ns/digest", s1 * 1e9) : "");
    if (size == 128) {
      const double one_shot = seconds_per_op([&] { keep(sha256(data)); });
      row("SHA-256 (free function sha256())", "128 B", fmt("%.0f ns/digest", one_shot * 1e9),
          "allocates an EVP context per call");
    }
  }
}

void bench_mtproto() {
  const Bytes key_bytes = random_bytes(256);
  const AuthKey auth_key(std::span<const std::uint8_t, 256>(key_bytes.data(), 256));
  const Bytes plaintext = random_bytes(128);
  Sha256 sha;
  const double kdf = seconds_per_op([&] {
    const Sha256Digest large = msg_key_large(sha, auth_key, Direction::kClientToServer, plaintext);
    const AesKeyIv key_iv =
        derive_aes_key_iv(sha, auth_key, Direction::kClientToServer, msg_key_from_large(large));
    keep(key_iv);
  });
  row("msg_key + aes key/iv derivation", "128 B", fmt("%.2f M/s", 1e-6 / kdf), fmt("%.0f ns", kdf * 1e9));

  MessageCipher cipher;
  Bytes packet(kEncryptedHeaderSize + plaintext.size()), decrypted(plaintext.size());
  const double enc = seconds_per_op(
      [&] { keep(cipher.encrypt_to(auth_key, Direction::kClientToServer, plaintext, packet)); });
  row("MessageCipher::encrypt_to (whole packet)", "128 B", fmt("%.2f M/s", 1e-6 / enc),
      fmt("%.0f ns", enc * 1e9));
  const double dec = seconds_per_op(
      [&] { keep(cipher.decrypt_to(auth_key, Direction::kClientToServer, packet, decrypted)); });
  row("MessageCipher::decrypt_to (whole packet)", "128 B", fmt("%.2f M/s", 1e-6 / dec),
      fmt("%.0f ns", dec * 1e9));
  const double enc_free =
      seconds_per_op([&] { keep(encrypt_message(auth_key, Direction::kClientToServer, plaintext)); });
  row("encrypt_message (one-shot, allocating)", "128 B", fmt("%.2f M/s", 1e-6 / enc_free),
      fmt("%.0f ns", enc_free * 1e9));
  const double dec_free =
      seconds_per_op([&] { keep(decrypt_message(auth_key, Direction::kClientToServer, packet)); });
  row("decrypt_message (one-shot, allocating)", "128 B", fmt("%.2f M/s", 1e-6 / dec_free),
      fmt("%.0f ns", dec_free * 1e9));
}

void bench_handshake() {
  for (std::uint64_t pq : {0x17ED48941A08F981ULL, 0x256595EDB7766797ULL}) {
    const double t = seconds_per_op([&] { keep(factorize_pq(pq)); });
    char label[32];
    std::snprintf(label, sizeof label, "0x%016llX", static_cast<unsigned long long>(pq));
    row("pq factorization", label, fmt("%.0f us", t * 1e6));
  }
  const ByteSpan p = production_dh_prime();
  const double keygen = seconds_per_op([&] { keep(dh_generate_key(3, p)); });
  row("DH g^b mod p (dh_generate_key)", "2048 bit", fmt("%.2f ms", keygen * 1e3));
  const double check = seconds_per_op([&] { keep(check_dh_params(p, 3)); });
  row("check_dh_params (production prime)", "2048 bit", fmt("%.2f us", check * 1e6));
  const Bytes salt = random_bytes(40);
  const double ph2 = seconds_per_op([&] { keep(srp_password_hash(as_bytes("password"), salt, salt)); });
  row("SRP password hash (PBKDF2-HMAC-SHA512 x 100000)", "", fmt("%.1f ms", ph2 * 1e3));
}

}  // namespace

int main() {
  const auto start = Clock::now();
  std::printf("AES-NI: %s. Median of %d runs of ~%.0f ms each.\n\n", aes_ni_supported() ? "yes" : "no",
              kRepetitions, kRunSeconds * 1e3);
  std::printf("| Operation | Size | Result | Notes |\n|---|---|---|---|\n");
  const Bytes key = random_bytes(32), iv = random_bytes(32);
  bench_aes(key, iv);
  bench_hashes();
  bench_mtproto();
  bench_handshake();
  std::printf("\nTotal benchmark time: %.1f s\n", seconds_since(start));
}
