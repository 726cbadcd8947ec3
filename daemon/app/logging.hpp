#pragma once
// tgd's logs: stderr always (stdout is for results and ready lines that scripts read), as text or
// as JSON lines (one object per line: time, level, message) for log collectors.
#include <string_view>

namespace tgd::app {

enum class LogStyle : bool { Text, Json };

// Installs the default logger. `level`: trace, debug, info, warn, error, critical, off.
void set_up_logging(std::string_view level, LogStyle style);

}  // namespace tgd::app
