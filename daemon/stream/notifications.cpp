#include "daemon/stream/notifications.hpp"

#include "protocol/tl/json_out.hpp"

namespace tgd::stream {

std::string update_suffix(std::string_view quoted_session, std::int64_t seq, std::string_view update) {
  std::string out;
  const std::string seq_text = std::to_string(seq);
  out.reserve(32 + quoted_session.size() + seq_text.size() + update.size());
  out += R"(,"session":)";
  out += quoted_session;
  out += R"(,"seq":)";
  out += seq_text;
  out += R"(,"update":)";
  out += update;
  out += "}}";
  return out;
}

std::string update_head(std::uint64_t subscription) {
  return std::string(kUpdatePrefix) + std::to_string(subscription);
}

std::string trimmed_notification(std::uint64_t subscription, std::string_view session, std::int64_t after,
                                 std::int64_t first_available) {
  return R"({"jsonrpc":"2.0","method":"trimmed","params":{"subscription":)" + std::to_string(subscription) +
         R"(,"session":)" + tl::json_quoted(session) + R"(,"after":)" + std::to_string(after) +
         R"(,"first_available":)" + std::to_string(first_available) + "}}";
}

std::string lagged_notification(std::uint64_t subscription, std::string_view session,
                                std::int64_t resume_after, const Cursors& since) {
  std::string cursors = "{";
  for (const auto& [name, seq] : since) {
    if (cursors.size() > 1) cursors += ',';
    cursors += tl::json_quoted(name) + ":" + std::to_string(seq);
  }
  cursors += '}';
  return R"({"jsonrpc":"2.0","method":"lagged","params":{"subscription":)" + std::to_string(subscription) +
         R"(,"session":)" + tl::json_quoted(session) + R"(,"resume_after":)" + std::to_string(resume_after) +
         R"(,"since":)" + cursors + "}}";
}

}  // namespace tgd::stream
