#include "daemon/store/write_queue.hpp"

#include <utility>

#include "daemon/store/peer_merge.hpp"
#include "protocol/crypto/secure_bytes.hpp"

namespace tgd::store {

void Batch::add(Op op) {
  if (auto* remove = std::get_if<RemoveSessionOp>(&op)) {
    if (auto it = peers.find(remove->name); it != peers.end()) {
      peer_rows -= it->second.size();
      peers.erase(it);
    }
    removed.insert(remove->name);
  }
  ops.push_back(std::move(op));
}

void Batch::add_peer(const std::string& session, PeerRow row) {
  auto it = peers.find(session);
  if (it == peers.end()) it = peers.emplace(session, SessionPeers{}).first;
  auto [slot, inserted] = it->second.try_emplace(PeerKey{row.kind, row.id}, row);
  if (inserted) {
    ++peer_rows;
  } else {
    slot->second = merge_peer(slot->second, row);
  }
}

const PeerRow* Batch::find_peer(std::string_view session, PeerKey key) const {
  auto it = peers.find(session);
  if (it == peers.end()) return nullptr;
  auto row = it->second.find(key);
  return row == it->second.end() ? nullptr : &row->second;
}

void Batch::wipe_and_clear() {
  for (Op& op : ops) {
    if (auto* key = std::get_if<SaveAuthKeyOp>(&op))
      crypto::secure_wipe(key->row.key.data(), key->row.key.size());
  }
  ops.clear();  // keeps the capacity for the next batch
  peers.clear();
  removed.clear();
  peer_rows = 0;
}

}  // namespace tgd::store
