#include "protocol/tl/declaration_id.hpp"

#include "protocol/crypto/crc32.hpp"

#include <vector>

namespace tgd::tl {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string normalized_declaration(std::string_view declaration) {
  if (declaration.ends_with(';')) declaration.remove_suffix(1);
  std::string out;
  bool in_result = false;
  for (std::string_view w : split_words(declaration)) {
    std::string word;
    if (out.empty()) {
      word = std::string(w.substr(0, w.find('#')));
    } else if (w == "=") {
      in_result = true;
      word = "=";
    } else if (!in_result) {
      auto colon = w.find(':');
      std::string_view type = colon == std::string_view::npos ? std::string_view{} : w.substr(colon + 1);
      auto q = type.find('?');
      std::string_view base = q == std::string_view::npos ? type : type.substr(q + 1);
      if (q != std::string_view::npos && base == "true") continue;  // flag-only arguments
      word = std::string(w);
      if (base == "bytes") word = std::string(w.substr(0, w.size() - 5)) + "string";
    } else {
      word = std::string(w);
    }
    std::string cleaned;
    for (char c : word) {
      if (c == '{' || c == '}' || c == '>') continue;
      cleaned += c == '<' ? ' ' : c;
    }
    if (!out.empty()) out += ' ';
    out += cleaned;
  }
  return out;
}

std::uint32_t declaration_crc(std::string_view declaration) {
  auto text = normalized_declaration(declaration);
  return crypto::crc32(as_bytes(text));
}

}  // namespace tgd::tl
