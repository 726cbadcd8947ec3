#pragma once
// The test DC's API layer: orders queries wrapped in invokeAfterMsg(s) (invoke_after.hpp: a query
// may wait, and is then answered later), decodes a query with the TL codec, unwraps
// invokeWithLayer / initConnection / invokeWithoutUpdates, checks the connection was initialised
// (CONNECTION_NOT_INITED), applies injected errors, and runs the method's handler (api/*.cpp) on
// the World shared by all DCs. Answers are built as JSON and encoded as the method's declared
// result type, so a handler that builds a wrong object fails loudly (INTERNAL_TEST_DC_ENCODING).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/schema.hpp"
#include "protocol/tl/tl_to_json.hpp"
#include "tests/testdc/invoke_after.hpp"
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

// An answer given after Api::handle returned: a query that waited for the messages its
// invokeAfterMsg(s) names.
struct LateAnswer {
  CallContext context;  // msg_id: the query answered
  ApiResult result;
  AnswerHints hints;
  std::string method;  // innermost method name, for logs ("" when it did not run)
};

class Api {
 public:
  using Clock = InvokeAfter::Clock;

  Api(const tl::Schema& api_schema, int this_dc, std::vector<DcEndpoint> dcs, World& world);
  ~Api();

  // Runs the query of `context` (its msg_id names it for later invokeAfterMsg(s) of the session).
  // nullopt: it waits for the messages its invokeAfterMsg(s) names (until now + 0.5 s), and is
  // answered later through take_late_answers(). Queries that were waiting for this one run right
  // after it, before handle returns.
  std::optional<ApiResult> handle(const CallContext& context, ByteSpan query,
                                  Clock::time_point now = Clock::now());
  // Waiting queries past their deadline get 400 MSG_WAIT_TIMEOUT (and those chained to them
  // MSG_WAIT_FAILED): call at next_deadline(), then take_late_answers().
  void expire(Clock::time_point now);
  std::optional<Clock::time_point> next_deadline() const { return order_.next_deadline(); }
  // Answers of queries that waited, in the order they were given.
  std::vector<LateAnswer> take_late_answers() { return std::exchange(late_, {}); }
  // The MTProto layer forgot a session (or a key and its sessions): so does the ordering.
  void forget_session(std::uint64_t auth_key_id, std::int64_t session_id) {
    order_.forget_session(auth_key_id, session_id);
  }
  void forget_auth_key(std::uint64_t auth_key_id) { order_.forget_auth_key(auth_key_id); }
  const InvokeAfter& ordering() const { return order_; }

  // The innermost method name of the last query handle() answered ("" if it did not decode), for logs.
  const std::string& last_method() const { return last_method_; }
  const AnswerHints& last_hints() const { return hints_; }

 private:
  // Runs a query (without its outermost invokeAfterMsg(s)) now; sets last_method_ and hints_.
  ApiResult run(const CallContext& context, ByteSpan query);
  // Records the outcome of `context`'s query and runs (or fails) the queries that waited for it.
  void processed(const CallContext& context, const ApiResult& result);
  void run_ready();
  ApiResult encode(const tl::Combinator& method, std::string_view json);
  // The checks every method passes first: CONNECTION_NOT_INITED, then an injected error.
  std::optional<ApiError> admit(const CallContext& context, std::string_view method);
  // After a call ran: push subscription (pushes.hpp), an injected connection drop (World::inject_drop).
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
  InvokeAfter order_;
  std::vector<LateAnswer> late_;
};

}  // namespace tgd::testdc
