#include "daemon/format/links.hpp"

#include <charconv>

namespace tgd::format {

namespace {

std::optional<std::string_view> after_prefix(std::string_view url, std::string_view lower_prefix) {
  if (url.size() < lower_prefix.size()) return std::nullopt;
  for (std::size_t k = 0; k < lower_prefix.size(); ++k) {
    char c = url[k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[k]) return std::nullopt;
  }
  return url.substr(lower_prefix.size());
}

}  // namespace

std::optional<std::int64_t> parse_positive_id(std::string_view digits) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value <= 0) return std::nullopt;
  return value;
}

std::optional<std::string_view> user_link_id(std::string_view url) {
  return after_prefix(url, "tg://user?id=");
}

std::optional<std::string_view> emoji_link_id(std::string_view url) {
  return after_prefix(url, "tg://emoji?id=");
}

bool link_writes_back(const Entity& e) {
  if (e.type == kTextUrl) {
    const auto id_text = user_link_id(e.url);
    return !e.url.empty() && (!id_text || parse_positive_id(*id_text));
  }
  if (e.type == kMentionName) return e.user_id > 0;
  if (e.type == kCustomEmoji) return e.document_id > 0;
  return true;
}

}  // namespace tgd::format
