#include "daemon/updates/json_read.hpp"

#include "protocol/tl/json_fields.hpp"

namespace tgd::updates {
namespace {

constexpr std::size_t kReusedCapacity = 1 << 20;

simdjson::dom::parser& reused_parser(int slot) {
  thread_local simdjson::dom::parser parsers[2] = {simdjson::dom::parser(kReusedCapacity),
                                                   simdjson::dom::parser(kReusedCapacity)};
  return parsers[slot & 1];
}

// The compact serialiser, reused per thread: a fresh one allocates its buffer on every call.
simdjson::internal::string_builder<>& builder() {
  thread_local simdjson::internal::string_builder<> b;
  b.clear();
  return b;
}

}  // namespace

ParsedJson::ParsedJson(std::string_view text, int slot) {
  simdjson::dom::parser& parser = text.size() <= kReusedCapacity ? reused_parser(slot) : own_.emplace();
  ok_ = parser.parse(text.data(), text.size()).get(root_) == simdjson::SUCCESS;
}

std::string_view name_of(const element& object) {
  std::string_view name;
  return object["_"].get(name) == simdjson::SUCCESS ? name : std::string_view{};
}

std::optional<std::int32_t> int32_field(const element& object, std::string_view key) {
  std::int64_t value = 0;
  if (object[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  if (value < INT32_MIN || value > INT32_MAX) return std::nullopt;
  return static_cast<std::int32_t>(value);
}

std::optional<std::int64_t> int64_field(const element& object, std::string_view key) {
  return tl::int64_field(object, key);
}

bool true_field(const element& object, std::string_view key) {
  bool value = false;
  return object[key].get(value) == simdjson::SUCCESS && value;
}

std::optional<element> field(const element& object, std::string_view key) {
  element v;
  if (object[key].get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

void append_json(std::string& out, const element& value) {
  auto& b = builder();
  b.append(value);
  out += b.str();
}

std::string to_json(const element& value) {
  auto& b = builder();
  b.append(value);
  return std::string(b.str());
}

void append_array_items(std::string& out, const element& value) {
  simdjson::dom::array array;
  if (value.get(array) != simdjson::SUCCESS) return;
  for (element item : array) {
    if (!out.empty()) out += ',';
    append_json(out, item);
  }
}

void append_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

void append_int(std::string& out, std::int64_t value) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

void append_int64(std::string& out, std::int64_t value) {
  out += '"';
  append_int(out, value);
  out += '"';
}

}  // namespace tgd::updates
