#pragma once
// The embedded schemas, parsed once per test process.
#include "protocol/tl/embedded_schema.hpp"

namespace tgd::tl::testing {

inline const Schemas& schemas() {
  static const Schemas parsed = load_embedded_schemas();
  return parsed;
}

}  // namespace tgd::tl::testing
