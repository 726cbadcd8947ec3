#include "tests/testdc/api.hpp"

#include <simdjson.h>

#include <stdexcept>

#include "tests/testdc/api/call.hpp"

namespace tgd::testdc {
namespace {

// Wrappers whose `query` field holds the call that actually runs (facts §5.1). invokeAfterMsg(s)
// is honoured only as the outermost wrapper (handle(), invoke_after.hpp), as Telegram documents it
// ("must always be the outermost wrapper"); one further in is unwrapped without waiting.
bool is_wrapper(std::string_view name) {
  return name == "invokeWithLayer" || name == "initConnection" || name == "invokeWithoutUpdates" ||
         name == "invokeAfterMsg" || name == "invokeAfterMsgs" || name == "invokeWithTakeout" ||
         name == "invokeWithMessagesRange";
}

}  // namespace

bool exempt_from_connection_init(std::string_view method) {
  return method == "help.getNearestDc" || method == "help.getConfig";
}

Api::Api(const tl::Schema& api_schema, int this_dc, std::vector<DcEndpoint> dcs, World& world)
    : schema_(api_schema),
      decoder_(api_schema),
      encoder_(api_schema),
      this_dc_(this_dc),
      dcs_(std::move(dcs)),
      world_(world),
      parser_(std::make_unique<simdjson::dom::parser>()) {
  world_.attach_schema(api_schema);
  api::register_auth(handlers_);
  api::register_account(handlers_);
  api::register_users(handlers_);
  api::register_contacts(handlers_);
  api::register_messages(handlers_);
  api::register_channels(handlers_);
  api::register_help(handlers_);
  api::register_updates(handlers_);
  api::register_upload(handlers_);
  api::register_media(handlers_);
  api::register_message_lookup(handlers_);
  api::register_full_info(handlers_);
}

Api::~Api() = default;

ApiResult Api::encode(const tl::Combinator& method, std::string_view json) {
  Bytes out;
  if (auto err = encoder_.encode_text(json, method.result, out, "result")) {
    return ApiError{500, "INTERNAL_TEST_DC_ENCODING"};
  }
  return out;
}

std::optional<ApiError> Api::admit(const CallContext& context, std::string_view method) {
  if (!exempt_from_connection_init(method) && !world_.connection_init(context.dc, context.auth_key_id)) {
    return ApiError{400, "CONNECTION_NOT_INITED"};
  }
  return world_.take_injected_error(method, context.dc);
}

void Api::after_call(const CallContext& context, bool without_updates) {
  // World::inject_drop: the call ran; its connection goes before the answer (TestDc closes it).
  if (world_.take_drop(last_method_, context.dc)) hints_.drop_connection = true;
  // Push subscription (pushes.hpp): any call on an authorized key subscribes its session, unless
  // the session ever used invokeWithoutUpdates.
  const SessionRef session{context.dc, context.auth_key_id, context.session_id};
  if (without_updates) {
    world_.pushes().opt_out(session);
  } else if (auto user = world_.authorized_user(context.dc, context.auth_key_id)) {
    world_.pushes().subscribe(*user, session);
  }
}

std::optional<ApiResult> Api::handle(const CallContext& context, ByteSpan query, Clock::time_point now) {
  last_method_.clear();
  hints_ = {};
  ApiResult result;
  if (auto wrapped = InvokeAfter::unwrap(query)) {
    switch (order_.gate(context, wrapped->after)) {
      case InvokeAfter::Gate::kWait:
        // Not processed yet: it does not count for later queries naming it until it is answered.
        order_.wait(InvokeAfter::Waiter{context, std::move(wrapped->after),
                                        Bytes(wrapped->query.begin(), wrapped->query.end()),
                                        now + InvokeAfter::kWaitLimit});
        return std::nullopt;
      case InvokeAfter::Gate::kFail:
        result = ApiError{400, "MSG_WAIT_FAILED"};
        break;
      case InvokeAfter::Gate::kRun:
        result = run(context, wrapped->query);
        break;
    }
  } else {
    result = run(context, query);
  }
  // The queries this one released run now and overwrite these: keep this query's for the caller.
  std::string method = std::move(last_method_);
  const AnswerHints hints = hints_;
  processed(context, result);
  last_method_ = std::move(method);
  hints_ = hints;
  return result;
}

void Api::processed(const CallContext& context, const ApiResult& result) {
  order_.record(context, std::holds_alternative<Bytes>(result));
  run_ready();
}

void Api::run_ready() {
  // Each query run here is processed in turn, which may release more: the loop takes them all, in
  // the order they were released (a chain runs front to back).
  while (auto w = order_.take_ready()) {
    LateAnswer late{w->context, ApiError{}, {}, {}};
    switch (order_.gate(w->context, w->after)) {
      case InvokeAfter::Gate::kWait:  // an outcome it saw was forgotten since (kRemembered): wait on
        order_.wait(std::move(*w));
        continue;
      case InvokeAfter::Gate::kFail:
        late.result = ApiError{400, "MSG_WAIT_FAILED"};
        break;
      case InvokeAfter::Gate::kRun:
        last_method_.clear();
        hints_ = {};
        late.result = run(w->context, w->query);
        late.hints = hints_;
        late.method = last_method_;
        break;
    }
    order_.record(w->context, std::holds_alternative<Bytes>(late.result));
    late_.push_back(std::move(late));
  }
}

void Api::expire(Clock::time_point now) {
  for (InvokeAfter::Waiter& w : order_.take_expired(now)) {
    order_.record(w.context, false);
    late_.push_back(LateAnswer{w.context, ApiError{400, "MSG_WAIT_TIMEOUT"}, {}, {}});
  }
  run_ready();
}

ApiResult Api::run(const CallContext& context, ByteSpan query) {
  if (auto fast = fast_path(context, query)) return std::move(*fast);
  scratch_.clear();
  // Any layer number is accepted; the query decodes with the schema tgd was built with.
  if (auto err = decoder_.decode_object(query, scratch_)) return ApiError{400, "INPUT_METHOD_INVALID"};
  simdjson::dom::element call = parser_->parse(scratch_).value();
  std::string_view name = call["_"].get_string().value();
  std::optional<std::int32_t> layer;
  std::optional<ConnectionInit> init;
  bool without_updates = false;
  while (is_wrapper(name)) {
    if (name == "invokeWithoutUpdates") {
      without_updates = true;
    } else if (name == "invokeWithLayer") {
      layer = static_cast<std::int32_t>(call["layer"].get_int64().value());
    } else if (name == "initConnection") {
      ConnectionInit i;
      i.api_id = static_cast<std::int32_t>(call["api_id"].get_int64().value());
      i.device_model = std::string(call["device_model"].get_string().value());
      i.system_version = std::string(call["system_version"].get_string().value());
      i.app_version = std::string(call["app_version"].get_string().value());
      i.system_lang_code = std::string(call["system_lang_code"].get_string().value());
      i.lang_pack = std::string(call["lang_pack"].get_string().value());
      i.lang_code = std::string(call["lang_code"].get_string().value());
      init = std::move(i);
    }
    simdjson::dom::element inner;
    if (call["query"].get(inner) != simdjson::SUCCESS) return ApiError{400, "INPUT_METHOD_INVALID"};
    call = inner;
    name = call["_"].get_string().value();
  }
  last_method_ = std::string(name);
  const tl::Combinator* method = schema_.find(name);
  if (!method || !method->is_function) return ApiError{400, "INPUT_METHOD_INVALID"};

  if (init) {
    // initConnection is only valid inside invokeWithLayer (facts §5.1).
    if (!layer || *layer <= 0) return ApiError{400, "CONNECTION_LAYER_INVALID"};
    if (init->api_id <= 0) return ApiError{400, "API_ID_INVALID"};
    init->layer = *layer;
    world_.set_connection_init(context.dc, context.auth_key_id, std::move(*init));
  }
  if (auto refused = admit(context, name)) return *refused;

  auto handler = handlers_.find(last_method_);
  if (handler == handlers_.end()) return ApiError{400, "METHOD_NOT_SUPPORTED_BY_TEST_DC"};
  api::Call c{world_, context, call, dcs_, nullptr, &hints_};
  api::Reply reply;
  try {
    reply = handler->second(c);
  } catch (const simdjson::simdjson_error&) {
    return ApiError{500, "INTERNAL_TEST_DC_PARAMS"};
  } catch (const std::logic_error&) {
    return ApiError{500, "INTERNAL_TEST_DC_ENCODING"};  // a push that does not match the schema
  }
  after_call(context, without_updates);
  if (auto* error = std::get_if<ApiError>(&reply)) return std::move(*error);
  if (auto* encoded = std::get_if<Bytes>(&reply)) return std::move(*encoded);
  return encode(*method, std::get<std::string>(reply));
}

}  // namespace tgd::testdc
