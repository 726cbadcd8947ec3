#pragma once
// Entities spelled out for the tables of html_test.cpp and markdown_test.cpp.
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/format/entity.hpp"

namespace tgd::format::test {

inline Entity plain(std::string_view type, std::int32_t offset, std::int32_t length) {
  return Entity{.type = std::string(type), .offset = offset, .length = length};
}
inline Entity text_url(std::int32_t offset, std::int32_t length, std::string url) {
  return Entity{.type = std::string(kTextUrl), .offset = offset, .length = length, .url = std::move(url)};
}
inline Entity mention(std::int32_t offset, std::int32_t length, std::int64_t user_id) {
  return Entity{.type = std::string(kMentionName), .offset = offset, .length = length, .user_id = user_id};
}
inline Entity pre(std::int32_t offset, std::int32_t length, std::string language) {
  return Entity{
      .type = std::string(kPre), .offset = offset, .length = length, .language = std::move(language)};
}
inline Entity custom_emoji(std::int32_t offset, std::int32_t length, std::int64_t document_id) {
  return Entity{
      .type = std::string(kCustomEmoji), .offset = offset, .length = length, .document_id = document_id};
}
inline Entity blockquote(std::int32_t offset, std::int32_t length, bool collapsed) {
  return Entity{.type = std::string(kBlockquote), .offset = offset, .length = length, .collapsed = collapsed};
}

}  // namespace tgd::format::test
