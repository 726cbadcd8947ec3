#include "daemon/app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

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

}  // namespace

void set_up_logging(std::string_view level, LogStyle style) {
  auto logger = spdlog::stderr_color_mt("tgd");
  if (style == LogStyle::Json) logger->set_formatter(std::make_unique<JsonFormatter>());
  spdlog::set_default_logger(std::move(logger));
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
}

}  // namespace tgd::app
