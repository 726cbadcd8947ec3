#pragma once
// The JSON texts the stream sends. An update notification is split so that the part every
// subscriber shares (session, seq, update) is built once per update and reaches each connection
// with one copy (Caller::notify_parts):
//   update_head(subscription id) + update_suffix(...)
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/stream/update_stream.hpp"

namespace tgd::stream {

inline constexpr std::string_view kUpdatePrefix =
    R"({"jsonrpc":"2.0","method":"update","params":{"subscription":)";

// `,"session":"alice","seq":42,"update":{…}}}` (`quoted_session` already a JSON string).
std::string update_suffix(std::string_view quoted_session, std::int64_t seq, std::string_view update);
// `{"jsonrpc":"2.0","method":"update","params":{"subscription":7` — one per subscription.
std::string update_head(std::uint64_t subscription);

std::string trimmed_notification(std::uint64_t subscription, std::string_view session, std::int64_t after,
                                 std::int64_t first_available);
std::string lagged_notification(std::uint64_t subscription, std::string_view session,
                                std::int64_t resume_after, const Cursors& since);

}  // namespace tgd::stream
