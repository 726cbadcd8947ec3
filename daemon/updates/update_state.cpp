#include "daemon/updates/update_state.hpp"

#include <charconv>

#include "daemon/updates/json_read.hpp"

namespace tgd::updates {

std::string state_to_json(const UpdateState& state) {
  std::string out;
  out.reserve(64 + state.channels.size() * 20);
  out += "{\"pts\":";
  append_int(out, state.pts);
  out += ",\"qts\":";
  append_int(out, state.qts);
  out += ",\"date\":";
  append_int(out, state.date);
  out += ",\"seq\":";
  append_int(out, state.seq);
  if (!state.channels.empty()) {
    out += ",\"channels\":{";
    bool first = true;
    for (const auto& [id, pts] : state.channels) {
      if (!first) out += ',';
      first = false;
      append_int64(out, id);
      out += ':';
      append_int(out, pts);
    }
    out += '}';
  }
  out += '}';
  return out;
}

std::optional<UpdateState> state_from_json(std::string_view json) {
  ParsedJson doc(json, 0);
  if (!doc.ok()) return std::nullopt;
  const element root = doc.root();
  UpdateState state;
  const auto pts = int32_field(root, "pts");
  const auto qts = int32_field(root, "qts");
  const auto date = int32_field(root, "date");
  const auto seq = int32_field(root, "seq");
  if (!pts || !qts || !date || !seq) return std::nullopt;
  state.pts = *pts;
  state.qts = *qts;
  state.date = *date;
  state.seq = *seq;
  if (const auto channels = field(root, "channels")) {
    simdjson::dom::object object;
    if (channels->get(object) != simdjson::SUCCESS) return std::nullopt;
    for (auto [key, value] : object) {
      std::int64_t id = 0;
      const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
      std::int64_t channel_pts = 0;
      if (ec != std::errc{} || end != key.data() + key.size() ||
          value.get(channel_pts) != simdjson::SUCCESS || channel_pts < INT32_MIN || channel_pts > INT32_MAX) {
        return std::nullopt;
      }
      state.channels[id] = static_cast<std::int32_t>(channel_pts);
    }
  }
  return state;
}

}  // namespace tgd::updates
