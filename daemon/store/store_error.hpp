#pragma once
// The error value of daemon/store/: a message for people (it names the file and the cause, never a
// secret), as SchemaError in protocol/tl.
#include <string>

namespace tgd::store {

struct StoreError {
  std::string message;
};

}  // namespace tgd::store
