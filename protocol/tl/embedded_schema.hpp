#pragma once
// The committed schemas (protocol/tl/schema/*.tl), compiled into the binary.
#include <string_view>

#include "protocol/tl/schema.hpp"

namespace tgd::tl {

std::string_view api_schema_text();
std::string_view mtproto_schema_text();

// Both schemas, parsed. They are separate namespaces: MTProto's `message` and `Message` are not
// the API's.
struct Schemas {
  Schema api;
  Schema mtproto;
};

// Parses the embedded texts. They are checked by the tests, so a failure here is a build defect
// and aborts with the parser's message.
Schemas load_embedded_schemas();

}  // namespace tgd::tl
