#include "daemon/session/update_driver.hpp"

#include <spdlog/spdlog.h>

#include "daemon/session/session.hpp"
#include "protocol/net/asio.hpp"

namespace tgd::session {

namespace {

updates::UpdateEngine make_engine(const Session& session, const std::optional<std::string>& saved_state) {
  updates::EngineOptions options;
  options.self_user_id = session.self_user_id().value_or(0);
  if (saved_state) {
    if (auto state = updates::state_from_json(*saved_state))
      return updates::UpdateEngine(options, *state, updates::Clock::now());
    spdlog::warn("session {}: the saved update state is unreadable; starting from updates.getState",
                 session.name());
  }
  return updates::UpdateEngine(options, updates::Clock::now());
}

// Which failures of the engine's requests will not go away by asking again (the engine then drops
// the channel, or restarts from getState); everything else is retried after a delay.
updates::RequestFailure classify(const CallError& error) {
  if (error.kind == CallError::Kind::Rpc && error.code == 400) return updates::RequestFailure::Refused;
  if (error.kind == CallError::Kind::Rpc && error.message.starts_with("CHANNEL_"))
    return updates::RequestFailure::Refused;  // CHANNEL_PRIVATE is a 406/403 on some DCs
  return updates::RequestFailure::Retry;
}

}  // namespace

UpdateDriver::UpdateDriver(const std::shared_ptr<Session>& session, UpdateSink& sink,
                           const std::optional<std::string>& saved_state)
    : session_(session),
      name_(session->name()),
      sink_(sink),
      engine_(make_engine(*session, saved_state)),
      timer_(session->context_.executor),
      shed_timer_(session->context_.executor) {}

UpdateDriver::~UpdateDriver() = default;

void UpdateDriver::start() { sync_viewed_channels(); }

void UpdateDriver::sync_viewed_channels() {
  if (stopped_) return;
  watch_viewed();
  pump();
}

void UpdateDriver::watch_viewed() {
  const std::vector<std::int64_t> wanted = sink_.viewed_channels(name_);
  std::set<std::int64_t> viewed(wanted.begin(), wanted.end());
  for (const std::int64_t id : viewed_) {
    if (!viewed.contains(id)) engine_.unwatch_channel(id);
  }
  for (const std::int64_t id : viewed) {
    if (!viewed_.contains(id)) engine_.watch_channel(id, std::nullopt, now());
  }
  viewed_ = std::move(viewed);
}

void UpdateDriver::stop() {
  stopped_ = true;
  timer_.cancel();
  shed_timer_.cancel();
}

bool UpdateDriver::may_carry_updates(std::string_view result) {
  // tgd's JSON form starts every object with its constructor: {"_":"name",...
  constexpr std::string_view kHead = R"({"_":")";
  if (!result.starts_with(kHead)) return false;
  const std::string_view name = result.substr(kHead.size());
  return name.starts_with("update") || name.starts_with("messages.affected");
}

void UpdateDriver::on_push(ByteSpan updates) {
  if (stopped_) return;
  auto session = session_.lock();
  if (!session) return;
  ++stats_.pushes;
  if (shedding_ || sink_.overloaded(name_)) {
    // The journal is behind: keep nothing of this push (not even decoded); the difference brings
    // it back once the journal caught up (watch_overload).
    ++stats_.shed;
    if (!shedding_) {
      shedding_ = true;
      spdlog::warn("session {}: the update journal is behind; shedding pushed updates until it catches up",
                   name_);
      watch_overload();
    }
    return;
  }
  auto decoded = session->context_.tl->decode_object(updates);
  if (auto* error = std::get_if<TlJsonError>(&decoded)) {
    // Facts §7.3: an update the client cannot read is fetched again by getDifference.
    ++stats_.undecodable;
    spdlog::warn("session {}: undecodable pushed update ({}); asking for the difference", name_,
                 error->message);
    engine_.request_difference(now());
  } else {
    engine_.feed_updates(std::get<std::string>(decoded), now());
  }
  pump();
}

