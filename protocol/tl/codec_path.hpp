#pragma once
// Internal to the codec: errors travel as a C++ exception from the failing leaf up to the public
// entry point, each level on the way adding its path segment. The happy path pays nothing for
// this (table-based unwinding), which matters at hundreds of MB/s.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/tl/codec_error.hpp"

namespace tgd::tl::detail {

struct CodecFailure {
  std::string message;
  std::vector<std::string> segments;  // innermost first: "media", "[3]", "messages"
};

[[noreturn]] inline void fail(std::string message) { throw CodecFailure{std::move(message), {}}; }

// Runs f(); on failure, records `segment` (a field name, or "[i]" for an element) and rethrows.
template <typename F>
inline void within(std::string_view segment, F&& f) {
  try {
    f();
  } catch (CodecFailure& failure) {
    failure.segments.emplace_back(segment);
    throw;
  }
}

template <typename F>
inline void within_index(std::size_t index, F&& f) {
  try {
    f();
  } catch (CodecFailure& failure) {
    failure.segments.push_back("[" + std::to_string(index) + "]");
    throw;
  }
}

inline CodecError to_error(CodecFailure&& failure, std::string_view root) {
  std::string path(root);
  for (auto it = failure.segments.rbegin(); it != failure.segments.rend(); ++it) {
    if (!path.empty() && !it->starts_with('[')) path += '.';
    path += *it;
  }
  return CodecError{std::move(path), std::move(failure.message)};
}

}  // namespace tgd::tl::detail
