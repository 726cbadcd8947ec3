#pragma once
// Reading tgd's JSON form (protocol/tl/tl_to_json.hpp) for the update engine: a parsed document
// with a reused per-thread parser, typed field getters, and re-serialising a sub-element as compact
// JSON (the engine forwards updates as they came, minus what it rewrites).
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tgd::updates {

using simdjson::dom::element;

// One parsed document. `slot` picks one of two reused per-thread parsers, so that two documents
// (a call's result and its params) can be alive at once; documents above 1 MiB (large
// differences) get their own parser, so the reused ones never keep megabytes.
class ParsedJson {
 public:
  ParsedJson(std::string_view text, int slot);
  ParsedJson(const ParsedJson&) = delete;
  ParsedJson& operator=(const ParsedJson&) = delete;

  bool ok() const { return ok_; }
  element root() const { return root_; }

 private:
  std::optional<simdjson::dom::parser> own_;
  element root_;
  bool ok_ = false;
};

std::string_view name_of(const element& object);  // its "_", or ""
std::optional<std::int32_t> int32_field(const element& object, std::string_view key);
// int64 values are JSON strings in tgd's form; numbers are accepted too.
std::optional<std::int64_t> int64_field(const element& object, std::string_view key);
bool true_field(const element& object, std::string_view key);  // a flags.N?true field that is set
std::optional<element> field(const element& object, std::string_view key);

// Appends `value` as compact JSON.
void append_json(std::string& out, const element& value);
std::string to_json(const element& value);
// Appends the elements of the array `value` (compact, comma-separated, without the brackets),
// preceded by a comma when `out` already holds some.
void append_array_items(std::string& out, const element& value);

// Appends `"key":` / an int64 in tgd's form (a JSON string).
void append_key(std::string& out, std::string_view key);
void append_int64(std::string& out, std::int64_t value);
void append_int(std::string& out, std::int64_t value);

}  // namespace tgd::updates
