#pragma once
// What the codec reports for bad input: where (a JSON-style path such as
// `params.peer` or `result.messages[3].media`) and what.
#include <string>

namespace tgd::tl {

struct CodecError {
  std::string path;
  std::string message;

  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
};

// Nesting deeper than this is refused on both sides: it is never legitimate and would let a
// peer exhaust the stack.
inline constexpr int kMaxNesting = 64;

}  // namespace tgd::tl
