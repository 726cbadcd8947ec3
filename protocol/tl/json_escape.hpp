#pragma once
// Appends a UTF-8 string as a quoted JSON string. The input must already be valid UTF-8.
#include <string>
#include <string_view>

namespace tgd::tl {

void append_json_string(std::string_view text, std::string& out);

}  // namespace tgd::tl
