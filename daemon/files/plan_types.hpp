#pragma once
// What the download and upload plans share: their error value and what becomes of a failed part.
#include <string>

namespace tgd::files {

// A request the plan cannot make, or an answer that contradicts the plan (a part longer than asked,
// a file shorter than announced, a part completed twice). `message` is for the JSON-RPC caller.
struct PlanError {
  std::string message;
};

// What fail() did with a part whose request failed.
enum class FailOutcome {
  kRetry,    // back in the queue: next() hands it out again, before any new part
  kIgnored,  // the part is no longer needed (past the end of the file found meanwhile)
  kGaveUp,   // it failed max_attempts times: the transfer has failed (see the plan's error())
};

}  // namespace tgd::files
