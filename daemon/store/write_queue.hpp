#pragma once
// What the write calls put in the queue, and what the writer commits in one transaction: a Batch.
// Internal to daemon/store/.
//
// Session and key operations keep their order (`ops`). Peer rows are coalesced per (session, kind,
// id) with merge_peer and written after `ops`, which is equivalent to writing them in call order
// because:
//   - remove_session drops the session's queued peers (the delete would remove them anyway), so the
//     peers left for a removed session were all saved after the removal;
//   - a session is saved before its peers, so putting peers after `ops` never moves them before
//     the save of their session.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
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
using SessionPeers = std::unordered_map<PeerKey, PeerRow, PeerKeyHash>;

struct Batch {
  std::vector<Op> ops;
  std::map<std::string, SessionPeers, std::less<>> peers;  // applied after ops
  std::set<std::string, std::less<>> removed;              // sessions removed by ops
  std::size_t peer_rows = 0;                               // sum of peers[*].size()

  bool empty() const { return ops.empty() && peers.empty(); }
  std::size_t rows() const { return ops.size() + peer_rows; }
  // Whether ops carry sessions or keys: those batches are committed with synchronous=FULL.
  bool has_ops() const { return !ops.empty(); }

  void add(Op op);
  void add_peer(const std::string& session, PeerRow row);
  const PeerRow* find_peer(std::string_view session, PeerKey key) const;
  // Overwrites queued key bytes before the memory is freed.
  void wipe_and_clear();
};

}  // namespace tgd::store
