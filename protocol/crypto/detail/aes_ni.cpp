#include "protocol/crypto/detail/aes_ni.hpp"

#if defined(__x86_64__) || defined(__i386__)

#include <tmmintrin.h>
#include <wmmintrin.h>

// Only these functions use AES-NI; the target attribute spares the rest of the build -maes.
#define TGD_AESNI __attribute__((target("aes,ssse3")))

namespace tgd::crypto::detail::aesni {
namespace {

TGD_AESNI inline __m128i load(const std::uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
TGD_AESNI inline void store(std::uint8_t* p, __m128i v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
}

// w0, w0^w1, w0^w1^w2, w0^w1^w2^w3 for the words w0..w3 of the previous round key: the running XOR
// every new AES round key starts from.
TGD_AESNI inline __m128i prefix_xor(__m128i key) {
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  return _mm_xor_si128(key, _mm_slli_si128(key, 4));
}

// The key schedule's g function, SubWord(RotWord(w3)) ^ rcon, in all four lanes. Instead of
// AESKEYGENASSIST (microcoded, ~8-12 cycles on Intel) it uses AESENCLAST on w3 rotated and broadcast
// by PSHUFB: with four equal columns ShiftRows is the identity, so AESENCLAST computes exactly
// SubBytes ^ rcon. This halves the latency of the serial key expansion.
TGD_AESNI inline __m128i sub_rot_word(__m128i key, __m128i rcon) {
  const __m128i rotate_w3 = _mm_set1_epi32(0x0c0f0e0d);  // bytes 13, 14, 15, 12 in every lane
  return _mm_aesenclast_si128(_mm_shuffle_epi8(key, rotate_w3), rcon);
}

// SubWord(w3) in all four lanes, for the odd AES-256 round keys.
TGD_AESNI inline __m128i sub_word(__m128i key) {
  return _mm_aesenclast_si128(_mm_shuffle_epi32(key, 0xff), _mm_setzero_si128());
}

// Hides a value's origin from the optimizer. Without it GCC re-associates (x ^ rk0) ^ y_prev into
// (y_prev ^ rk0) ^ x, putting a second XOR on the block-to-block dependency chain.
TGD_AESNI inline __m128i opaque(__m128i v) {
  __asm__("" : "+x"(v));
  return v;
}

template <int Rounds>
TGD_AESNI inline void load_schedule(const std::uint8_t* schedule, __m128i (&rk)[Rounds + 1]) {
  for (int i = 0; i <= Rounds; ++i) rk[i] = load(schedule + 16 * i);
}

// The chain is y_i = E(x_i ^ y_prev) ^ x_prev. E starts by XORing round key 0 and ends with
// AESENCLAST, which XORs the last round key; so x_i ^ rk[0] and rk[last] ^ x_prev are computed off
// the critical path, leaving one XOR plus the AES rounds between consecutive blocks, as in CBC.
template <int Rounds>
TGD_AESNI void ige_encrypt_impl(const std::uint8_t* schedule, const std::uint8_t* iv, const std::uint8_t* in,
                                std::uint8_t* out, std::size_t blocks) {
  __m128i rk[Rounds + 1];
  load_schedule<Rounds>(schedule, rk);
  __m128i y_prev = load(iv);
  __m128i x_prev = load(iv + 16);
  for (std::size_t b = 0; b < blocks; ++b) {
    const __m128i x = load(in + 16 * b);
    const __m128i last_key = _mm_xor_si128(rk[Rounds], x_prev);
    __m128i s = _mm_xor_si128(opaque(_mm_xor_si128(x, rk[0])), y_prev);
#pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r) s = _mm_aesenc_si128(s, rk[r]);
    s = _mm_aesenclast_si128(s, last_key);
    store(out + 16 * b, s);
    y_prev = s;
    x_prev = x;
  }
}

// Decryption: x_i = D(y_i ^ x_prev) ^ y_prev, with the same folding. The equivalent-inverse-cipher
// round keys are derived here in registers (AESIMC of the middle encryption keys, in reverse order).
template <int Rounds>
TGD_AESNI void ige_decrypt_impl(const std::uint8_t* schedule, const std::uint8_t* iv, const std::uint8_t* in,
                                std::uint8_t* out, std::size_t blocks) {
  __m128i ek[Rounds + 1];
  load_schedule<Rounds>(schedule, ek);
  __m128i dk[Rounds + 1];
  dk[0] = ek[Rounds];
  for (int i = 1; i < Rounds; ++i) dk[i] = _mm_aesimc_si128(ek[Rounds - i]);
  dk[Rounds] = ek[0];

  __m128i y_prev = load(iv);
  __m128i x_prev = load(iv + 16);
  for (std::size_t b = 0; b < blocks; ++b) {
    const __m128i y = load(in + 16 * b);
    const __m128i last_key = _mm_xor_si128(dk[Rounds], y_prev);
    __m128i s = _mm_xor_si128(opaque(_mm_xor_si128(y, dk[0])), x_prev);
#pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r) s = _mm_aesdec_si128(s, dk[r]);
    s = _mm_aesdeclast_si128(s, last_key);
    store(out + 16 * b, s);
    x_prev = s;
    y_prev = y;
  }
}

}  // namespace

bool cpu_supported() noexcept {
  __builtin_cpu_init();  // required if called from a static initializer; cheap otherwise
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("ssse3");
}

TGD_AESNI void expand_key_128(const std::uint8_t* key, std::uint8_t* schedule) noexcept {
  static constexpr int kRcon[10] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36};
  __m128i k = load(key);
  store(schedule, k);
  for (int i = 0; i < 10; ++i) {
    k = _mm_xor_si128(prefix_xor(k), sub_rot_word(k, _mm_set1_epi32(kRcon[i])));
    store(schedule + 16 * (i + 1), k);
  }
}

TGD_AESNI void expand_key_256(const std::uint8_t* key, std::uint8_t* schedule) noexcept {
  __m128i a = load(key);
  __m128i b = load(key + 16);
  store(schedule, a);
  store(schedule + 16, b);
  __m128i rcon = _mm_set1_epi32(1);
  for (int i = 1;; ++i) {
    a = _mm_xor_si128(prefix_xor(a), sub_rot_word(b, rcon));
    store(schedule + 32 * i, a);
    if (i == 7) break;  // 15 round keys: the last one has no odd partner
    b = _mm_xor_si128(prefix_xor(b), sub_word(a));
    store(schedule + 32 * i + 16, b);
    rcon = _mm_slli_epi32(rcon, 1);  // rcon 1, 2, 4, ... 0x40: no reduction needed for AES-256
  }
}

void ige_encrypt(int rounds, const std::uint8_t* schedule, const std::uint8_t* iv, const std::uint8_t* in,
                 std::uint8_t* out, std::size_t blocks) noexcept {
  if (rounds == 14) {
    ige_encrypt_impl<14>(schedule, iv, in, out, blocks);
  } else {
    ige_encrypt_impl<10>(schedule, iv, in, out, blocks);
  }
}

void ige_decrypt(int rounds, const std::uint8_t* schedule, const std::uint8_t* iv, const std::uint8_t* in,
                 std::uint8_t* out, std::size_t blocks) noexcept {
  if (rounds == 14) {
    ige_decrypt_impl<14>(schedule, iv, in, out, blocks);
  } else {
    ige_decrypt_impl<10>(schedule, iv, in, out, blocks);
  }
}

}  // namespace tgd::crypto::detail::aesni

#else  // not x86: the portable path is always used

namespace tgd::crypto::detail::aesni {
bool cpu_supported() noexcept { return false; }
void expand_key_128(const std::uint8_t*, std::uint8_t*) noexcept {}
void expand_key_256(const std::uint8_t*, std::uint8_t*) noexcept {}
void ige_encrypt(int, const std::uint8_t*, const std::uint8_t*, const std::uint8_t*, std::uint8_t*,
                 std::size_t) noexcept {}
void ige_decrypt(int, const std::uint8_t*, const std::uint8_t*, const std::uint8_t*, std::uint8_t*,
                 std::size_t) noexcept {}
}  // namespace tgd::crypto::detail::aesni

#endif
