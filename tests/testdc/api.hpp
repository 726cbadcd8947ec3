#pragma once
// The test DC's API layer: decodes a query with the TL codec, unwraps invokeWithLayer /
// initConnection / invokeWithoutUpdates / invokeAfterMsg(s), and answers the methods the test DC
// implements. Later issues add users, messages, updates and files here.
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/schema.hpp"
#include "protocol/tl/tl_to_json.hpp"
#include "tests/testdc/test_dc.hpp"

namespace simdjson::dom {
class parser;
}

namespace tgd::testdc {

struct ApiError {
  std::int32_t code = 400;
  std::string message;
};

// The TL-encoded result, or an rpc_error.
using ApiResult = std::variant<Bytes, ApiError>;

class Api {
 public:
  Api(const tl::Schema& api_schema, int this_dc, std::vector<DcEndpoint> dcs);
  ~Api();

  ApiResult handle(ByteSpan query);
  // The innermost method name of the last query handled ("" if it did not decode), for logs.
  const std::string& last_method() const { return last_method_; }

 private:
  ApiResult encode(std::string_view json);

  const tl::Schema& schema_;
  tl::TlToJson decoder_;
  tl::JsonToTl encoder_;
  int this_dc_;
  std::vector<DcEndpoint> dcs_;
  std::string last_method_;
  std::string scratch_;
  std::unique_ptr<simdjson::dom::parser> parser_;
};

}  // namespace tgd::testdc
