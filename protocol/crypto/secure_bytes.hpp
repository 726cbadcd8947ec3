#pragma once
// Buffers for secrets (auth keys, temporary keys, SRP exponents, passwords). Their memory is wiped
// with OPENSSL_cleanse (which the optimizer cannot remove) whenever it is released: on destruction,
// on reallocation and, for SecureBytes, on shrinking. Copies are allowed; each copy wipes itself.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "protocol/base/bytes.hpp"

namespace tgd::crypto {

// Overwrites size bytes at data with zeros in a way the compiler may not elide.
void secure_wipe(void* data, std::size_t size) noexcept;

// std::allocator that wipes every block before returning it to the heap.
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: allocator rebinding must be implicit
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

// A growable byte buffer for secrets.
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(std::size_t size) : bytes_(size) {}
  explicit SecureBytes(ByteSpan data) : bytes_(data.begin(), data.end()) {}

  std::uint8_t* data() noexcept { return bytes_.data(); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }
  std::uint8_t& operator[](std::size_t i) noexcept { return bytes_[i]; }
  std::uint8_t operator[](std::size_t i) const noexcept { return bytes_[i]; }
  std::uint8_t* begin() noexcept { return bytes_.data(); }
  std::uint8_t* end() noexcept { return bytes_.data() + bytes_.size(); }
  const std::uint8_t* begin() const noexcept { return bytes_.data(); }
  const std::uint8_t* end() const noexcept { return bytes_.data() + bytes_.size(); }

  ByteSpan span() const noexcept { return {bytes_.data(), bytes_.size()}; }
  MutableByteSpan mutable_span() noexcept { return {bytes_.data(), bytes_.size()}; }
  operator ByteSpan() const noexcept { return span(); }  // NOLINT: reads like any other byte buffer

  // Shrinking wipes the dropped tail (the vector keeps it as spare capacity); growing zero-fills.
  void resize(std::size_t size);
  void clear() { resize(0); }
  void assign(ByteSpan data);
  void append(ByteSpan data);

 private:
  std::vector<std::uint8_t, WipingAllocator<std::uint8_t>> bytes_;
};

// A fixed-size secret (AES keys and IVs, password hashes), wiped on destruction.
template <std::size_t N>
class SecureArray {
 public:
  SecureArray() noexcept : bytes_{} {}
  explicit SecureArray(std::span<const std::uint8_t, N> data) noexcept {
    std::copy(data.begin(), data.end(), bytes_.begin());
  }
  SecureArray(const SecureArray&) noexcept = default;
  SecureArray& operator=(const SecureArray&) noexcept = default;
  ~SecureArray() { secure_wipe(bytes_.data(), N); }

  static constexpr std::size_t size() noexcept { return N; }
  std::uint8_t* data() noexcept { return bytes_.data(); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::uint8_t& operator[](std::size_t i) noexcept { return bytes_[i]; }
  std::uint8_t operator[](std::size_t i) const noexcept { return bytes_[i]; }
  std::uint8_t* begin() noexcept { return bytes_.data(); }
  std::uint8_t* end() noexcept { return bytes_.data() + N; }
  const std::uint8_t* begin() const noexcept { return bytes_.data(); }
  const std::uint8_t* end() const noexcept { return bytes_.data() + N; }

  std::span<const std::uint8_t, N> span() const noexcept { return std::span<const std::uint8_t, N>(bytes_); }
  std::span<std::uint8_t, N> mutable_span() noexcept { return std::span<std::uint8_t, N>(bytes_); }
  operator ByteSpan() const noexcept { return {bytes_.data(), N}; }  // NOLINT: see SecureBytes

 private:
  std::array<std::uint8_t, N> bytes_;
};

}  // namespace tgd::crypto
