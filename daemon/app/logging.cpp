#include "daemon/app/logging.hpp"

#include <fcntl.h>
#include <spdlog/details/file_helper.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "protocol/tl/json_out.hpp"

namespace tgd::app {
namespace {

// {"time":"2026-11-27T00:44:24.123Z","level":"info","msg":"…"}: the message is escaped, so any
// text a log line carries stays one valid JSON object.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[96];  // room for any int the compiler cannot rule out
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string line = R"({"time":")";
    line += stamp;
    line += R"(","level":")";
    line.append(level.data(), level.size());
    line += R"(","msg":)";
    line += tl::json_quoted(std::string_view(msg.payload.data(), msg.payload.size()));
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

// "<6>message": the journal takes the prefix for the line's priority (sd-daemon(3)) and stamps the
// time itself, so neither is repeated in the text.
class JournalFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    char prefix[4] = {'<', priority(msg.level), '>', '\0'};
    dest.append(prefix, prefix + 3);
    dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JournalFormatter>(); }

 private:
  static char priority(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        return '7';  // LOG_DEBUG
      case spdlog::level::info:
        return '6';  // LOG_INFO
      case spdlog::level::warn:
        return '4';  // LOG_WARNING
      case spdlog::level::err:
        return '3';  // LOG_ERR
      case spdlog::level::critical:
        return '2';  // LOG_CRIT
      default:
        return '6';
    }
  }
};

// A file opened for appending, flushed after every line (a crash loses nothing already logged),
// reopened by path on request.
class FileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit FileSink(std::filesystem::path path) : path_(std::move(path)) { open(); }
  const std::filesystem::path& path() const { return path_; }

  std::optional<std::string> reopen() {
    try {
      // A fresh helper first: if the path cannot be opened the old file stays in use.
      auto fresh = std::make_unique<spdlog::details::file_helper>();
      create_private(path_);
      fresh->open(path_.string());
      std::lock_guard lock(mutex_);
      file_ = std::move(fresh);
      return std::nullopt;
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    file_->write(formatted);
    file_->flush();
  }
  void flush_() override { file_->flush(); }

 private:
  void open() {
    create_private(path_);
    file_ = std::make_unique<spdlog::details::file_helper>();
    file_->open(path_.string());
  }
  // Logs may name sessions and peers: the file is the owner's only, whatever the umask.
  static void create_private(const std::filesystem::path& path) {
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }

  std::filesystem::path path_;
  std::unique_ptr<spdlog::details::file_helper> file_;
};

// Whether stderr is the journal's stream: systemd sets JOURNAL_STREAM to its "device:inode"
// (systemd.exec(5)), which stays set in children whose stderr went elsewhere.
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

std::unique_ptr<spdlog::formatter> formatter_for(LogStyle style, bool file) {
  if (style == LogStyle::Json) return std::make_unique<JsonFormatter>();
  if (!file && stderr_is_journal()) return std::make_unique<JournalFormatter>();
  return std::make_unique<spdlog::pattern_formatter>();  // "[time] [tgd] [level] message"
}

// The switch that set_up_logging installs as the default logger's only sink.
std::shared_ptr<spdlog::sinks::dist_sink_mt> installed_switch() {
  auto logger = spdlog::default_logger();
  if (!logger || logger->sinks().size() != 1) return nullptr;
  return std::dynamic_pointer_cast<spdlog::sinks::dist_sink_mt>(logger->sinks().front());
}

}  // namespace

std::variant<LogTarget, std::string> open_log_target(const std::filesystem::path& file) {
  if (file.empty()) return LogTarget(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  try {
    return LogTarget(std::make_shared<FileSink>(file));
  } catch (const std::exception& e) {
    return "cannot open the log file: " + std::string(e.what());
  }
}

std::optional<std::string> set_up_logging(std::string_view level, LogStyle style,
                                          const std::filesystem::path& file) {
  auto target = open_log_target(file);
  if (auto* error = std::get_if<std::string>(&target)) return *error;
  auto logger = std::make_shared<spdlog::logger>("tgd", std::make_shared<spdlog::sinks::dist_sink_mt>());
  spdlog::set_default_logger(std::move(logger));
  reconfigure_logging(level, style, std::get<LogTarget>(std::move(target)));
  return std::nullopt;
}

void reconfigure_logging(std::string_view level, LogStyle style, LogTarget target) {
  auto logger = spdlog::default_logger();
  if (auto sw = installed_switch()) {
    target->set_formatter(formatter_for(style, std::dynamic_pointer_cast<FileSink>(target) != nullptr));
    sw->set_sinks({std::move(target)});
  }
  logger->set_level(spdlog::level::from_str(std::string(level)));
}

LogTarget current_log_target() {
  auto sw = installed_switch();
  if (!sw || sw->sinks().empty()) return nullptr;
  return sw->sinks().front();
}

std::filesystem::path log_file_path(const LogTarget& target) {
  auto file = std::dynamic_pointer_cast<FileSink>(target);
  return file ? file->path() : std::filesystem::path();
}

std::optional<std::string> reopen_log_file(const LogTarget& target) {
  auto file = std::dynamic_pointer_cast<FileSink>(target);
  if (!file) return std::string("logs go to stderr");
  return file->reopen();
}

}  // namespace tgd::app
