#pragma once
// Reading tgd's JSON form with simdjson: int64 values are JSON strings there (tl_to_json.hpp), so
// a plain get<int64_t>() misses them.
#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tgd::tl {

// The int64 at `key` of `object`, written as a JSON string or number.
inline std::optional<std::int64_t> int64_field(const simdjson::dom::element& object, std::string_view key) {
  simdjson::dom::element v;
  if (object[key].get(v) != simdjson::SUCCESS) return std::nullopt;
  std::int64_t number = 0;
  if (v.get(number) == simdjson::SUCCESS) return number;
  std::string_view text;
  if (v.get(text) != simdjson::SUCCESS) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return number;
}

}  // namespace tgd::tl
