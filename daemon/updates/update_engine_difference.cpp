// UpdateEngine: the answers to the requests it asked for — updates.state, updates.Difference,
// updates.ChannelDifference — and their failures.
#include <algorithm>
#include <iterator>

#include "daemon/updates/update_engine.hpp"
#include "daemon/updates/update_parse.hpp"

namespace tgd::updates {

void UpdateEngine::feed_answer(std::string_view result_json, TimePoint now) {
  if (!in_flight_) return;  // nothing was asked: a stray answer
  const Request request = std::move(*in_flight_);
  in_flight_.reset();
  ParsedJson doc(result_json, 0);
  const std::string_view name = doc.ok() ? name_of(doc.root()) : std::string_view{};
  bool understood = false;
  switch (request.kind) {
    case RequestKind::GetState:
      understood = name == "updates.state";
      if (understood) on_state(doc.root(), now);
      break;
    case RequestKind::GetDifference:
      understood = name.starts_with("updates.difference");
      if (understood) on_difference(doc.root(), now);
      break;
    case RequestKind::GetChannelDifference:
      understood = name.starts_with("updates.channelDifference");
      if (understood) on_channel_difference(request.channel_id, doc.root(), now);
      break;
  }
  if (!understood) retry_later(request, now);
  flush();
}

void UpdateEngine::feed_failure(RequestFailure failure, TimePoint now) {
  if (!in_flight_) return;
  const Request request = std::move(*in_flight_);
  in_flight_.reset();
  if (failure == RequestFailure::Refused) {
    if (request.kind == RequestKind::GetChannelDifference) {
      channel_runs_[request.channel_id].in_flight = false;
      drop_channel(request.channel_id);
      flush();
      return;
    }
    if (request.kind == RequestKind::GetDifference) {
      // The server refuses our state (PERSISTENT_TIMESTAMP_INVALID, ...): start again from its own;
      // what happened since ours is lost.
      emit_gap_marker("stateReset", BoxKind::Common, 0, state_.pts, std::nullopt);
      state_known_ = false;
    }
  }
  retry_later(request, now);
  flush();
}

void UpdateEngine::retry_later(const Request& request, TimePoint now) {
  const TimePoint at = now + options_.retry_delay;
  if (request.kind == RequestKind::GetChannelDifference) {
    ChannelRun& run = channel_runs_[request.channel_id];
    run.in_flight = false;
    run.fetching = true;
    run.not_before = at;
    channel_queue_.push_back(request.channel_id);
    return;
  }
  common_ = Fetch::Pending;
  common_not_before_ = at;
}

void UpdateEngine::set_state_from(const element& state) {
  state_.pts = int32_field(state, "pts").value_or(state_.pts);
  state_.qts = int32_field(state, "qts").value_or(state_.qts);
  state_.date = int32_field(state, "date").value_or(state_.date);
  state_.seq = int32_field(state, "seq").value_or(state_.seq);
  state_changed_ = true;
}

void UpdateEngine::on_state(const element& root, TimePoint now) {
  set_state_from(root);
  state_known_ = true;
  finish_common_fetch(now);
}

// Wraps each message of root[key] as `wrapper` (updateNewMessage, ...). Their own pts is not known
// (the difference gives only the end state): pts and pts_count are 0. A channel's message in the
// common difference becomes updateNewChannelMessage.
void UpdateEngine::emit_messages(const element& root, std::string_view key, std::string_view wrapper) {
  simdjson::dom::array messages;
  if (root[key].get(messages) != simdjson::SUCCESS) return;
  const bool encrypted = wrapper == "updateNewEncryptedMessage";
  for (element message : messages) {
    std::string_view name = wrapper;
    if (name == "updateNewMessage") {
      element peer;
      std::string_view peer_name;
      if (message["peer_id"].get(peer) == simdjson::SUCCESS &&
          peer["_"].get(peer_name) == simdjson::SUCCESS && peer_name == "peerChannel") {
        name = "updateNewChannelMessage";
      }
    }
    std::string json = "{\"_\":\"";
    json += name;
    json += "\",\"message\":";
    append_json(json, message);
    json += encrypted ? ",\"qts\":0}" : ",\"pts\":0,\"pts_count\":0}";
    batch_.add_json(std::move(json));
  }
}

// {"_":"tgd.updatesGap","reason":…,"box":…,["channel_id":"…",]"from_pts":…,["to_pts":…]…}: updates
// the server will not deliver were skipped (README.md). from/to are the box's counter (qts for "qts").
void UpdateEngine::emit_gap_marker(std::string_view reason, BoxKind box, std::int64_t channel_id,
                                   std::int32_t from_pts, std::optional<std::int32_t> to_pts,
                                   std::string_view extra) {
  std::string json = R"({"_":"tgd.updatesGap","reason":")";
  json += reason;
  json += R"(","box":")";
  json += box == BoxKind::Channel ? "channel" : box == BoxKind::Qts ? "qts" : "common";
  json += '"';
  if (channel_id != 0) {
    json += ",\"channel_id\":";
    append_int64(json, channel_id);
  }
  json += ",\"from_pts\":";
  append_int(json, from_pts);
  if (to_pts) {
    json += ",\"to_pts\":";
    append_int(json, *to_pts);
  }
  json += extra;
  json += '}';
  batch_.add_json(std::move(json));
}

