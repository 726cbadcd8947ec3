#include "daemon/store/write_queue.hpp"

#include <iterator>
#include <utility>

#include "daemon/store/peer_merge.hpp"
#include "protocol/crypto/secure_bytes.hpp"

namespace tgd::store {

// new std::byte[n] leaves the block uninitialized: its pages are touched only when rows use them.
Batch::Batch() : first_block_(new std::byte[kFirstBlock]), arena_(first_block_.get(), kFirstBlock) {}

Batch::~Batch() { wipe_keys(); }

void Batch::wipe_keys() {
  for (Op& op : ops) {
    if (auto* key = std::get_if<SaveAuthKeyOp>(&op))
      crypto::secure_wipe(key->row.key.data(), key->row.key.size());
  }
}

void Batch::reset() {
  wipe_keys();
  ops.clear();    // keeps its capacity
  peers.clear();  // runs the destructors; the arena's deallocate does nothing
  removed.clear();
  peer_rows = 0;
  journal.clear();
  journal_entries = 0;
  arena_.release();  // back to the first block; frees the larger ones
}

void Batch::add(Op op) {
  if (auto* remove = std::get_if<RemoveSessionOp>(&op)) {
    if (auto it = peers.find(std::string_view(remove->name)); it != peers.end()) {
      peer_rows -= it->second.size();
      peers.erase(it);
    }
    drop_journal(remove->name);
    removed.insert(remove->name);
  }
  ops.push_back(std::move(op));
}

void Batch::add_peer(std::string_view session, const PeerRow& row) {
  auto it = peers.find(session);
  if (it == peers.end()) it = peers.emplace(std::pmr::string(session, &arena_), SessionPeers(&arena_)).first;
  SessionPeers& queued = it->second;
  const PeerKey key{row.kind, row.id};
  if (auto slot = queued.find(key); slot != queued.end()) {
    merge_into(slot->second, row);
    return;
  }
  queued.emplace(
      key, QueuedPeer{row.access_hash, row.updated_at, row.min, std::pmr::string(row.username, &arena_)});
  ++peer_rows;
}

const QueuedPeer* Batch::find_peer(std::string_view session, PeerKey key) const {
  auto it = peers.find(session);
  if (it == peers.end()) return nullptr;
  auto row = it->second.find(key);
  return row == it->second.end() ? nullptr : &row->second;
}

void Batch::add_journal(std::string_view session, std::string state_json, std::vector<JournalEntry> entries,
                        std::int64_t last_seq) {
  journal_entries += entries.size();
  auto it = journal.find(session);
  if (it == journal.end()) {
    journal.emplace(std::string(session), JournalUnit{std::move(state_json), std::move(entries), last_seq});
    return;
  }
  JournalUnit& unit = it->second;
  unit.state_json = std::move(state_json);
  unit.entries.insert(unit.entries.end(), std::make_move_iterator(entries.begin()),
                      std::make_move_iterator(entries.end()));
  unit.last_seq = last_seq;
}

std::size_t Batch::drop_journal(std::string_view session) {
  auto it = journal.find(session);
  if (it == journal.end()) return 0;
  std::size_t n = it->second.entries.size();
  journal_entries -= n;
  journal.erase(it);
  return n;
}

}  // namespace tgd::store
