#pragma once
// The update state of one session (facts §7.2): the common box's pts, the secondary box's qts,
// the date and seq of the last container, and each channel's pts. The store persists it, as the
// compact JSON below, atomically with the updates emitted up to it.
//
//   {"pts":120,"qts":4,"date":1700000000,"seq":37,"channels":{"1234567890":88}}
//
// Channel ids are strings (int64 in tgd's JSON form); "channels" may be absent (none tracked).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tgd::updates {

struct UpdateState {
  std::int32_t pts = 0;
  std::int32_t qts = 0;
  std::int32_t date = 0;
  std::int32_t seq = 0;
  std::map<std::int64_t, std::int32_t> channels;  // channel id -> pts

  bool operator==(const UpdateState&) const = default;
};

std::string state_to_json(const UpdateState& state);
// nullopt for text that is not such an object (missing pts/qts/date/seq, wrong types).
std::optional<UpdateState> state_from_json(std::string_view json);

}  // namespace tgd::updates
