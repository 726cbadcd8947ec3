#pragma once
// What the engine works on once the input JSON is parsed: containers of items, each item one
// update (already in its emitted form) with the sequence it belongs to and its position there.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tgd::updates {

// Which sequence an update advances (facts §7.2).
enum class BoxKind : std::uint8_t {
  None,     // no pts/qts: applied in any order (typing, user status, ...)
  Common,   // pts of private chats and basic groups
  Qts,      // qts of the secondary box (secret chats, some bot updates)
  Channel,  // the pts of channel_id
};

enum class ItemKind : std::uint8_t {
  Update,          // emitted when applied (nothing to emit when json is empty: affectedMessages)
  ChannelTooLong,  // updateChannelTooLong: fetch that channel's difference
  Incomplete,      // a short form the engine cannot expand: its pts range is fetched with getDifference
};

// The users and chats of one container, as the items of their JSON arrays (no brackets), shared by
// the container's items so an item held back still brings them along.
struct Peers {
  std::string users;
  std::string chats;
};

struct Item {
  std::string json;  // the full Update object
  ItemKind kind = ItemKind::Update;
  BoxKind box = BoxKind::None;
  std::int64_t channel_id = 0;
  std::int32_t pts = 0;      // pts (or qts) after the update; 0 with ChannelTooLong: none given
  std::int32_t count = 0;    // pts_count; 1 for qts
  std::uint8_t fetches = 0;  // differences completed while it was held (bounds the waiting)
  std::shared_ptr<const Peers> peers;
};

struct Container {
  std::vector<Item> items;
  std::int32_t seq_start = 0;  // 0: no seq check
  std::int32_t seq = 0;
  std::int32_t date = 0;
  bool too_long = false;     // updatesTooLong
  std::uint8_t fetches = 0;  // differences completed while it was held for seq
};

}  // namespace tgd::updates
