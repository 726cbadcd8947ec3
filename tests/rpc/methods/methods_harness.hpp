#pragma once
// rpc::Methods over the e2e session harness (tests/e2e/session_harness.hpp): a SessionManager and a
// store on one io_context with a three-DC local test DC. Requests go straight to Methods::call,
// without sockets, exactly as the JSON-RPC server hands them over.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>

#include "rpc/methods/methods.hpp"
#include "tests/e2e/session_harness.hpp"

namespace tgd::e2e {

class MethodsHarness {
 public:
  explicit MethodsHarness(rpc::MethodsOptions options = {},
                          const std::function<void(session::InvokerOptions&)>& tweak = {})
      : h(tweak) {
    methods = std::make_unique<rpc::Methods>(*h.manager, schemas().api, h.store.get(), std::move(options));
  }
  ~MethodsHarness() { methods.reset(); }  // before the sessions and the store go

  // Views, not strings: no owning temporaries in the callers' co_await expressions (g++ 12).
  net::awaitable<rpc::Outcome> call(std::string_view method, std::string_view params = "{}") {
    const rpc::Request request{std::string(method), std::string(params), std::string("1")};
    co_return co_await methods->call(request, nullptr);
  }

  SessionHarness h;
  std::unique_ptr<rpc::Methods> methods;
};

inline std::string describe(const rpc::Outcome& o) {
  if (const auto* json = std::get_if<std::string>(&o)) return "result " + *json;
  const auto& e = std::get<rpc::Error>(o);
  return "error " + std::to_string(e.code) + " " + e.message + " " + e.data;
}

// The result JSON (the check fails on an error).
inline std::string result_of(const rpc::Outcome& o) {
  REQUIRE_MESSAGE(std::holds_alternative<std::string>(o), describe(o));
  return std::get<std::string>(o);
}

inline rpc::Error error_of(const rpc::Outcome& o) {
  REQUIRE_MESSAGE(std::holds_alternative<rpc::Error>(o), describe(o));
  return std::get<rpc::Error>(o);
}

// A parsed JSON document to check fields of.
class Json {
 public:
  explicit Json(const std::string& text) {
    const auto error = parser_.parse(text).get(root_);
    REQUIRE_MESSAGE(error == simdjson::SUCCESS, text);
  }
  simdjson::dom::element root() const { return root_; }
  // The value at a JSON pointer ("/sessions/0/name") as text: strings unquoted, others minified.
  std::string at(std::string_view pointer) const {
    simdjson::dom::element e;
    if (root_.at_pointer(pointer).get(e) != simdjson::SUCCESS)
      return "<missing " + std::string(pointer) + ">";
    std::string_view s;
    if (e.get(s) == simdjson::SUCCESS) return std::string(s);
    return simdjson::minify(e);
  }
  bool has(std::string_view pointer) const {
    simdjson::dom::element e;
    return root_.at_pointer(pointer).get(e) == simdjson::SUCCESS;
  }
  std::size_t size(std::string_view pointer = "") const {
    simdjson::dom::element e;
    simdjson::dom::array a;
    if (root_.at_pointer(pointer).get(e) != simdjson::SUCCESS || e.get(a) != simdjson::SUCCESS) return 0;
    return a.size();
  }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

}  // namespace tgd::e2e
