#include "daemon/session/tl_json.hpp"

#include <simdjson.h>

#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/tl_to_json.hpp"

namespace tgd::session {

struct TlJson::Impl {
  explicit Impl(const tl::Schema& s) : encoder(s), decoder(s) {}
  tl::JsonToTl encoder;
  tl::TlToJson decoder;
  simdjson::dom::parser parser;
};

TlJson::TlJson(const tl::Schema& api) : schema_(api), impl_(std::make_unique<Impl>(api)) {}
TlJson::~TlJson() = default;

std::variant<Bytes, TlJsonError> TlJson::encode_call(std::string_view method, std::string_view params) {
  simdjson::dom::element root;
  if (impl_->parser.parse(params.data(), params.size()).get(root) != simdjson::SUCCESS)
    return TlJsonError{"params: not valid JSON"};
  Bytes out;
  if (auto error = impl_->encoder.encode_call(method, root, out)) return TlJsonError{error->to_string()};
  return out;
}

std::variant<std::string, TlJsonError> TlJson::decode_result(std::string_view method, ByteSpan answer) {
  const tl::Combinator* m = schema_.find(method);
  if (m == nullptr) return TlJsonError{"unknown method " + std::string(method)};
  std::string out;
  if (auto error = impl_->decoder.decode_result(*m, answer, out)) return TlJsonError{error->to_string()};
  return out;
}

std::variant<std::string, TlJsonError> TlJson::decode_object(ByteSpan object) {
  std::string out;
  if (auto error = impl_->decoder.decode_object(object, out)) return TlJsonError{error->to_string()};
  return out;
}

}  // namespace tgd::session
