#include "protocol/tl/json_out.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "protocol/base/base64.hpp"

namespace tgd::tl {
namespace {

constexpr std::array<bool, 256> make_escape_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}
constexpr auto kNeedsEscape = make_escape_table();

}  // namespace

void JsonOut::grow(std::size_t n) {
  std::size_t used = static_cast<std::size_t>(p_ - s_.data());
  s_.resize(std::max(s_.size() * 2, used + n + 4096));
  p_ = s_.data() + used;
  end_ = s_.data() + s_.size();
}

namespace {

// Writes the escape sequence for one byte that needs it; returns the new cursor.
char* write_escape(unsigned char c, char* p) {
  *p++ = '\\';
  switch (c) {
    case '"':
      *p++ = '"';
      break;
    case '\\':
      *p++ = '\\';
      break;
    case '\n':
      *p++ = 'n';
      break;
    case '\r':
      *p++ = 'r';
      break;
    case '\t':
      *p++ = 't';
      break;
    case '\b':
      *p++ = 'b';
      break;
    case '\f':
      *p++ = 'f';
      break;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      *p++ = 'u';
      *p++ = '0';
      *p++ = '0';
      *p++ = kHex[c >> 4];
      *p++ = kHex[c & 15];
    }
  }
  return p;
}

#if defined(__SSE2__)
// Index of the first byte in a 16-byte block that needs escaping, or 16.
unsigned first_escape_in_block(const char* in) {
  const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  // Bytes < 0x20: (block ^ 0x80) < (0x20 ^ 0x80) as signed compares.
  const __m128i flipped = _mm_xor_si128(block, _mm_set1_epi8(static_cast<char>(0x80)));
  const __m128i control = _mm_cmplt_epi8(flipped, _mm_set1_epi8(static_cast<char>(0x20 ^ 0x80)));
  const __m128i quote = _mm_cmpeq_epi8(block, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(block, _mm_set1_epi8('\\'));
  const int mask = _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash)));
  return mask == 0 ? 16u : static_cast<unsigned>(__builtin_ctz(static_cast<unsigned>(mask)));
}
#endif

}  // namespace

void JsonOut::quoted_string(std::string_view text) {
  // Worst case every byte becomes \u00XX.
  reserve(text.size() * 6 + 2);
  char* p = p_;
  *p++ = '"';
  const char* in = text.data();
  const char* const end = in + text.size();
#if defined(__SSE2__)
  // Message texts rarely need escapes: copy 16 bytes at a time until a block has one.
  while (end - in >= 16) {
    unsigned clean = first_escape_in_block(in);
    std::memcpy(p, in, 16);  // the escape (if any) overwrites the tail below
    p += clean;
    in += clean;
    if (clean < 16) p = write_escape(static_cast<unsigned char>(*in++), p);
  }
#endif
  for (; in < end; ++in) {
    const auto c = static_cast<unsigned char>(*in);
    if (kNeedsEscape[c]) {
      p = write_escape(c, p);
    } else {
      *p++ = static_cast<char>(c);
    }
  }
  *p++ = '"';
  p_ = p;
}

void JsonOut::quoted_base64(ByteSpan data) {
  std::size_t n = base64_encoded_size(data.size());
  reserve(n + 2);
  *p_++ = '"';
  base64_encode_to(data, p_);
  p_ += n;
  *p_++ = '"';
}

std::string json_quoted(std::string_view text) {
  std::string out;
  JsonOut json(out, text.size() + 2);
  json.quoted_string(text);
  json.finish();
  return out;
}

}  // namespace tgd::tl
