#include "protocol/tl/json_out.hpp"

#include <array>
#include <cstdint>

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

void JsonOut::quoted_string(std::string_view text) {
  // Worst case every byte becomes \u00XX.
  reserve(text.size() * 6 + 2);
  char* p = p_;
  *p++ = '"';
  for (unsigned char c : text) {
    if (!kNeedsEscape[c]) {
      *p++ = static_cast<char>(c);
      continue;
    }
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

}  // namespace tgd::tl
