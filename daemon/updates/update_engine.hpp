#pragma once
// The per-session update engine (issue #6): decides which updates a session emits, in which
// order, and when to ask the server for what is missing — Telegram's pts/qts/seq rules (facts §7,
// core.telegram.org/api/updates). Sans-IO: the driver feeds it what arrives and the time, performs
// the requests it asks for, and journals the batches it emits. Contract in daemon/updates/README.md.
//
// Driving loop, after every feed_* / on_* call:
//   for (Batch& b : engine.take_batches()) journal_and_deliver(b);     // in order
//   if (auto r = engine.next_request(now)) start(*r);   // at most one in flight; answer it later
//   arm_timer(engine.next_deadline());                  // then call on_tick(now)
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/updates/batch_builder.hpp"
#include "daemon/updates/json_read.hpp"
#include "daemon/updates/update_engine_types.hpp"
#include "daemon/updates/update_item.hpp"
#include "daemon/updates/update_state.hpp"

namespace tgd::updates {

class UpdateEngine {
 public:
  // A session without a saved state: asks updates.getState first, and emits from there.
  UpdateEngine(EngineOptions options, TimePoint now);
  // A restored state: asks updates.getDifference first, to catch up from it.
  UpdateEngine(EngineOptions options, UpdateState state, TimePoint now);
  UpdateEngine(const UpdateEngine&) = delete;
  UpdateEngine& operator=(const UpdateEngine&) = delete;

  void set_self_user_id(std::int64_t id) { options_.self_user_id = id; }

  // A pushed Updates object (updates, updatesCombined, updateShort, updateShortMessage,
  // updateShortChatMessage, updatesTooLong).
  void feed_updates(std::string_view updates_json, TimePoint now);
  // The result of an API call made by the session: Updates results are fed as pushed ones;
  // updateShortSentMessage from messages.sendMessage/sendMedia is expanded with `params` (as sent,
  // peer resolved to an InputPeer); messages.affected* advance pts (the channel's, when the params
  // name a channel). Other results are ignored.
  void feed_call_result(std::string_view method, std::string_view params_json, std::string_view result_json,
                        TimePoint now);
  // The answer to the request taken from next_request (updates.state, updates.Difference,
  // updates.ChannelDifference as JSON), or its failure.
  void feed_answer(std::string_view result_json, TimePoint now);
  void feed_failure(RequestFailure failure, TimePoint now);

  // Connection events: both mean updates may have been lost, so getDifference.
  void on_reconnected(TimePoint now) { request_difference(now); }
  void on_new_session_created(TimePoint now) { request_difference(now); }
  // Also for an update the driver could not decode (facts §7.3).
  void request_difference(TimePoint now);
  // Timers: gap waits, the idle check, channel polls. Call at next_deadline() (earlier is harmless).
  void on_tick(TimePoint now);

  // Channels the session is interested in (a subscriber views them): fetched now, then polled at
  // the timeout each channel difference gives. `pts` seeds a channel not yet tracked (from a
  // dialog or channelFull); without it, tracking starts at the channel's next update.
  void watch_channel(std::int64_t channel_id, std::optional<std::int32_t> pts, TimePoint now);
  void unwatch_channel(std::int64_t channel_id);

  std::vector<Batch> take_batches();
  // The request to start now, if one is needed and none is in flight (it is then in flight).
  std::optional<Request> next_request(TimePoint now);
  // When on_tick must next be called; nullopt: no timer needed.
  std::optional<TimePoint> next_deadline() const;

  const UpdateState& state() const { return state_; }
  bool has_state() const { return state_known_; }

 private:
  // Updates ahead of a gap, waiting for the missing ones (or for a difference).
  struct Held {
    std::vector<Item> items;
    std::optional<TimePoint> deadline;
  };
  // A channel that needs more than a pts: held updates, a difference, polling.
  struct ChannelRun {
    Held held;
    bool fetching = false;  // a difference is wanted or in flight: its updates are held meanwhile
    bool in_flight = false;
    bool again = false;  // another difference after this one (updateChannelTooLong during it)
    bool watched = false;
    std::optional<TimePoint> poll_at;
    std::optional<TimePoint> not_before;  // retry after a failure
  };
  enum class Fetch : std::uint8_t { Idle, Pending, InFlight };

  void process(Container&& c, TimePoint now);
  void apply_container(Container&& c, TimePoint now);
  void drain_seq(TimePoint now);
  void process_item(Item&& item, TimePoint now);
  void apply_sequenced(Held& held, std::int32_t& local, Item&& item, bool fetching, TimePoint now);
  void drain(Held& held, std::int32_t& local, BoxKind box, std::int64_t channel_id, TimePoint now);
  void channel_item(Item&& item, TimePoint now);
  void channel_too_long(Item&& item, TimePoint now);

  void start_common_fetch();
  void finish_common_fetch(TimePoint now);
  void request_channel_difference(std::int64_t channel_id);
  void finish_channel_fetch(std::int64_t channel_id, std::optional<std::int32_t> timeout, TimePoint now);
  void forget_idle_run(std::int64_t channel_id);
  void drop_channel(std::int64_t channel_id);

  // Answers (update_engine_difference.cpp).
  void on_state(const element& root, TimePoint now);
  void on_difference(const element& root, TimePoint now);
  void release_skipped_range(std::int32_t to);
  void on_channel_difference(std::int64_t channel_id, const element& root, TimePoint now);
  void emit_messages(const element& root, std::string_view key, std::string_view wrapper);
  void emit_gap_marker(std::string_view reason, BoxKind box, std::int64_t channel_id, std::int32_t from_pts,
                       std::optional<std::int32_t> to_pts, std::string_view extra = {});
  void set_state_from(const element& state);
  void retry_later(const Request& request, TimePoint now);

  void emit(Item&& item) { batch_.add(std::move(item)); }
  void flush();

  EngineOptions options_;
  UpdateState state_;
  bool state_known_ = false;
  bool state_changed_ = false;

  Fetch common_ = Fetch::Pending;  // getState / getDifference: every container waits in buffered_
  bool common_again_ = false;      // asked for while one was in flight
  std::optional<TimePoint> common_not_before_;
  std::vector<Container> buffered_;  // arrived during a common fetch, in order
  Held pts_held_;
  Held qts_held_;
  std::vector<Container> seq_held_;  // containers after a seq gap
  std::optional<TimePoint> seq_deadline_;
  TimePoint last_activity_;

  std::unordered_map<std::int64_t, ChannelRun> channel_runs_;
  std::deque<std::int64_t> channel_queue_;  // channels whose difference is wanted, in order
  std::optional<Request> in_flight_;

  BatchBuilder batch_;
  std::vector<Batch> batches_;
};

}  // namespace tgd::updates
