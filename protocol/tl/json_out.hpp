#pragma once
// An append-only JSON text buffer over a std::string, written through a raw cursor: the decoder
// emits many tiny pieces, and per-piece std::string::append bookkeeping was a third of its time.
// finish() trims the string to what was written; until then its tail is scratch space.
#include <cstring>
#include <string>
#include <string_view>

#include "protocol/base/bytes.hpp"

namespace tgd::tl {

class JsonOut {
 public:
  // expected_size: a guess of the output size, so that the buffer rarely has to grow.
  JsonOut(std::string& s, std::size_t expected_size) : s_(s), mark_(s.size()) {
    s_.resize(mark_ + expected_size + 256);
    p_ = s_.data() + mark_;
    end_ = s_.data() + s_.size();
  }
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;

  void finish() { s_.resize(static_cast<std::size_t>(p_ - s_.data())); }
  void abandon() { s_.resize(mark_); }

  [[gnu::always_inline]] void reserve(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) [[unlikely]]
      grow(n);
  }
  [[gnu::always_inline]] void put(char c) {
    reserve(1);
    *p_++ = c;
  }
  [[gnu::always_inline]] void put(std::string_view text) {
    reserve(text.size());
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
  }
  // Copies n bytes from src, where src may be read up to kShortPiece bytes even when n is less
  // (the caller guarantees the slack): one fixed-size move instead of a memcpy call per key.
  static constexpr std::size_t kShortPiece = 32;
  [[gnu::always_inline]] void put_short(const char* src, std::size_t n) {
    reserve(n + kShortPiece);
    if (n <= kShortPiece) {
      std::memcpy(p_, src, kShortPiece);
    } else {
      std::memcpy(p_, src, n);
    }
    p_ += n;
  }
  // The caller reserved n bytes first.
  char* cursor() { return p_; }
  void advance(std::size_t n) { p_ += n; }

  void quoted_string(std::string_view utf8);  // escapes; input must be valid UTF-8
  void quoted_base64(ByteSpan data);

 private:
  [[gnu::noinline, gnu::cold]] void grow(std::size_t n);

  std::string& s_;
  std::size_t mark_;
  char* p_;
  char* end_;
};

// `text` (valid UTF-8) as a quoted, escaped JSON string, for code that assembles small JSON
// documents by hand (reports, ready lines).
std::string json_quoted(std::string_view text);

}  // namespace tgd::tl
