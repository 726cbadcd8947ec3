#pragma once
// Collects what one feed of the engine emits into one Batch: the updates in order, and the users
// and chats of the containers they came from (the peer cache needs them with the updates).
#include <memory>
#include <string>
#include <vector>

#include "daemon/updates/update_engine_types.hpp"
#include "daemon/updates/update_item.hpp"

namespace tgd::updates {

class BatchBuilder {
 public:
  // Emits the item's update (an item without JSON, such as affectedMessages, emits nothing) and
  // its container's peers.
  void add(Item&& item);
  void add_json(std::string json) { updates_.push_back(std::move(json)); }
  void add_peers(const std::shared_ptr<const Peers>& peers);
  bool empty() const { return updates_.empty() && users_.empty() && chats_.empty(); }
  // The batch so far with `state_json`; the builder is empty afterwards.
  Batch take(std::string state_json);

 private:
  std::vector<std::string> updates_;
  std::string users_;
  std::string chats_;
  // The peers added last: the items of one container share them, so they are added once. Held
  // (not a raw pointer) so that a new container cannot reuse its address.
  std::shared_ptr<const Peers> last_peers_;
};

}  // namespace tgd::updates
