#pragma once
// Small helpers shared by the crypto tests.
#include <cstdint>
#include <span>

#include "protocol/base/bytes.hpp"
#include "protocol/base/hex.hpp"

namespace tgd::crypto::test {

// start, start+1, ... (mod 256): the "bytes 0..n-1" inputs of many published vectors.
inline Bytes iota_bytes(std::size_t size, std::uint8_t start = 0) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(start + i);
  return out;
}

// A fixed-extent view of the first N bytes (the caller checks the size).
template <std::size_t N>
std::span<const std::uint8_t, N> first(ByteSpan bytes) {
  return bytes.first<N>();
}

// Deterministic, fast pseudo-random bytes for round-trip tests (splitmix64).
inline Bytes pseudo_random_bytes(std::size_t size, std::uint64_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) {
    seed += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    out[i] = static_cast<std::uint8_t>(z ^ (z >> 31));
  }
  return out;
}

}  // namespace tgd::crypto::test
