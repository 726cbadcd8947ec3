#pragma once
// tgd's logs: stderr by default (stdout is for results and ready lines that scripts read), or a file
// (log.file); as text or as JSON lines (one object per line: time, level, message) for log
// collectors. Text on a stderr that is the systemd journal (JOURNAL_STREAM names it) has no
// timestamp, which the journal adds, and a "<N>" syslog priority prefix, which the journal reads.
//
// The default logger's one sink is a switch (spdlog's dist_sink) whose target can be replaced while
// the daemon runs (a SIGHUP reload) and whose file can be reopened (SIGUSR1, after logrotate).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace spdlog::sinks {
class sink;
}

namespace tgd::app {

enum class LogStyle : bool { Text, Json };

// Where the logs go: stderr, or a file opened for appending.
using LogTarget = std::shared_ptr<spdlog::sinks::sink>;

// Opens `file` for appending (created 0600 with its directory if missing); an empty path is
// stderr. Blocking file I/O: off the event loop once it runs.
std::variant<LogTarget, std::string> open_log_target(const std::filesystem::path& file);

// Installs the default logger. `level`: trace, debug, info, warn, error, critical, off; `file`:
// empty for stderr. An error when the file cannot be opened (nothing is installed then).
std::optional<std::string> set_up_logging(std::string_view level, LogStyle style,
                                          const std::filesystem::path& file = {});

// Switches the installed logger to `level`, `style` and `target` (one from open_log_target), for
// the lines logged from now on. Cheap; safe while other threads log.
void reconfigure_logging(std::string_view level, LogStyle style, LogTarget target);

// Where the installed logger writes (nullptr before set_up_logging). Call on the thread that
// reconfigures the logger (the event loop).
LogTarget current_log_target();
// The target's file ("" for stderr).
std::filesystem::path log_file_path(const LogTarget& target);
// Closes and opens the file again by its path (it may have been moved away): blocking file I/O,
// off the event loop; lines logged meanwhile wait for it. An error message when it cannot be
// opened (the logger then keeps writing to the old file) or when the target is stderr.
std::optional<std::string> reopen_log_file(const LogTarget& target);

}  // namespace tgd::app
