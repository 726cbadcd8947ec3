#include "daemon/updates/update_engine.hpp"

#include <algorithm>

#include "daemon/updates/update_parse.hpp"

namespace tgd::updates {
namespace {

enum class Position : std::uint8_t { Apply, Duplicate, Gap };

// The pts rule (facts §7.2): local + count == pts applies, more is already applied, less is a gap.
// In 64 bits: a hostile pts near INT32_MAX must not overflow.
Position position(std::int32_t local, const Item& item) {
  const std::int64_t expected = std::int64_t{local} + item.count;
  if (expected == item.pts) return Position::Apply;
  return expected > item.pts ? Position::Duplicate : Position::Gap;
}

bool due(const std::optional<TimePoint>& t, TimePoint now) { return t && *t <= now; }

void earliest(std::optional<TimePoint>& best, const std::optional<TimePoint>& t) {
  if (t && (!best || *t < *best)) best = t;
}

}  // namespace

std::string Request::params_with_channel(std::string_view input_channel_json) const {
  std::string out = "{\"channel\":";
  out += input_channel_json;
  if (params.size() > 2) {
    out += ',';
    out.append(params, 1);
  } else {
    out += '}';
  }
  return out;
}

UpdateEngine::UpdateEngine(EngineOptions options, TimePoint now) : options_(options), last_activity_(now) {}

UpdateEngine::UpdateEngine(EngineOptions options, UpdateState state, TimePoint now)
    : options_(options), state_(std::move(state)), state_known_(true), last_activity_(now) {}

// ---- feeds ----

void UpdateEngine::feed_updates(std::string_view updates_json, TimePoint now) {
  ParsedJson doc(updates_json, 0);
  std::optional<Container> c;
  if (doc.ok()) c = parse_updates(doc.root(), options_.self_user_id);
  last_activity_ = now;
  if (!c) {
    // Something arrived that is not an Updates: whatever it held is fetched again.
    request_difference(now);
  } else {
    process(std::move(*c), now);
  }
  flush();
}

void UpdateEngine::feed_call_result(std::string_view method, std::string_view params_json,
                                    std::string_view result_json, TimePoint now) {
  ParsedJson result(result_json, 0);
  if (!result.ok()) return;
  // Slot 1: the params stay alive beside the result.
  std::optional<ParsedJson> params;
  if (!params_json.empty()) params.emplace(params_json, 1);
  const element* params_root = nullptr;
  element params_element;
  if (params && params->ok()) {
    params_element = params->root();
    params_root = &params_element;
  }
  std::optional<Container> c =
      parse_updates(result.root(), options_.self_user_id, SentCall{method, params_root});
  if (!c) c = parse_affected(result.root(), params_root);
  if (!c) return;
  process(std::move(*c), now);
  flush();
}

void UpdateEngine::request_difference(TimePoint now) {
  (void)now;
  if (!state_known_) return;  // getState is on its way and covers it
  start_common_fetch();
  flush();
}

// ---- containers and items ----

void UpdateEngine::process(Container&& c, TimePoint now) {
  if (common_ != Fetch::Idle) {
    buffered_.push_back(std::move(c));
    return;
  }
  if (c.too_long) {
    start_common_fetch();
    return;
  }
  if (c.seq_start != 0) {
    const std::int64_t expected = std::int64_t{state_.seq} + 1;
    if (expected > c.seq_start) return;  // seen already: its updates were applied
    // A container still after a gap once two differences completed is applied anyway (as drain()
    // does for pts): its pts updates are checked on their own.
    if (expected < c.seq_start && c.fetches < 2) {
      seq_held_.push_back(std::move(c));
      if (!seq_deadline_) seq_deadline_ = now + options_.gap_wait;
      return;
    }
  }
  const bool sequenced = c.seq_start != 0;
  apply_container(std::move(c), now);
  if (sequenced && !seq_held_.empty()) drain_seq(now);
}

void UpdateEngine::apply_container(Container&& c, TimePoint now) {
  for (Item& item : c.items) process_item(std::move(item), now);
  if (c.seq != 0 && c.seq != state_.seq) {
    state_.seq = c.seq;
    state_changed_ = true;
  }
  if (c.date > state_.date) {
    state_.date = c.date;
    state_changed_ = true;
  }
}

// Applies the containers held after a seq gap that now follow on.
void UpdateEngine::drain_seq(TimePoint now) {
  std::stable_sort(seq_held_.begin(), seq_held_.end(),
                   [](const Container& a, const Container& b) { return a.seq_start < b.seq_start; });
  std::size_t i = 0;
  for (; i < seq_held_.size() && common_ == Fetch::Idle; ++i) {
    const std::int64_t expected = std::int64_t{state_.seq} + 1;
    if (seq_held_[i].seq_start > expected) break;
    if (seq_held_[i].seq_start == expected) apply_container(std::move(seq_held_[i]), now);
  }
  seq_held_.erase(seq_held_.begin(), seq_held_.begin() + static_cast<std::ptrdiff_t>(i));
  if (seq_held_.empty()) seq_deadline_.reset();
}

void UpdateEngine::process_item(Item&& item, TimePoint now) {
  switch (item.kind) {
    case ItemKind::ChannelTooLong:
      channel_too_long(std::move(item), now);
      return;
    case ItemKind::Incomplete:
      // Its pts range is fetched with getDifference, which brings the full message.
      if (item.pts != 0 && position(state_.pts, item) != Position::Duplicate) start_common_fetch();
      return;
    case ItemKind::Update:
      break;
  }
  switch (item.box) {
    case BoxKind::None:
      emit(std::move(item));
      return;
    case BoxKind::Common:
      apply_sequenced(pts_held_, state_.pts, std::move(item), common_ != Fetch::Idle, now);
      return;
    case BoxKind::Qts:
      apply_sequenced(qts_held_, state_.qts, std::move(item), common_ != Fetch::Idle, now);
      return;
    case BoxKind::Channel:
      channel_item(std::move(item), now);
      return;
  }
}

void UpdateEngine::apply_sequenced(Held& held, std::int32_t& local, Item&& item, bool fetching,
                                   TimePoint now) {
  if (fetching) {
    held.items.push_back(std::move(item));  // the fetch's end drains it
    return;
  }
  switch (position(local, item)) {
    case Position::Apply: {
      const BoxKind box = item.box;
      const std::int64_t channel_id = item.channel_id;
      local = item.pts;
      state_changed_ = true;
      emit(std::move(item));
      if (!held.items.empty()) drain(held, local, box, channel_id, now);
      return;
    }
    case Position::Duplicate:
      return;
    case Position::Gap:
      held.items.push_back(std::move(item));
      if (!held.deadline) held.deadline = now + options_.gap_wait;
      return;
  }
}

// Applies the held updates that now follow on, drops those already applied, and keeps waiting
// for the rest (a fresh wait when the previous one was consumed by a fetch). An update still ahead
// of a gap after two completed differences is applied anyway, after a gap marker: the server has
// had two chances to fill the gap, and waiting on would ask for differences forever.
void UpdateEngine::drain(Held& held, std::int32_t& local, BoxKind box, std::int64_t channel_id,
                         TimePoint now) {
  constexpr std::uint8_t kFetchesBeforeForcing = 2;
  std::stable_sort(held.items.begin(), held.items.end(), [](const Item& a, const Item& b) {
    return std::int64_t{a.pts} - a.count < std::int64_t{b.pts} - b.count;
  });
  std::vector<Item> rest;
  for (Item& item : held.items) {
    Position p = position(local, item);
    if (p == Position::Gap && rest.empty() && item.fetches >= kFetchesBeforeForcing) {
      emit_gap_marker("unresolvedGap", box, channel_id, local, item.pts - item.count);
      p = Position::Apply;
    }
    if (p == Position::Apply && rest.empty()) {
      local = item.pts;
      state_changed_ = true;
      emit(std::move(item));
    } else if (p != Position::Duplicate) {
      rest.push_back(std::move(item));  // sorted by where they start: all after a gap are gaps
    }
  }
  held.items = std::move(rest);
  if (held.items.empty()) {
    held.deadline.reset();
  } else if (!held.deadline) {
    held.deadline = now + options_.gap_wait;
  }
}

void UpdateEngine::channel_item(Item&& item, TimePoint now) {
  const std::int64_t id = item.channel_id;
  auto known = state_.channels.find(id);
  auto run = channel_runs_.find(id);
  if (known == state_.channels.end()) {
    // A channel not tracked yet (never seen, or joined elsewhere): its first update starts it.
    state_.channels.emplace(id, item.pts);
    state_changed_ = true;
    emit(std::move(item));
    if (run != channel_runs_.end() && run->second.watched) request_channel_difference(id);
    return;
  }
  if (run == channel_runs_.end()) {
    // The hot path: no held updates, no fetch.
    switch (position(known->second, item)) {
      case Position::Apply:
        known->second = item.pts;
        state_changed_ = true;
        emit(std::move(item));
        return;
      case Position::Duplicate:
        return;
      case Position::Gap:
        run = channel_runs_.emplace(id, ChannelRun{}).first;
        break;
    }
  }
  apply_sequenced(run->second.held, known->second, std::move(item), run->second.fetching, now);
  forget_idle_run(id);
}

void UpdateEngine::channel_too_long(Item&& item, TimePoint now) {
  (void)now;
  const std::int64_t id = item.channel_id;
  if (!state_.channels.contains(id)) {
    if (item.pts == 0) {
      // Nothing to fetch from: pass it on, the subscriber may refetch the history.
      emit(std::move(item));
      return;
    }
    // Not tracked (joined elsewhere while offline): fetch from the pts given.
    state_.channels.emplace(id, item.pts);
    state_changed_ = true;
  }
  request_channel_difference(id);
}

// Drops the run of a channel that needs nothing beyond its pts any more.
void UpdateEngine::forget_idle_run(std::int64_t channel_id) {
  const auto run = channel_runs_.find(channel_id);
  if (run == channel_runs_.end()) return;
  const ChannelRun& r = run->second;
  if (r.held.items.empty() && !r.fetching && !r.watched) channel_runs_.erase(run);
}

// ---- fetches ----

void UpdateEngine::start_common_fetch() {
  if (common_ == Fetch::InFlight) {
    common_again_ = true;
    return;
  }
  if (common_ == Fetch::Pending) return;
  common_ = Fetch::Pending;
  // The difference covers whatever the waits were for.
  pts_held_.deadline.reset();
  qts_held_.deadline.reset();
  seq_deadline_.reset();
}

void UpdateEngine::finish_common_fetch(TimePoint now) {
  if (common_again_) {
    common_again_ = false;
    common_ = Fetch::Pending;
    return;
  }
  common_ = Fetch::Idle;
  last_activity_ = now;
  for (Held* held : {&pts_held_, &qts_held_}) {
    for (Item& item : held->items) ++item.fetches;
  }
  if (!pts_held_.items.empty()) drain(pts_held_, state_.pts, BoxKind::Common, 0, now);
  if (!qts_held_.items.empty()) drain(qts_held_, state_.qts, BoxKind::Qts, 0, now);
  // Release what waited, in the order it came: the seq-held containers first (they arrived
  // before the fetch started), then those buffered during it. A new fetch started by one of them
  // buffers the rest again.
  std::vector<Container> waiting = std::move(seq_held_);
  seq_held_.clear();
  for (Container& c : waiting) ++c.fetches;
  seq_deadline_.reset();
  std::stable_sort(waiting.begin(), waiting.end(),
                   [](const Container& a, const Container& b) { return a.seq_start < b.seq_start; });
  std::vector<Container> buffered = std::move(buffered_);
  buffered_.clear();
  for (Container& c : waiting) process(std::move(c), now);
  for (Container& c : buffered) process(std::move(c), now);
}

void UpdateEngine::request_channel_difference(std::int64_t channel_id) {
  ChannelRun& run = channel_runs_[channel_id];
  if (run.fetching) {
    if (run.in_flight) run.again = true;
    return;
  }
  run.fetching = true;
  run.held.deadline.reset();
  run.poll_at.reset();
  channel_queue_.push_back(channel_id);
}

void UpdateEngine::finish_channel_fetch(std::int64_t channel_id, std::optional<std::int32_t> timeout,
                                        TimePoint now) {
  ChannelRun& run = channel_runs_[channel_id];
  run.in_flight = false;
  if (run.again) {
    run.again = false;
    channel_queue_.push_back(channel_id);
    return;
  }
  run.fetching = false;
  const auto known = state_.channels.find(channel_id);
  for (Item& item : run.held.items) ++item.fetches;
  if (known != state_.channels.end() && !run.held.items.empty()) {
    drain(run.held, known->second, BoxKind::Channel, channel_id, now);
  }
  if (run.watched) {
    run.poll_at = now + (timeout && *timeout > 0 ? std::chrono::milliseconds(std::chrono::seconds(*timeout))
                                                 : options_.channel_poll_default);
  }
  forget_idle_run(channel_id);
}

// The channel cannot be fetched (CHANNEL_PRIVATE: left or banned): a marker for the updates that
// will not come, the held ones as they are, and the channel is forgotten until its next update.
void UpdateEngine::drop_channel(std::int64_t channel_id) {
  const auto known = state_.channels.find(channel_id);
  const std::int32_t from = known == state_.channels.end() ? 0 : known->second;
  emit_gap_marker("channelRefused", BoxKind::Channel, channel_id, from, std::nullopt);
  if (const auto run = channel_runs_.find(channel_id); run != channel_runs_.end()) {
    std::vector<Item>& held = run->second.held.items;
    std::stable_sort(held.begin(), held.end(), [](const Item& a, const Item& b) { return a.pts < b.pts; });
    for (Item& item : held) emit(std::move(item));
    channel_runs_.erase(run);
  }
  if (known != state_.channels.end()) state_.channels.erase(known);
  state_changed_ = true;
}

void UpdateEngine::watch_channel(std::int64_t channel_id, std::optional<std::int32_t> pts, TimePoint now) {
  (void)now;
  channel_runs_[channel_id].watched = true;
  if (!state_.channels.contains(channel_id)) {
    if (!pts) return;  // tracked from its next update, then fetched
    state_.channels.emplace(channel_id, *pts);
    state_changed_ = true;
  }
  request_channel_difference(channel_id);
  flush();
}

void UpdateEngine::unwatch_channel(std::int64_t channel_id) {
  const auto run = channel_runs_.find(channel_id);
  if (run == channel_runs_.end()) return;
  run->second.watched = false;
  run->second.poll_at.reset();
  forget_idle_run(channel_id);
}

// ---- timers and requests ----

void UpdateEngine::on_tick(TimePoint now) {
  if (state_known_ && common_ == Fetch::Idle) {
    if (due(pts_held_.deadline, now) || due(qts_held_.deadline, now) || due(seq_deadline_, now) ||
        now >= last_activity_ + options_.idle_timeout) {
      start_common_fetch();
    }
  }
  std::vector<std::int64_t> wanted;
  for (auto& [id, run] : channel_runs_) {
    if (run.fetching) continue;
    if ((!run.held.items.empty() && due(run.held.deadline, now)) || (run.watched && due(run.poll_at, now))) {
      wanted.push_back(id);
    }
  }
  for (std::int64_t id : wanted) request_channel_difference(id);
  flush();
}

std::optional<TimePoint> UpdateEngine::next_deadline() const {
  std::optional<TimePoint> best;
  if (state_known_ && common_ == Fetch::Idle) {
    earliest(best, pts_held_.deadline);
    earliest(best, qts_held_.deadline);
    earliest(best, seq_deadline_);
    earliest(best, last_activity_ + options_.idle_timeout);
  }
  if (!in_flight_) {
    if (common_ == Fetch::Pending) earliest(best, common_not_before_);
    for (const auto& [id, run] : channel_runs_) {
      if (run.fetching && !run.in_flight) earliest(best, run.not_before);
    }
  }
  for (const auto& [id, run] : channel_runs_) {
    if (run.fetching) continue;
    if (!run.held.items.empty()) earliest(best, run.held.deadline);
    if (run.watched) earliest(best, run.poll_at);
  }
  return best;
}

std::optional<Request> UpdateEngine::next_request(TimePoint now) {
  if (in_flight_) return std::nullopt;
  if (common_ == Fetch::Pending && !(common_not_before_ && now < *common_not_before_)) {
    common_ = Fetch::InFlight;
    common_not_before_.reset();
    Request r;
    if (!state_known_) {
      r.kind = RequestKind::GetState;
      r.method = "updates.getState";
      r.params = "{}";
    } else {
      r.kind = RequestKind::GetDifference;
      r.method = "updates.getDifference";
      r.params = "{\"pts\":";
      append_int(r.params, state_.pts);
      if (options_.pts_total_limit > 0) {
        r.params += ",\"pts_total_limit\":";
        append_int(r.params, options_.pts_total_limit);
      }
      r.params += ",\"date\":";
      append_int(r.params, state_.date);
      r.params += ",\"qts\":";
      append_int(r.params, state_.qts);
      r.params += '}';
    }
    in_flight_ = r;
    return r;
  }
  for (auto it = channel_queue_.begin(); it != channel_queue_.end();) {
    const std::int64_t id = *it;
    const auto run = channel_runs_.find(id);
    const auto known = state_.channels.find(id);
    if (run != channel_runs_.end() && known == state_.channels.end()) run->second.fetching = false;
    if (run == channel_runs_.end() || !run->second.fetching || run->second.in_flight) {
      it = channel_queue_.erase(it);  // stale entry
      continue;
    }
    if (run->second.not_before && now < *run->second.not_before) {
      ++it;
      continue;
    }
    channel_queue_.erase(it);
    run->second.in_flight = true;
    run->second.not_before.reset();
    Request r;
    r.kind = RequestKind::GetChannelDifference;
    r.method = "updates.getChannelDifference";
    r.channel_id = id;
    r.params = R"({"filter":{"_":"channelMessagesFilterEmpty"},"pts":)";
    append_int(r.params, known->second);
    r.params += ",\"limit\":";
    append_int(r.params, options_.channel_difference_limit);
    r.params += '}';
    in_flight_ = r;
    return r;
  }
  return std::nullopt;
}

std::vector<Batch> UpdateEngine::take_batches() {
  std::vector<Batch> out = std::move(batches_);
  batches_.clear();
  return out;
}

void UpdateEngine::flush() {
  if (batch_.empty() && !state_changed_) return;
  state_changed_ = false;
  batches_.push_back(batch_.take(state_to_json(state_)));
}

}  // namespace tgd::updates