void UpdateEngine::on_difference(const element& root, TimePoint now) {
  const std::string_view name = name_of(root);
  if (name == "updates.differenceEmpty") {
    state_.date = int32_field(root, "date").value_or(state_.date);
    state_.seq = int32_field(root, "seq").value_or(state_.seq);
    state_changed_ = true;
    finish_common_fetch(now);
    return;
  }
  if (name == "updates.differenceTooLong") {
    // Too much to fetch: the server moves us to its pts; getDifference again from there brings
    // qts, seq and date, and what follows.
    const std::int32_t to = int32_field(root, "pts").value_or(state_.pts);
    emit_gap_marker("differenceTooLong", BoxKind::Common, 0, state_.pts, to);
    release_skipped_range(to);
    state_.pts = to;
    state_changed_ = true;
    common_ = Fetch::Pending;
    return;
  }
  const bool slice = name == "updates.differenceSlice";
  batch_.add_peers(peers_of(root));
  simdjson::dom::array other;
  const bool has_other = root["other_updates"].get(other) == simdjson::SUCCESS;
  // updateMessageID first: a subscriber maps random_id to the id before it sees the message.
  if (has_other) {
    for (element update : other) {
      if (name_of(update) == "updateMessageID") batch_.add_json(to_json(update));
    }
  }
  emit_messages(root, "new_messages", "updateNewMessage");
  emit_messages(root, "new_encrypted_messages", "updateNewEncryptedMessage");
  if (has_other) {
    for (element update : other) {
      if (name_of(update) == "updateMessageID") continue;
      Item item = classify_update(update, nullptr);
      if (item.box == BoxKind::Channel) {
        process_item(std::move(item), now);  // channels have their own pts: the usual rules
      } else {
        emit(std::move(item));  // the difference is the authority on its range of pts and qts
      }
    }
  }
  element state;
  if (root[slice ? "intermediate_state" : "state"].get(state) == simdjson::SUCCESS) set_state_from(state);
  if (slice) {
    common_ = Fetch::Pending;  // keep going until updates.difference
  } else {
    finish_common_fetch(now);
  }
}

// Updates in hand that the skipped range (state_.pts, to] covers are real: the pts rule would drop
// them as covered once pts moves to `to`, and the next difference starts after them. They follow the
// marker, in pts order, once each: those held for a pts gap (typically the push that revealed the
// gap), and the common-box updates of the containers waiting for the fetch — held for a seq gap, or
// buffered during it. Those containers lose these items but keep the rest (updates beyond `to`,
// other boxes, their seq and date) for when the fetch ends; the seq rule may then skip them whole,
// which is why their covered items cannot stay in them.
void UpdateEngine::release_skipped_range(std::int32_t to) {
  const std::int32_t from = state_.pts;
  const auto covered = [&](const Item& item) {
    return item.kind == ItemKind::Update && item.box == BoxKind::Common && item.pts > from && item.pts <= to;
  };
  std::vector<Item> released;
  std::vector<Item> beyond;
  for (Item& item : pts_held_.items) {
    if (item.pts > to) {
      beyond.push_back(std::move(item));
    } else if (covered(item)) {
      released.push_back(std::move(item));
    }
  }
  pts_held_.items = std::move(beyond);
  if (pts_held_.items.empty()) pts_held_.deadline.reset();
  for (std::vector<Container>* waiting : {&seq_held_, &buffered_}) {
    for (Container& c : *waiting) {
      const auto kept = std::stable_partition(c.items.begin(), c.items.end(),
                                              [&](const Item& item) { return !covered(item); });
      std::move(kept, c.items.end(), std::back_inserter(released));
      c.items.erase(kept, c.items.end());
    }
  }
  // In pts order, as the pts rule would have applied them: at one pts the update that moves pts
  // comes before those with pts_count 0 (which apply at that pts, as the rule lets them).
  std::stable_sort(released.begin(), released.end(), [](const Item& a, const Item& b) {
    return a.pts != b.pts ? a.pts < b.pts : a.count > b.count;
  });
  std::int32_t last = from;
  for (Item& item : released) {
    if (item.pts == last && item.count != 0) continue;  // a copy: pushed twice, or held too
    last = item.pts;
    emit(std::move(item));
  }
}

void UpdateEngine::on_channel_difference(std::int64_t channel_id, const element& root, TimePoint now) {
  const std::string_view name = name_of(root);
  const bool final = true_field(root, "final");
  const std::optional<std::int32_t> timeout = int32_field(root, "timeout");
  auto known = state_.channels.find(channel_id);
  if (known == state_.channels.end()) known = state_.channels.emplace(channel_id, 0).first;
  std::int32_t& pts = known->second;
  if (name == "updates.channelDifferenceTooLong") {
    // The gap is beyond what the server keeps: restart from the dialog's pts. The latest messages
    // go inside the marker, not as new messages (some were delivered already).
    batch_.add_peers(peers_of(root));
    std::optional<std::int32_t> to;
    std::string extra;
    if (const auto dialog = field(root, "dialog")) {
      to = int32_field(*dialog, "pts");
      extra += ",\"dialog\":";
      append_json(extra, *dialog);
    }
    if (const auto messages = field(root, "messages")) {
      extra += ",\"messages\":";
      append_json(extra, *messages);
    }
    emit_gap_marker("channelDifferenceTooLong", BoxKind::Channel, channel_id, pts, to, extra);
    if (to) pts = *to;
  } else {
    if (name == "updates.channelDifference") {
      batch_.add_peers(peers_of(root));
      emit_messages(root, "new_messages", "updateNewChannelMessage");
      simdjson::dom::array other;
      if (root["other_updates"].get(other) == simdjson::SUCCESS) {
        for (element update : other) batch_.add_json(to_json(update));
      }
    }
    pts = int32_field(root, "pts").value_or(pts);
  }
  state_changed_ = true;
  if (!final) {
    ChannelRun& run = channel_runs_[channel_id];
    run.in_flight = false;
    channel_queue_.push_back(channel_id);  // more to fetch: ask again at once
    return;
  }
  finish_channel_fetch(channel_id, timeout, now);
}

}  // namespace tgd::updates
