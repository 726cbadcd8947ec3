#pragma once
// tgd's JSON form -> TL bytes, for any constructor or method of the schema (the form is described
// in tl_to_json.hpp). Input rules, beyond the form itself:
// - int64 values are accepted as JSON strings or numbers; int as numbers only;
// - `#` flag words are computed from the fields present: a given "flags" value is ignored;
// - an optional field that is absent or null is left out; flags.N?true fields take true/false;
// - "_" may be omitted where only one constructor fits (a bare constructor, or a type with one);
// - unknown fields, wrong JSON types, out-of-range numbers, bad base64 and missing required
//   fields are errors with a path. Nothing is appended to the output on error.
#include <memory>
#include <optional>
#include <string_view>

#include "protocol/base/bytes.hpp"
#include "protocol/tl/codec_error.hpp"
#include "protocol/tl/schema.hpp"

namespace simdjson::dom {
class element;
}

namespace tgd::tl {

class JsonToTl {
 public:
  explicit JsonToTl(const Schema& schema);
  ~JsonToTl();
  JsonToTl(const JsonToTl&) = delete;
  JsonToTl& operator=(const JsonToTl&) = delete;

  // A value of `type` (e.g. Kind::Any: an object whose "_" names a constructor or a method).
  std::optional<CodecError> encode(const simdjson::dom::element& value, const TypeRef& type, Bytes& out,
                                   std::string_view root = "") const;
  std::optional<CodecError> encode_object(const simdjson::dom::element& value, Bytes& out,
                                          std::string_view root = "") const;
  // A call of `method` (by TL name) with `params` (an object; "_" optional), boxed.
  std::optional<CodecError> encode_call(std::string_view method, const simdjson::dom::element& params,
                                        Bytes& out, std::string_view root = "params") const;

  // Convenience for tools and tests: parses JSON text first. Uses an internal parser, so one
  // JsonToTl must not run this from two threads at once (tgd runs on one thread).
  std::optional<CodecError> encode_text(std::string_view json, const TypeRef& type, Bytes& out,
                                        std::string_view root = "");
  std::optional<CodecError> encode_object_text(std::string_view json, Bytes& out, std::string_view root = "");

 private:
  struct Parser;
  const Schema& schema_;
  std::unique_ptr<Parser> parser_;
};

}  // namespace tgd::tl
