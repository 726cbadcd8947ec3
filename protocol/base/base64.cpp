#include "protocol/base/base64.hpp"

#include <array>

namespace tgd {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  t['-'] = 62;  // URL-safe alphabet
  t['_'] = 63;
  return t;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

std::size_t base64_encoded_size(std::size_t n) { return (n + 2) / 3 * 4; }

void base64_encode_to(ByteSpan data, char* out) {
  std::size_t i = 0;
  const std::size_t n = data.size();
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8 | data[i + 2];
    *out++ = kAlphabet[v >> 18];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = kAlphabet[(v >> 6) & 63];
    *out++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    *out++ = kAlphabet[v >> 18];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = '=';
    *out++ = '=';
  } else if (n - i == 2) {
    std::uint32_t v = std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8;
    *out++ = kAlphabet[v >> 18];
    *out++ = kAlphabet[(v >> 12) & 63];
    *out++ = kAlphabet[(v >> 6) & 63];
    *out++ = '=';
  }
}

std::string base64_encode(ByteSpan data) {
  std::string out(base64_encoded_size(data.size()), '\0');
  base64_encode_to(data, out.data());
  return out;
}

bool base64_decode_append(std::string_view text, Bytes& out) {
  std::size_t n = text.size();
  std::size_t padding = 0;
  while (n > 0 && text[n - 1] == '=' && padding < 2) {
    --n;
    ++padding;
  }
  if (padding > 0 && (n + padding) % 4 != 0) return false;
  if (n % 4 == 1) return false;
  out.reserve(out.size() + n / 4 * 3 + 2);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    int a = kDecode[static_cast<unsigned char>(text[i])];
    int b = kDecode[static_cast<unsigned char>(text[i + 1])];
    int c = kDecode[static_cast<unsigned char>(text[i + 2])];
    int d = kDecode[static_cast<unsigned char>(text[i + 3])];
    if ((a | b | c | d) < 0) return false;
    std::uint32_t v =
        std::uint32_t(a) << 18 | std::uint32_t(b) << 12 | std::uint32_t(c) << 6 | std::uint32_t(d);
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
  }
  const std::size_t rest = n - i;
  if (rest == 2 || rest == 3) {
    int a = kDecode[static_cast<unsigned char>(text[i])];
    int b = kDecode[static_cast<unsigned char>(text[i + 1])];
    int c = rest == 3 ? kDecode[static_cast<unsigned char>(text[i + 2])] : 0;
    if ((a | b | c) < 0) return false;
    std::uint32_t v = std::uint32_t(a) << 18 | std::uint32_t(b) << 12 | std::uint32_t(c) << 6;
    // Non-canonical encodings (set bits past the data) are rejected so that decode is one-to-one.
    if (rest == 2 && (v & 0xffff) != 0) return false;
    if (rest == 3 && (v & 0xff) != 0) return false;
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    if (rest == 3) out.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  return true;
}

std::optional<Bytes> base64_decode(std::string_view text) {
  Bytes out;
  if (!base64_decode_append(text, out)) return std::nullopt;
  return out;
}

}  // namespace tgd
