#pragma once
// THE RULE of the peer cache (see PeerRow::min) in C++, for rows still in the write queue. The SQL
// upsert in writer.cpp says the same; a test checks that both agree on random sequences. merge_peer
// is associative (merge(merge(a, b), c) == merge(a, merge(b, c))), so rows queued for the same peer
// can be folded into one before the commit, and the fold can be applied over the stored row later.
#include <cctype>
#include <string_view>

#include "daemon/store/store.hpp"

namespace tgd::store {

// `incoming` saved over `existing` (same session, kind and id), in place. Templates because the queue
// keeps its rows in its own arena type (QueuedPeer); both have the fields used here.
template <class Existing, class Incoming>
void merge_into(Existing& existing, const Incoming& incoming) {
  // A min hash is only valid where it was seen: never let it replace a full one, and never let a
  // missing hash (0) replace a known one.
  if (!(incoming.min && (!existing.min || incoming.access_hash == 0)))
    existing.access_hash = incoming.access_hash;
  existing.min = existing.min && incoming.min;
  // Min objects may omit the username: absence there is not a removal.
  if (!(incoming.min && incoming.username.empty()))
    existing.username.assign(incoming.username.data(), incoming.username.size());
  existing.updated_at = incoming.updated_at;
}

inline PeerRow merge_peer(const PeerRow& existing, const PeerRow& incoming) {
  PeerRow merged = existing;
  merge_into(merged, incoming);
  return merged;
}

// Telegram usernames are ASCII, so ASCII case folding is Telegram's case-insensitivity (and SQLite's
// COLLATE NOCASE).
inline bool same_username(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace tgd::store
