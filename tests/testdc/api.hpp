#pragma once
// The test DC's API layer: decodes a query with the TL codec, unwraps invokeWithLayer /
// initConnection / invokeWithoutUpdates / invokeAfterMsg(s), checks the connection was initialised
// (CONNECTION_NOT_INITED), applies injected errors, and runs the method's handler (api/*.cpp) on
// the World shared by all DCs. Answers are built as JSON and encoded as the method's declared
// result type, so a handler that builds a wrong object fails loudly (INTERNAL_TEST_DC_ENCODING).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
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

// How the I/O layer should give the last answer (upload.getFile sets them; TestDc applies them).
struct AnswerHints {
  bool incompressible = false;         // not worth a gzip attempt (file bytes)
  std::chrono::milliseconds delay{0};  // give the answer this much later
  bool drop_connection = false;        // close the query's connection before answering
};

namespace api {
struct Call;
// The result as tgd JSON, already encoded as TL (file parts: no base64 round trip), or an error.
using Reply = std::variant<std::string, ApiError, Bytes>;
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
  const AnswerHints& last_hints() const { return hints_; }

 private:
  ApiResult encode(const tl::Combinator& method, std::string_view json);
  // The checks every method passes first: CONNECTION_NOT_INITED, then an injected error.
  std::optional<ApiError> admit(const CallContext& context, std::string_view method);
  // Push subscription after a call (pushes.hpp).
  void after_call(const CallContext& context, bool without_updates);
  // upload.saveFilePart / saveBigFilePart / getFile read straight from the TL bytes (api/file_fast_path.cpp):
  // nullopt when the query is something else (or wrapped in initConnection), for the general path.
  std::optional<ApiResult> fast_path(const CallContext& context, ByteSpan query);

  const tl::Schema& schema_;
  tl::TlToJson decoder_;
  tl::JsonToTl encoder_;
  int this_dc_;
  std::vector<DcEndpoint> dcs_;
  World& world_;
  api::Handlers handlers_;
  std::string last_method_;
  AnswerHints hints_;
  std::string scratch_;
  std::unique_ptr<simdjson::dom::parser> parser_;
};

}  // namespace tgd::testdc