void UpdateDriver::on_link_event(net::LinkEvent event) {
  if (stopped_) return;
  if (event == net::LinkEvent::NewSession) {
    engine_.on_new_session_created(now());
  } else {
    engine_.on_reconnected(now());
  }
  pump();
}

void UpdateDriver::on_call_result(std::string_view method, std::string_view params, std::string_view result) {
  if (stopped_ || !may_carry_updates(result)) return;
  engine_.feed_call_result(method, params, result, now());
  pump();
}

void UpdateDriver::pump() {
  if (stopped_) return;
  auto session = session_.lock();
  if (!session) return;
  for (updates::Batch& batch : engine_.take_batches()) {
    if (batch.users.size() > 2 || batch.chats.size() > 2)
      session->feed_peers(R"({"users":)" + batch.users + R"(,"chats":)" + batch.chats + "}");
    stats_.published += batch.updates.size();
    sink_.publish(name_, std::move(batch.updates), std::move(batch.state));
  }
  // While shedding, no request either: a difference slice would add to the backlog.
  if (!request_in_flight_ && !shedding_) {
    if (auto request = engine_.next_request(now())) {
      request_in_flight_ = true;
      ++stats_.requests;
      net::asio::co_spawn(timer_.get_executor(), perform(std::move(*request)), net::asio::detached);
    }
  }
  arm_timer();
}

void UpdateDriver::arm_timer() {
  const std::optional<updates::TimePoint> deadline = engine_.next_deadline();
  if (deadline == armed_for_) return;
  armed_for_ = deadline;
  timer_.cancel();
  if (!deadline) return;
  timer_.expires_at(*deadline);
  timer_.async_wait([weak = weak_from_this(), at = *deadline](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_ || self->armed_for_ != at) return;
    self->armed_for_.reset();
    self->watch_viewed();  // a poll only for channels still viewed
    self->engine_.on_tick(self->now());
    self->pump();
  });
}

void UpdateDriver::watch_overload() {
  using namespace std::chrono_literals;
  shed_timer_.expires_after(20ms);
  shed_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) return;
    if (self->sink_.overloaded(self->name_)) {
      self->watch_overload();
      return;
    }
    self->shedding_ = false;
    spdlog::info("session {}: the update journal caught up; fetching the {} shed pushes' updates",
                 self->name_, self->stats_.shed);
    self->engine_.request_difference(self->now());
    self->pump();
  });
}

net::awaitable<void> UpdateDriver::perform(updates::Request request) {
  const auto self = shared_from_this();
  std::variant<std::string, CallError> outcome = CallError{CallError::Kind::Failed, 0, "session gone", 0};
  if (auto session = session_.lock()) {
    std::string params = request.params;  // kept: params_with_channel() reads request.params
    bool resolved = true;
    if (request.kind == updates::RequestKind::GetChannelDifference) {
      // The channel's access hash from the peer cache; without it there is nothing to ask with.
      std::optional<store::PeerRow> peer;
      if (session->context_.store)
        peer = session->context_.store->find_peer(name_, store::PeerKind::Channel, request.channel_id);
      if (peer && peer->access_hash != 0) {
        params = request.params_with_channel(R"({"_":"inputChannel","channel_id":")" +
                                             std::to_string(request.channel_id) + R"(","access_hash":")" +
                                             std::to_string(peer->access_hash) + R"("})");
      } else {
        resolved = false;
        outcome = CallError{CallError::Kind::Rpc, 400, "CHANNEL_INVALID", 0};
      }
    }
    if (resolved) {
      auto call = session->call_unfed(request.method, params, {});
      outcome = co_await std::move(call);
    }
  }
  request_in_flight_ = false;
  if (stopped_) co_return;
  if (auto* error = std::get_if<CallError>(&outcome)) {
    ++stats_.request_failures;
    stats_.last_failure = request.method + ": " + std::to_string(error->code) + " " + error->message;
    if (error->kind == CallError::Kind::LoggedOut) co_return;  // the session stops this driver
    spdlog::debug("session {}: {} failed: {}", name_, request.method, error->message);
    engine_.feed_failure(classify(*error), now());
  } else {
    engine_.feed_answer(std::get<std::string>(outcome), now());
  }
  pump();
}

}  // namespace tgd::session
