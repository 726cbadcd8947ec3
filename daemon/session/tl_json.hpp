#pragma once
// API calls as tgd's JSON form (protocol/tl/tl_to_json.hpp) in and out, for the session layer's
// own calls (logins, config) and for scripts: one encoder, one decoder and one parser, shared by
// every session of the daemon (single-threaded).
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/base/bytes.hpp"
#include "protocol/tl/schema.hpp"

namespace tgd::session {

struct TlJsonError {
  std::string message;  // with the JSON path of the offending field
};

class TlJson {
 public:
  explicit TlJson(const tl::Schema& api);
  ~TlJson();
  TlJson(const TlJson&) = delete;
  TlJson& operator=(const TlJson&) = delete;

  const tl::Schema& schema() const { return schema_; }
  // `params` is a JSON object of the method's fields ("_" optional).
  std::variant<Bytes, TlJsonError> encode_call(std::string_view method, std::string_view params);
  // The answer to `method`, as JSON text.
  std::variant<std::string, TlJsonError> decode_result(std::string_view method, ByteSpan answer);
  // Any boxed object (e.g. pushed Updates), as JSON text.
  std::variant<std::string, TlJsonError> decode_object(ByteSpan object);

 private:
  struct Impl;
  const tl::Schema& schema_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tgd::session
