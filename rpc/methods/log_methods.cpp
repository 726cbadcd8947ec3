// setLogLevel: the running logger's level, changed without a reload. A later SIGHUP reload applies
// the configuration's log.level again.
#include <spdlog/spdlog.h>

#include <array>

#include "rpc/methods/errors.hpp"
#include "rpc/methods/json_builder.hpp"
#include "rpc/methods/methods_impl.hpp"

namespace tgd::rpc {

namespace {

// The names log.level takes (config/values.cpp), in spdlog's order.
constexpr std::array<std::string_view, 7> kLevels{"trace", "debug",    "info", "warn",
                                                  "error", "critical", "off"};

}  // namespace

std::string_view Methods::Impl::log_level() {
  const auto level = static_cast<std::size_t>(spdlog::default_logger_raw()->level());
  return level < kLevels.size() ? kLevels[level] : "off";
}

boost::asio::awaitable<Outcome> Methods::Impl::set_log_level(methods::Args args) {
  const std::string& wanted = *args.text("level");
  std::size_t level = 0;
  while (level < kLevels.size() && kLevels[level] != wanted) ++level;
  if (level == kLevels.size()) {
    std::string valid;
    for (std::string_view name : kLevels) valid += (valid.empty() ? "" : ", ") + std::string(name);
    co_return methods::invalid_params("params.level: one of " + valid + " expected");
  }
  const std::string previous(log_level());
  spdlog::default_logger_raw()->set_level(static_cast<spdlog::level::level_enum>(level));
  spdlog::info("log level {} (was {}), set by setLogLevel until the next reload", kLevels[level], previous);
  co_return methods::JsonObject().str("level", kLevels[level]).str("previous", previous).done();
}

}  // namespace tgd::rpc
