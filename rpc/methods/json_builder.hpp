#pragma once
// Small JSON documents assembled by hand (daemon method results, error data): keys in call order,
// strings escaped, int64 ids as the caller chooses (tgd's TL form writes them as strings).
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/tl/json_out.hpp"

namespace tgd::rpc::methods {

class JsonObject {
 public:
  JsonObject& str(std::string_view key, std::string_view value) { return raw(key, tl::json_quoted(value)); }
  JsonObject& num(std::string_view key, std::int64_t value) { return raw(key, std::to_string(value)); }
  JsonObject& num(std::string_view key, std::uint64_t value) { return raw(key, std::to_string(value)); }
  JsonObject& num(std::string_view key, int value) { return raw(key, std::to_string(value)); }
  JsonObject& real(std::string_view key, double value) {
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    return raw(key, std::string_view(buf, static_cast<std::size_t>(end - buf)));
  }
  JsonObject& boolean(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
  JsonObject& null(std::string_view key) { return raw(key, "null"); }
  // `json` is a complete JSON value.
  JsonObject& raw(std::string_view key, std::string_view json) {
    s_ += first_ ? "" : ",";
    first_ = false;
    s_ += tl::json_quoted(key);
    s_ += ':';
    s_ += json;
    return *this;
  }
  bool empty() const { return first_; }
  std::string done() {
    s_ += '}';
    return std::move(s_);
  }

 private:
  std::string s_ = "{";
  bool first_ = true;
};

class JsonArray {
 public:
  JsonArray& raw(std::string_view json) {
    s_ += first_ ? "" : ",";
    first_ = false;
    s_ += json;
    return *this;
  }
  JsonArray& str(std::string_view value) { return raw(tl::json_quoted(value)); }
  std::string done() {
    s_ += ']';
    return std::move(s_);
  }

 private:
  std::string s_ = "[";
  bool first_ = true;
};

}  // namespace tgd::rpc::methods
