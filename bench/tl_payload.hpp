#pragma once
// A realistic messages.messages answer in tgd's JSON form: 100 messages (text with entities and
// emoji, replies, forwards, photos and documents, reactions), with their users and chats.
#include <string>

namespace tgd::bench {

std::string realistic_messages_json(int messages = 100);

}  // namespace tgd::bench
