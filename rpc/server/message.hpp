#pragma once
// JSON-RPC 2.0 messages, sans I/O: one line / frame / body parsed once (simdjson On Demand) into the
// requests it holds, and responses written as text (ids and results inserted verbatim).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/jsonrpc/method_handler.hpp"

namespace tgd::rpc {

// One request of a message. A valid one is run (request.id empty: a notification); an invalid one
// is answered with `invalid` and request.id (its id when it had a valid one, else null).
struct ParsedEntry {
  Request request;
  std::optional<Error> invalid;
};

struct ParsedMessage {
  enum class Kind {
    kSingle,      // entries holds exactly one entry
    kBatch,       // a non-empty array: entries in order, answered as one array
    kParseError,  // not JSON: answer one -32700 error with id null; `detail` says why
  };
  Kind kind = Kind::kSingle;
  std::vector<ParsedEntry> entries;
  std::string detail;
};

// Bytes that must be readable (any values) after a message's last byte: simdjson's padding.
inline constexpr std::size_t kJsonPadding = 64;

// Parses messages. The whole message is validated before anything is returned, so malformed JSON
// anywhere (also inside params or unknown members) is a parse error and nothing of it is run.
class MessageParser {
 public:
  MessageParser();
  ~MessageParser();
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  // `text` must stay readable up to text.size() + kJsonPadding bytes (`capacity` from text.data()).
  ParsedMessage parse(std::string_view text, std::size_t capacity);
  // Copies `text` into a padded buffer first.
  ParsedMessage parse_copy(std::string_view text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// {"jsonrpc":"2.0","id":<id>,"result":<result>}; `id` and `result` are raw JSON, inserted as given
// (an empty result is written as null).
std::string result_response(std::string_view id, std::string_view result);
// {"jsonrpc":"2.0","id":<id>,"error":{"code":..,"message":"..","data":<data>}}; data omitted when
// empty.
std::string error_response(std::string_view id, const Error& error);
// Appends `s` as a JSON string literal (quotes, escapes; invalid UTF-8 bytes become U+FFFD).
void append_json_string(std::string& out, std::string_view s);
// True when `s` is one JSON number token (RFC 8259 grammar; any magnitude or precision).
bool is_json_number(std::string_view s);

}  // namespace tgd::rpc
