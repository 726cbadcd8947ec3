#pragma once
// The TL bytes of the pushes private messages make, written directly: building JSON and encoding
// it with the TL codec was most of a flood's cost. Only these shapes (private text messages, never
// edited); the API tests check each against the JSON path's encoding byte for byte.
#include <cstdint>

#include "protocol/base/bytes.hpp"
#include "tests/testdc/world.hpp"

namespace tgd::testdc {

// updateShortMessage for `m` (a private text message of the viewer's box with `other`).
Bytes short_message_bytes(const Message& m, std::int64_t other, int pts);

// updates{updates: [updateNewMessage...], users, chats: [], date, seq}, built in two steps:
// begin_updates, then append_new_message per message, then finish_updates with the users vector
// (World::encode_users) — the vector's count is patched in at the end.
void begin_updates(Bytes& out);
void append_new_message(Bytes& out, const Message& m, int pts);
void finish_updates(Bytes& out, const Bytes& users_vector, std::int32_t date, int seq);

}  // namespace tgd::testdc
