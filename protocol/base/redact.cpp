#include "protocol/base/redact.hpp"

#include <algorithm>
#include <array>

namespace tgd {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The index after the string starting at `i` (its opening quote); the end of `s` if unterminated.
std::size_t string_end(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// The index after the JSON value starting at `i`.
std::size_t value_end(std::string_view s, std::size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return string_end(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = string_end(s, i);
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_space(s[i])) ++i;
  return i;
}

}  // namespace

std::string mask_phone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (is_digit(c)) digits += c;
  }
  if (digits.empty()) return std::string(kMasked);
  const std::size_t n = digits.size();
  const std::size_t keep = n >= 7 ? 2 : n >= 5 ? 1 : 0;
  std::string out = "+";
  out.append(digits, 0, keep);
  out.append(n - 2 * keep, '*');
  out.append(digits, n - keep, keep);
  return out;
}

std::string mask_bot_token(std::string_view token) {
  const std::size_t colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 20 ||
      !std::all_of(token.begin(), token.begin() + static_cast<std::ptrdiff_t>(colon), is_digit))
    return std::string(kMasked);
  return std::string(token.substr(0, colon + 1)) + std::string(kMasked);
}

SecretField secret_field(std::string_view name) {
  static constexpr std::array<std::string_view, 2> kPhones{"phone", "phone_number"};
  static constexpr std::array<std::string_view, 3> kTokens{"token", "bot_auth_token", "bot_token"};
  static constexpr std::array<std::string_view, 14> kSecrets{"phone_code",
                                                             "code",
                                                             "phone_code_hash",
                                                             "password",
                                                             "new_password_hash",
                                                             "current_password_hash",
                                                             "api_hash",
                                                             "bytes",
                                                             "A",
                                                             "M1",
                                                             "email",
                                                             "secure_secret",
                                                             "auth_key",
                                                             "new_password"};
  const auto in = [name](const auto& list) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  if (in(kPhones)) return SecretField::Phone;
  if (in(kTokens)) return SecretField::Token;
  if (in(kSecrets)) return SecretField::Secret;
  return SecretField::None;
}

std::string redact_json(std::string_view s, std::size_t max_chars) {
  std::string out;
  out.reserve(max_chars > 0 ? std::min(s.size(), max_chars + 32) : s.size());
  std::size_t i = 0;
  while (i < s.size() && (max_chars == 0 || out.size() < max_chars)) {
    if (s[i] != '"') {
      out += s[i++];
      continue;
    }
    const std::size_t end = string_end(s, i);
    out.append(s, i, end - i);
    const std::size_t colon = skip_space(s, end);
    const SecretField kind = colon < s.size() && s[colon] == ':' && end - i >= 2
                                 ? secret_field(s.substr(i + 1, end - i - 2))
                                 : SecretField::None;
    i = end;
    if (kind == SecretField::None) continue;
    // A secret field's value: replaced whole (a string, an object, anything) by its mask.
    const std::size_t value = skip_space(s, colon + 1);
    out.append(s, end, value - end);
    const std::size_t value_stop = value_end(s, value);
    const bool is_string = value < s.size() && s[value] == '"' && value_stop - value >= 2;
    const std::string_view text =
        is_string ? s.substr(value + 1, value_stop - value - 2) : std::string_view{};
    out += '"';
    if (kind == SecretField::Phone && is_string) {
      out += mask_phone(text);
    } else if (kind == SecretField::Token && is_string) {
      out += mask_bot_token(text);
    } else {
      out += kMasked;
    }
    out += '"';
    i = value_stop;
  }
  if (max_chars > 0 && (i < s.size() || out.size() > max_chars)) {
    std::size_t cut = std::min(out.size(), max_chars);
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    out.resize(cut);
    out += "…(" + std::to_string(s.size()) + " bytes)";
  }
  return out;
}

}  // namespace tgd
