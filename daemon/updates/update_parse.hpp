#pragma once
// Input JSON -> Containers: pushed Updates objects and the results of API calls that carry
// updates (facts §7.1), with the short forms expanded (short_forms.hpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "daemon/updates/json_read.hpp"
#include "daemon/updates/update_item.hpp"

namespace tgd::updates {

// One Update object: its box and position, and its JSON as emitted (compact).
Item classify_update(const element& update, std::shared_ptr<const Peers> peers);

// The Users/Chats arrays of `object` (an Updates container or a difference); nullptr when empty.
std::shared_ptr<const Peers> peers_of(const element& object);

// An Updates object (updates, updatesCombined, updateShort, updateShortMessage,
// updateShortChatMessage, updatesTooLong, updateShortSentMessage). `sent_call` is the method and
// params of the call it answers, if any (for updateShortSentMessage). nullopt: not an Updates.
struct SentCall {
  std::string_view method;
  const element* params = nullptr;
};
std::optional<Container> parse_updates(const element& root, std::int64_t self_user_id,
                                       const SentCall& sent_call = {});

// messages.affectedMessages / affectedHistory / affectedFoundMessages: a pts-only item in the box
// of the call's peer or channel (channels.deleteMessages answers for the channel's box).
std::optional<Container> parse_affected(const element& root, const element* params);

}  // namespace tgd::updates
