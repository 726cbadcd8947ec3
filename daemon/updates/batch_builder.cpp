#include "daemon/updates/batch_builder.hpp"

namespace tgd::updates {
namespace {

void append_items(std::string& to, const std::string& items) {
  if (items.empty()) return;
  if (!to.empty()) to += ',';
  to += items;
}

std::string bracketed(const std::string& items) {
  std::string out;
  out.reserve(items.size() + 2);
  out += '[';
  out += items;
  out += ']';
  return out;
}

}  // namespace

void BatchBuilder::add(Item&& item) {
  if (!item.json.empty()) updates_.push_back(std::move(item.json));
  add_peers(item.peers);
}

void BatchBuilder::add_peers(const std::shared_ptr<const Peers>& peers) {
  if (!peers || peers == last_peers_) return;
  last_peers_ = peers;
  append_items(users_, peers->users);
  append_items(chats_, peers->chats);
}

Batch BatchBuilder::take(std::string state_json) {
  Batch batch;
  batch.updates = std::move(updates_);
  batch.users = bracketed(users_);
  batch.chats = bracketed(chats_);
  batch.state = std::move(state_json);
  updates_.clear();
  users_.clear();
  chats_.clear();
  last_peers_.reset();
  return batch;
}

}  // namespace tgd::updates
