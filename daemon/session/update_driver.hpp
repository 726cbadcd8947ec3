#pragma once
// Drives a Ready session's update engine (daemon/updates, README.md there has the contract): feeds
// it every pushed Updates object, every call result and the connection's link events, performs the
// requests it asks for (getState, getDifference, getChannelDifference) through the session's
// Invoker, arms its timer, and hands each batch it emits to the UpdateSink (the journal and the
// subscribers) after feeding the batch's users and chats to the peer cache.
//
// One per Ready session (Session::start_updates); stopped when the session leaves Ready or stops.
// Single-threaded, on the session's executor. Holds the Session weakly: its pending request and
// timer do not keep a removed session alive.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "daemon/session/session.hpp"
#include "daemon/session/update_sink.hpp"
#include "daemon/updates/update_engine.hpp"
#include "protocol/base/bytes.hpp"
#include "protocol/net/mtproto_client.hpp"

namespace tgd::session {

class UpdateDriver : public std::enable_shared_from_this<UpdateDriver> {
 public:
  // `saved_state`: the state journaled last (store::Store::load_update_state), if any: the engine
  // then catches up with getDifference; without one it starts from getState.
  UpdateDriver(const std::shared_ptr<Session>& session, UpdateSink& sink,
               const std::optional<std::string>& saved_state);
  ~UpdateDriver();
  UpdateDriver(const UpdateDriver&) = delete;
  UpdateDriver& operator=(const UpdateDriver&) = delete;

  // Makes the first request. Call once, after construction.
  void start();
  // No more requests, timers or publishing.
  void stop();

  void on_push(ByteSpan updates);
  void on_link_event(net::LinkEvent event);
  // A call the session made (not one of the driver's own requests).
  void on_call_result(std::string_view method, std::string_view params, std::string_view result);
  // Results worth feeding: Updates objects and messages.affected* (cheap prefix test on the JSON).
  static bool may_carry_updates(std::string_view result_json);

  const UpdateDriverStats& stats() const { return stats_; }

  // Watches the channels the sink says are viewed (UpdateSink::viewed_channels) and stops watching
  // the others: a watched channel is fetched at once, then polled at the timeout each channel
  // difference gives. Also done at start and before every timer tick (so a subscription that
  // went stops its polls).
  void sync_viewed_channels();

 private:
  // After every feed: publish the batches, start the next request, re-arm the timer.
  void pump();
  boost::asio::awaitable<void> perform(updates::Request request);
  void arm_timer();
  void watch_viewed();  // sync_viewed_channels without the pump
  updates::TimePoint now() const { return updates::Clock::now(); }

  std::weak_ptr<Session> session_;
  std::string name_;
  UpdateSink& sink_;
  updates::UpdateEngine engine_;
  boost::asio::steady_timer timer_;
  std::optional<updates::TimePoint> armed_for_;
  bool request_in_flight_ = false;
  bool stopped_ = false;
  // Pushes were shed (the sink was overloaded): once it is not, the difference fetches them.
  bool shedding_ = false;
  boost::asio::steady_timer shed_timer_;
  void watch_overload();
  UpdateDriverStats stats_;
  std::set<std::int64_t> viewed_;  // channels watched in the engine for the sink
};

}  // namespace tgd::session
