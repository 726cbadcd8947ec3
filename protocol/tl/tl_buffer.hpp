#pragma once
// Binary TL primitives for code that builds or parses fixed structures directly (MTProto service
// messages, the handshake, transports) instead of going through the JSON codec.
//
// TlReader never throws: a read past the end, or a malformed length, marks it failed and returns
// zeros/empty; the caller checks ok() once after a whole structure (the pattern tdlib's TlParser
// uses), which keeps parsing code straight-line.
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "protocol/base/bytes.hpp"

namespace tgd::tl {

class TlWriter {
 public:
  explicit TlWriter(Bytes& out) : out_(out) {}

  void u32(std::uint32_t v) { append(&v, 4); }
  void i32(std::int32_t v) { append(&v, 4); }
  void u64(std::uint64_t v) { append(&v, 8); }
  void i64(std::int64_t v) { append(&v, 8); }
  void f64(double v) { append(&v, 8); }
  void raw(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // TL string/bytes: a length prefix (1 byte, or 0xfe + 3 bytes from 254 on), the data, zero
  // padding to a multiple of 4. Longer than 2^24-1 is a caller bug: returns false, writes nothing.
  [[nodiscard]] bool bytes(ByteSpan b);
  [[nodiscard]] bool string(std::string_view s) { return bytes(as_bytes(s)); }
  void bool_(bool v) { u32(v ? 0x997275b5u : 0xbc799737u); }
  // Boxed Vector header: 0x1cb5c415 and the count.
  void vector_header(std::uint32_t count) {
    u32(0x1cb5c415u);
    u32(count);
  }

  std::size_t size() const { return out_.size(); }
  // Overwrites 4 bytes written earlier (e.g. a length known only afterwards).
  void patch_u32(std::size_t at, std::uint32_t v) { std::memcpy(out_.data() + at, &v, 4); }

 private:
  void append(const void* p, std::size_t n) {
    auto* b = static_cast<const std::uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  Bytes& out_;
};

class TlReader {
 public:
  explicit TlReader(ByteSpan in) : begin_(in.data()), p_(in.data()), end_(in.data() + in.size()) {}

  bool ok() const { return !failed_; }
  // ok() and nothing left: what a complete structure must end with.
  bool done() const { return !failed_ && p_ == end_; }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }
  void fail() {
    failed_ = true;
    p_ = end_;
  }

  std::uint32_t u32() { return scalar<std::uint32_t>(); }
  std::int32_t i32() { return scalar<std::int32_t>(); }
  std::uint64_t u64() { return scalar<std::uint64_t>(); }
  std::int64_t i64() { return scalar<std::int64_t>(); }
  double f64() { return scalar<double>(); }
  // n raw bytes (a view into the input); empty and failed if fewer remain.
  ByteSpan raw(std::size_t n);
  template <std::size_t N>
  std::array<std::uint8_t, N> fixed() {
    std::array<std::uint8_t, N> out{};
    ByteSpan b = raw(N);
    if (b.size() == N) std::memcpy(out.data(), b.data(), N);
    return out;
  }
  // TL string/bytes (a view into the input).
  ByteSpan bytes();
  std::string_view string() { return as_chars(bytes()); }
  // Boxed Bool; any other id fails.
  bool bool_();
  // Boxed Vector header: checks 0x1cb5c415 and that `count` elements of at least `min_element`
  // bytes can fit in what remains (so a hostile count cannot trigger a huge allocation).
  std::uint32_t vector_header(std::size_t min_element = 4);
  // The rest of the input, consumed.
  ByteSpan rest() { return raw(remaining()); }

 private:
  template <typename T>
  T scalar() {
    T v{};
    if (remaining() < sizeof(T)) {
      fail();
      return v;
    }
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }

  const std::uint8_t* begin_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  bool failed_ = false;
};

}  // namespace tgd::tl
