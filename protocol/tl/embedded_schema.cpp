#include "protocol/tl/embedded_schema.hpp"

#include <cstdio>
#include <cstdlib>

namespace tgd::embedded {
std::string_view api_tl();
std::string_view mtproto_tl();
}  // namespace tgd::embedded

namespace tgd::tl {

std::string_view api_schema_text() { return embedded::api_tl(); }
std::string_view mtproto_schema_text() { return embedded::mtproto_tl(); }

namespace {
Schema parse_or_abort(std::string_view text, const char* name) {
  auto parsed = Schema::parse(text);
  if (auto* error = std::get_if<SchemaError>(&parsed)) {
    std::fprintf(stderr, "embedded %s: line %d: %s\n", name, error->line, error->message.c_str());
    std::abort();
  }
  return std::move(std::get<Schema>(parsed));
}
}  // namespace

Schemas load_embedded_schemas() {
  return Schemas{parse_or_abort(api_schema_text(), "api.tl"),
                 parse_or_abort(mtproto_schema_text(), "mtproto.tl")};
}

}  // namespace tgd::tl
