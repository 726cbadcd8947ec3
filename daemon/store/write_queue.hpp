#pragma once
// What the write calls put in the queue, and what the writer commits in one transaction: a Batch.
// Internal to daemon/store/.
//
// Session and key operations keep their order (`ops`). Peer rows (and journal units) are coalesced per
// (session, kind, id) with merge_into and written after `ops`, which is equivalent to writing them in call
// order because:
//   - remove_session drops the session's queued peers (the delete would remove them anyway), so the
//     peers left for a removed session were all saved after the removal;
//   - a session is saved before its peers, so putting peers after `ops` never moves them before
//     the save of their session.
//
// Memory: the peer rows, the bulk of a batch, live in the batch's own monotonic arena, and batches
// are recycled (pending -> being committed -> reset -> pending), so that in a steady state the rows
// cost no malloc and no free at all. Freeing tens of thousands of heap nodes on the writer thread,
// as plain containers would, takes glibc's arena lock as many times and stalls the event loop's own
// malloc calls (measured: up to 3 ms). The arena's first block is reused by every reset; rows
// beyond it go to larger blocks released at the reset, a few frees per batch.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <memory_resource>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "daemon/store/store.hpp"

namespace tgd::store {

struct SaveSessionOp {
  SessionRow row;
};
struct RemoveSessionOp {
  std::string name;
};
struct SaveAuthKeyOp {
  std::string session;
  AuthKeyRow row;
};
struct RemoveAuthKeyOp {
  std::string session;
  std::int32_t dc_id = 0;
};
using Op = std::variant<SaveSessionOp, RemoveSessionOp, SaveAuthKeyOp, RemoveAuthKeyOp>;

struct PeerKey {
  PeerKind kind;
  std::int64_t id;
  bool operator==(const PeerKey&) const = default;
};
struct PeerKeyHash {
  std::size_t operator()(const PeerKey& k) const noexcept {
    return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(k.id) * 4 +
                                      static_cast<std::uint64_t>(k.kind));
  }
};

// A PeerRow (without its key) in the batch's arena.
struct QueuedPeer {
  std::int64_t access_hash = 0;
  std::int64_t updated_at = 0;
  bool min = false;
  std::pmr::string username;

  PeerRow row(PeerKey key) const {
    return PeerRow{key.id, key.kind, access_hash, min, std::string(username), updated_at};
  }
};

using SessionPeers = std::pmr::unordered_map<PeerKey, QueuedPeer, PeerKeyHash>;

// The append_updates() calls of one session in one batch, merged: their entries in order and the
// state after the last. Committed as one unit (a savepoint): all of it, or none.
struct JournalUnit {
  std::string state_json;
  std::vector<JournalEntry> entries;
  std::int64_t last_seq = 0;  // the session's last seq after the unit (update_state.last_seq)
};

class Batch {
 public:
  Batch();
  Batch(const Batch&) = delete;  // the containers point into the arena: pass Batches by unique_ptr
  Batch& operator=(const Batch&) = delete;
  ~Batch();  // wipes the queued key bytes

  bool empty() const { return ops.empty() && peers.empty() && journal.empty(); }
  std::size_t rows() const { return ops.size() + peer_rows + journal.size() + journal_entries; }
  // Whether the batch carries sessions or keys: those are committed with synchronous=FULL.
  bool has_ops() const { return !ops.empty(); }

  void add(Op op);
  void add_peer(std::string_view session, const PeerRow& row);
  const QueuedPeer* find_peer(std::string_view session, PeerKey key) const;
  // Merges the call into the session's unit; the caller checked the seqs.
  void add_journal(std::string_view session, std::string state_json, std::vector<JournalEntry> entries,
                   std::int64_t last_seq);
  // Drops the session's unit; the number of entries it held.
  std::size_t drop_journal(std::string_view session);

  // Empties the batch for reuse (wiping the key bytes), keeping the arena's first block.
  void reset();

 private:
  static constexpr std::size_t kFirstBlock = 1 << 20;  // about 8,000 peer rows; touched lazily
  std::unique_ptr<std::byte[]> first_block_;
  std::pmr::monotonic_buffer_resource arena_;  // before the containers that use it

 public:
  std::vector<Op> ops;
  std::pmr::map<std::pmr::string, SessionPeers, std::less<>> peers{&arena_};  // applied after ops
  std::set<std::string, std::less<>> removed;                                 // sessions removed by ops
  std::size_t peer_rows = 0;                                                  // sum of peers[*].size()
  // Applied after ops, like peers (remove_session drops the session's unit: see above). Plain heap
  // containers: the entries' strings come from the caller, moved in, not copied into an arena.
  std::map<std::string, JournalUnit, std::less<>> journal;
  std::size_t journal_entries = 0;  // sum of journal[*].entries.size()

 private:
  void wipe_keys();
};

}  // namespace tgd::store
