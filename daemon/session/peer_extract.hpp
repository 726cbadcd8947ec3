#pragma once
// The peer cache is fed from every users/chats vector a session receives: this finds the user,
// chat and channel objects anywhere in a decoded answer or update (tgd's JSON form) and turns them
// into store rows (id, kind, access_hash, min, username).
#include <string_view>
#include <vector>

#include "daemon/store/store.hpp"

namespace tgd::session {

// Appends the peers found in `json` (any JSON text; nothing for text that does not parse).
void extract_peers(std::string_view json, std::vector<store::PeerRow>& out);

}  // namespace tgd::session
