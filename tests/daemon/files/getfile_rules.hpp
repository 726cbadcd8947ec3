#pragma once
// Telegram's upload.getFile rules written out again, apart from the plan's code, so that the tests
// check the plan against the documentation and not against itself (core.telegram.org/api/files,
// "Downloading files").
#include <cstdint>
#include <string>

namespace tgd::files::test {

// "" when the request is allowed, else the rule it breaks.
inline std::string getfile_rule_violation(std::int64_t offset, std::int64_t limit, bool precise) {
  constexpr std::int64_t kMiB = 1048576;
  if (offset < 0) return "negative offset";
  if (limit <= 0) return "limit not positive";
  if (precise) {
    if (offset % 1024 != 0) return "precise offset not divisible by 1 KB";
    if (limit % 1024 != 0) return "precise limit not divisible by 1 KB";
    if (limit > kMiB) return "precise limit above 1 MB";
  } else {
    if (offset % 4096 != 0) return "offset not divisible by 4 KB";
    if (limit % 4096 != 0) return "limit not divisible by 4 KB";
    if (kMiB % limit != 0) return "1 MB not divisible by limit";
  }
  if (offset / kMiB != (offset + limit - 1) / kMiB) return "request crosses a 1 MB boundary";
  return "";
}

}  // namespace tgd::files::test
