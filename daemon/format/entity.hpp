#pragma once
// What the formatting modes (html.hpp, markdown.hpp) produce and take: the plain text and its
// MessageEntity list, or an error at a byte of the markup.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tgd::format {

// The TL constructor names of the entities this module produces.
inline constexpr std::string_view kBold = "messageEntityBold";
inline constexpr std::string_view kItalic = "messageEntityItalic";
inline constexpr std::string_view kUnderline = "messageEntityUnderline";
inline constexpr std::string_view kStrike = "messageEntityStrike";
inline constexpr std::string_view kCode = "messageEntityCode";
inline constexpr std::string_view kPre = "messageEntityPre";
inline constexpr std::string_view kTextUrl = "messageEntityTextUrl";
inline constexpr std::string_view kMentionName = "messageEntityMentionName";
inline constexpr std::string_view kBlockquote = "messageEntityBlockquote";
inline constexpr std::string_view kSpoiler = "messageEntitySpoiler";
inline constexpr std::string_view kCustomEmoji = "messageEntityCustomEmoji";

// One MessageEntity. Fields that do not apply to `type` stay empty / 0 / false.
struct Entity {
  std::string type{};
  std::int32_t offset{};       // UTF-16 code units
  std::int32_t length{};       // UTF-16 code units
  std::string url{};           // messageEntityTextUrl
  std::int64_t user_id{};      // messageEntityMentionName
  std::string language{};      // messageEntityPre
  std::int64_t document_id{};  // messageEntityCustomEmoji
  bool collapsed{};            // messageEntityBlockquote (<blockquote expandable>)

  bool operator==(const Entity&) const = default;
};

struct FormattedText {
  std::string text{};              // UTF-8
  std::vector<Entity> entities{};  // by offset, then outer (longer) first

  bool operator==(const FormattedText&) const = default;
};

struct FormatError {
  std::size_t position{};  // byte offset in the input
  std::string message{};

  bool operator==(const FormatError&) const = default;
};

}  // namespace tgd::format
