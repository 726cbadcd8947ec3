#include "rpc/server/message.hpp"

#include <simdjson.h>

#include <cstring>

namespace tgd::rpc {

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

constexpr int kMaxDepth = 512;

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Error invalid_request(std::string message) { return Error{codes::kInvalidRequest, std::move(message), {}}; }

// Visits every token of a value so that malformed JSON anywhere is an error.
error_code walk(od::value& v, int depth) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto e = v.get_object().get(object)) return e;
      for (auto item : object) {
        od::field field;
        if (auto e = std::move(item).get(field)) return e;
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        od::value member = field.value();
        if (auto e = walk(member, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array array;
      if (auto e = v.get_array().get(array)) return e;
      for (auto item : array) {
        od::value element;
        if (auto e = std::move(item).get(element)) return e;
        if (auto e = walk(element, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s);
    }
    case od::json_type::number:
      return is_json_number(trim_right(v.raw_json_token())) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

// Reads one request object. JSON errors are returned; JSON-RPC errors land in entry.invalid.
error_code read_request(od::document& doc, od::object& object, ParsedEntry& entry) {
  bool has_version = false, version_ok = false, has_method = false, method_ok = false;
  bool params_ok = true, id_ok = true;
  for (auto item : object) {
    od::field field;
    if (auto e = std::move(item).get(field)) return e;
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    od::value value = field.value();
    od::json_type type;
    if (auto e = value.type().get(type)) return e;
    if (key == "jsonrpc") {
      has_version = true;
      version_ok = false;
      if (type == od::json_type::string) {
        std::string_view s;
        if (auto e = value.get_string().get(s)) return e;
        version_ok = s == "2.0";
        continue;
      }
    } else if (key == "method") {
      has_method = true;
      method_ok = false;
      if (type == od::json_type::string) {
        std::string_view s;
        if (auto e = value.get_string().get(s)) return e;
        entry.request.method.assign(s);
        method_ok = true;
        continue;
      }
    } else if (key == "params") {
      params_ok = type == od::json_type::object || type == od::json_type::array;
      if (params_ok) {
        const char* start = nullptr;
        if (auto e = value.current_location().get(start)) return e;
        if (auto e = walk(value, 1)) return e;
        const char* end = nullptr;
        if (auto e = doc.current_location().get(end)) return e;
        if (end < start) return simdjson::TAPE_ERROR;
        entry.request.params.assign(
            trim_right(std::string_view(start, static_cast<std::size_t>(end - start))));
        continue;
      }
    } else if (key == "id") {
      id_ok = type == od::json_type::string || type == od::json_type::number || type == od::json_type::null;
      if (id_ok) {
        std::string_view token = trim_right(value.raw_json_token());
        if (auto e = walk(value, 1)) return e;
        entry.request.id.emplace(token);
        continue;
      }
      entry.request.id.reset();
    }
    if (auto e = walk(value, 1)) return e;
  }
  if (entry.request.params.empty()) entry.request.params = "{}";
  if (!has_version || !version_ok) {
    entry.invalid = invalid_request(R"(invalid request: "jsonrpc" must be "2.0")");
  } else if (!has_method || !method_ok) {
    entry.invalid = invalid_request(R"(invalid request: "method" must be a string)");
  } else if (!params_ok) {
    entry.invalid = invalid_request(R"(invalid request: "params" must be an object or an array)");
  } else if (!id_ok) {
    entry.invalid = invalid_request(R"(invalid request: "id" must be a string, a number or null)");
  }
  if (!id_ok) entry.request.id.reset();
  if (entry.invalid && !entry.request.id) entry.request.id = "null";
  return simdjson::SUCCESS;
}

ParsedEntry not_an_object() {
  ParsedEntry entry;
  entry.request.id = "null";
  entry.invalid = invalid_request("invalid request: not an object");
  return entry;
}

ParsedMessage parse_error(error_code e) {
  ParsedMessage message;
  message.kind = ParsedMessage::Kind::kParseError;
  message.detail = simdjson::error_message(e);
  return message;
}

}  // namespace

struct MessageParser::Impl {
  od::parser parser;
  std::string copy;
};

MessageParser::MessageParser() : impl_(std::make_unique<Impl>()) {}
MessageParser::~MessageParser() = default;

ParsedMessage MessageParser::parse_copy(std::string_view text) {
  impl_->copy.assign(text);
  impl_->copy.append(kJsonPadding, '\0');
  return parse(std::string_view(impl_->copy.data(), text.size()), impl_->copy.size());
}

ParsedMessage MessageParser::parse(std::string_view text, std::size_t capacity) {
  ParsedMessage message;
  od::document doc;
  if (auto e = impl_->parser.iterate(text.data(), text.size(), capacity).get(doc)) return parse_error(e);
  od::json_type type;
  if (auto e = doc.type().get(type)) return parse_error(e);
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto e = doc.get_object().get(object)) return parse_error(e);
      message.entries.emplace_back();
      if (auto e = read_request(doc, object, message.entries.back())) return parse_error(e);
      break;
    }
    case od::json_type::array: {
      od::array array;
      if (auto e = doc.get_array().get(array)) return parse_error(e);
      for (auto item : array) {
        od::value element;
        if (auto e = std::move(item).get(element)) return parse_error(e);
        od::json_type element_type;
        if (auto e = element.type().get(element_type)) return parse_error(e);
        if (element_type == od::json_type::object) {
          od::object object;
          if (auto e = element.get_object().get(object)) return parse_error(e);
          message.entries.emplace_back();
          if (auto e = read_request(doc, object, message.entries.back())) return parse_error(e);
        } else {
          if (auto e = walk(element, 1)) return parse_error(e);
          message.entries.push_back(not_an_object());
        }
      }
      if (message.entries.empty()) {
        message.entries.emplace_back();
        message.entries.back().request.id = "null";
        message.entries.back().invalid = invalid_request("invalid request: empty batch");
      } else {
        message.kind = ParsedMessage::Kind::kBatch;
      }
      break;
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = doc.get_string().get(s)) return parse_error(e);
      message.entries.push_back(not_an_object());
      break;
    }
    case od::json_type::number: {
      std::string_view token;
      if (auto e = doc.raw_json_token().get(token)) return parse_error(e);
      token = trim_right(token);
      if (!is_json_number(token)) return parse_error(simdjson::NUMBER_ERROR);
      // A lone number must be the whole document.
      const std::size_t after = static_cast<std::size_t>(token.data() - text.data()) + token.size();
      if (!trim_right(text.substr(after)).empty()) return parse_error(simdjson::TRAILING_CONTENT);
      message.entries.push_back(not_an_object());
      return message;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto e = doc.get_bool().get(b)) return parse_error(e);
      message.entries.push_back(not_an_object());
      break;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = doc.is_null().get(is_null)) return parse_error(e);
      if (!is_null) return parse_error(simdjson::N_ATOM_ERROR);
      message.entries.push_back(not_an_object());
      break;
    }
  }
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS)
    return parse_error(simdjson::TRAILING_CONTENT);
  return message;
}

bool is_json_number(std::string_view s) {
  std::size_t i = 0, n = s.size();
  auto digit = [&](std::size_t k) { return k < n && s[k] >= '0' && s[k] <= '9'; };
  if (i < n && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == n;
}

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t len;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return len;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
      }
      ++i;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (std::size_t len = utf8_length(s, i)) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out.push_back('"');
}

std::string result_response(std::string_view id, std::string_view result) {
  if (result.empty()) result = "null";
  std::string out;
  out.reserve(34 + id.size() + result.size());
  out += R"({"jsonrpc":"2.0","id":)";
  out += id;
  out += R"(,"result":)";
  out += result;
  out += '}';
  return out;
}

std::string error_response(std::string_view id, const Error& error) {
  std::string out;
  out.reserve(64 + id.size() + error.message.size() + error.data.size());
  out += R"({"jsonrpc":"2.0","id":)";
  out += id;
  out += R"(,"error":{"code":)";
  out += std::to_string(error.code);
  out += R"(,"message":)";
  append_json_string(out, error.message);
  if (!error.data.empty()) {
    out += R"(,"data":)";
    out += error.data;
  }
  out += "}}";
  return out;
}

}  // namespace tgd::rpc
