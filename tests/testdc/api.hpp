#pragma once
// The test DC's API layer: decodes a query with the TL codec, unwraps invokeWithLayer /
// initConnection / invokeWithoutUpdates / invokeAfterMsg(s), checks the connection was initialised
// (CONNECTION_NOT_INITED), applies injected errors, and runs the method's handler (api/*.cpp) on
// the World shared by all DCs. Answers are built as JSON and encoded as the method's declared
// result type, so a handler that builds a wrong object fails loudly (INTERNAL_TEST_DC_ENCODING).
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/schema.hpp"
#include "protocol/tl/tl_to_json.hpp"
#include "tests/testdc/test_dc.hpp"
#include "tests/testdc/world.hpp"

namespace simdjson::dom {
class parser;
}

namespace tgd::testdc {

// The TL-encoded result, or an rpc_error.
using ApiResult = std::variant<Bytes, ApiError>;

namespace api {
struct Call;
using Reply = std::variant<std::string, ApiError>;  // the result as tgd JSON, or an error
using Handler = Reply (*)(Call&);
using Handlers = std::unordered_map<std::string, Handler>;
}  // namespace api

// Methods that run on a connection without initConnection (a documented deviation: Telegram needs
// it for every method; tgd's benchmark and e2e tests send these bare).
bool exempt_from_connection_init(std::string_view method);

class Api {
 public:
  Api(const tl::Schema& api_schema, int this_dc, std::vector<DcEndpoint> dcs, World& world);
  ~Api();

  ApiResult handle(const CallContext& context, ByteSpan query);
  // The innermost method name of the last query handled ("" if it did not decode), for logs.
  const std::string& last_method() const { return last_method_; }

 private:
  ApiResult encode(const tl::Combinator& method, std::string_view json);

  const tl::Schema& schema_;
  tl::TlToJson decoder_;
  tl::JsonToTl encoder_;
  int this_dc_;
  std::vector<DcEndpoint> dcs_;
  World& world_;
  api::Handlers handlers_;
  std::string last_method_;
  std::string scratch_;
  std::unique_ptr<simdjson::dom::parser> parser_;
};

}  // namespace tgd::testdc
