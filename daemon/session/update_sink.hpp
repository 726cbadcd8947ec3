#pragma once
// Where a session hands the updates its update engine emitted (daemon/updates): the daemon's
// update stream journals them and delivers them to subscribers. The session never talks to
// subscribers or the journal itself.
#include <cstdint>
#include <string>
#include <vector>

namespace tgd::session {

class UpdateSink {
 public:
  virtual ~UpdateSink() = default;

  // One engine batch, on the event loop: `updates` in order (full Update objects and tgd.* markers,
  // tgd's JSON form; possibly none) and the session's update state after them (state JSON of
  // daemon/updates/update_state.hpp). The sink journals both atomically
  // (store::Store::append_updates) and delivers the updates once they are durable. It must not
  // call back into the session.
  virtual void publish(const std::string& session, std::vector<std::string> updates,
                       std::string state_json) = 0;

  // The session was removed (its journal goes with it): drop whatever the sink keeps for it.
  virtual void forget(const std::string& session) = 0;

  // Too much of the session's output is waiting to become durable (published, not yet committed):
  // the session then stops taking pushed updates and fetches them later with getDifference, so a
  // server (or test DC) pushing faster than the journal commits cannot grow memory without bound.
  virtual bool overloaded(const std::string& session) const = 0;

  // The channels (ids, not Bot-API ids) someone is looking at through this session now: Telegram
  // may stop pushing a channel's updates to a client that does not view it, and expects a client
  // that does to poll getChannelDifference at the timeout it gives (Session::viewed_channels_changed
  // says when this may have grown; the driver also asks before each poll).
  virtual std::vector<std::int64_t> viewed_channels(const std::string& session) const {
    (void)session;
    return {};
  }
};

}  // namespace tgd::session
