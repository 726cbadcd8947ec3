#include "daemon/files/media_find.hpp"

#include <array>

#include "protocol/tl/json_fields.hpp"

namespace tgd::files::detail {
namespace {

using simdjson::dom::element;

constexpr int kMaxDepth = 32;  // updates → update → message → media → document is 5

// InputFileLocation constructors (api.tl): given directly, they are the location.
constexpr std::array<std::string_view, 10> kInputLocations{
    "inputDocumentFileLocation", "inputPhotoFileLocation",       "inputPeerPhotoFileLocation",
    "inputFileLocation",         "inputPhotoLegacyFileLocation", "inputEncryptedFileLocation",
    "inputSecureFileLocation",   "inputStickerSetThumb",         "inputGroupCallStream",
    "inputTakeoutFileLocation"};

// Updates whose "message" field holds a Message.
constexpr std::array<std::string_view, 8> kMessageUpdates{"updateNewMessage",
                                                          "updateEditMessage",
                                                          "updateNewChannelMessage",
                                                          "updateEditChannelMessage",
                                                          "updateNewScheduledMessage",
                                                          "updateQuickReplyMessage",
                                                          "updateBotNewBusinessMessage",
                                                          "updateBotEditBusinessMessage"};

template <std::size_t N>
bool one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  for (std::string_view candidate : names) {
    if (candidate == name) return true;
  }
  return false;
}

std::optional<element> field(const element& object, std::string_view key) {
  element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  return value;
}

bool flag(const element& object, std::string_view key) {
  bool value = false;
  return object[key].get(value) == simdjson::SUCCESS && value;
}

std::string_view type_name(const element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    default:
      return "a number";
  }
}

MessageOrigin origin_of(const element& message, bool scheduled) {
  MessageOrigin origin;
  std::int64_t id = 0;
  if (message["id"].get(id) == simdjson::SUCCESS) origin.message_id = static_cast<std::int32_t>(id);
  origin.scheduled = scheduled;
  if (auto peer = field(message, "peer_id")) {
    origin.peer_json = simdjson::minify(*peer);
    const std::string_view kind = name_of(*peer);
    if (kind == "peerUser") {
      origin.peer_kind = MessageOrigin::PeerKind::kUser;
      origin.peer_id = tl::int64_field(*peer, "user_id").value_or(0);
    } else if (kind == "peerChat") {
      origin.peer_kind = MessageOrigin::PeerKind::kChat;
      origin.peer_id = tl::int64_field(*peer, "chat_id").value_or(0);
    } else if (kind == "peerChannel") {
      origin.peer_kind = MessageOrigin::PeerKind::kChannel;
      origin.peer_id = tl::int64_field(*peer, "channel_id").value_or(0);
    }
  }
  return origin;
}

class Finder {
 public:
  std::variant<FoundMedia, LocateError> find(const element& e, const std::string& path, int depth) {
    if (depth > kMaxDepth) return LocateError{path, "nested too deeply"};
    if (e.is_array()) return first_with_media(e, path, depth, "items");
    if (!e.is_object())
      return LocateError{path, "expected an object holding media, got " + std::string(type_name(e))};

    const std::string_view name = name_of(e);
    if (name.empty()) {
      // tgd's update notification params and getUpdates entries wrap the update; getUpdates' result
      // holds a list of them.
      if (auto update = field(e, "update")) return find(*update, join(path, "update"), depth + 1);
      if (auto updates = field(e, "updates"); updates && updates->is_array())
        return first_with_media(*updates, join(path, "updates"), depth + 1, "updates");
      return LocateError{path, "the object names no TL constructor (no \"_\") and holds no \"update\""};
    }
    const std::string_view message_holders[] = {"messages.messages", "messages.messagesSlice",
                                                "messages.channelMessages"};
    if (name == "updates" || name == "updatesCombined") return in_list(e, "updates", path, depth, "updates");
    for (std::string_view holder : message_holders) {
      if (name == holder) return in_list(e, "messages", path, depth, "messages");
    }
    if (name == "updateShort") return inside(e, "update", path, depth, "updateShort holds no update");
    if (name == "updateShortSentMessage") {
      // sendMedia's short answer: the media, and the message id without the chat.
      MessageOrigin origin;
      std::int64_t id = 0;
      if (e["id"].get(id) == simdjson::SUCCESS) origin.message_id = static_cast<std::int32_t>(id);
      origin_ = origin;
      return inside(e, "media", path, depth, "updateShortSentMessage holds no media");
    }
    if (name == "updateShortMessage" || name == "updateShortChatMessage")
      return LocateError{path, std::string(name) + " is a text message: it holds no media"};
    if (one_of(name, kMessageUpdates)) {
      scheduled_ = name == "updateNewScheduledMessage";
      return inside(e, "message", path, depth, std::string(name) + " holds no message");
    }
    if (name == "message") {
      origin_ = origin_of(e, scheduled_);
      return inside(e, "media", path, depth, "the message holds no media");
    }
    if (name == "messageService") return LocateError{path, "a service message holds no media"};
    if (name == "messageEmpty")
      return LocateError{path, "the message is empty (messageEmpty): deleted or inaccessible"};
    if (name == "messageMediaEmpty")
      return LocateError{path, "the message's media is empty (messageMediaEmpty)"};
    if (name == "messageMediaDocument") {
      spoiler_ = flag(e, "spoiler");
      return inside(e, "document", path, depth,
                    "messageMediaDocument holds no document (it expired or was a self-destructing one)");
    }
    if (name == "messageMediaPhoto") {
      spoiler_ = flag(e, "spoiler");
      return inside(e, "photo", path, depth,
                    "messageMediaPhoto holds no photo (it expired or was a self-destructing one)");
    }
    if (name == "messageMediaWebPage")
      return LocateError{path, "messageMediaWebPage has no downloadable file"};
    if (name == "messageMediaGame") {
      const auto game = field(e, "game");
      if (!game) return LocateError{path, "messageMediaGame holds no game"};
      if (field(*game, "document")) return inside(*game, "document", join(path, "game"), depth + 1, "");
      return inside(*game, "photo", join(path, "game"), depth + 1, "the game holds no photo");
    }
    if (name == "messageMediaStory")
      return inside(e, "story", path, depth, "messageMediaStory does not include the story (only its id)");
    if (name == "storyItem") return inside(e, "media", path, depth, "the story holds no media");
    if (name == "inputMediaDocument" || name == "inputMediaPhoto") {
      spoiler_ = flag(e, "spoiler");
      return inside(e, "id", path, depth, std::string(name) + " holds no id");
    }
    if (name == "document") return found(FoundMedia::Kind::kDocument, e, path);
    if (name == "photo") return found(FoundMedia::Kind::kPhoto, e, path);
    if (name == "inputDocument") return found(FoundMedia::Kind::kInputDocument, e, path);
    if (name == "inputPhoto") return found(FoundMedia::Kind::kInputPhoto, e, path);
    if (one_of(name, kInputLocations)) return found(FoundMedia::Kind::kInputLocation, e, path);
    if (name == "documentEmpty") return LocateError{path, "the document is empty (documentEmpty)"};
    if (name == "photoEmpty") return LocateError{path, "the photo is empty (photoEmpty)"};
    if (name.starts_with("messageMedia"))
      return LocateError{path, std::string(name) + " has no downloadable file"};
    return LocateError{path, "the object holds no media (" + std::string(name) + ")"};
  }

 private:
  FoundMedia found(FoundMedia::Kind kind, const element& e, const std::string& path) {
    return FoundMedia{kind, e, path, origin_, spoiler_};
  }

  std::variant<FoundMedia, LocateError> inside(const element& e, std::string_view key,
                                               const std::string& path, int depth, std::string missing) {
    const auto value = field(e, key);
    if (!value) return LocateError{path, std::move(missing)};
    return find(*value, join(path, key), depth + 1);
  }

  std::variant<FoundMedia, LocateError> in_list(const element& e, std::string_view key,
                                                const std::string& path, int depth, std::string_view what) {
    const auto list = field(e, key);
    if (!list || !list->is_array())
      return LocateError{path, std::string(name_of(e)) + " has no " + std::string(key) + " list"};
    return first_with_media(*list, join(path, key), depth + 1, what);
  }

  // The first item holding media; the walk state (origin, flags) is reset for each item.
  std::variant<FoundMedia, LocateError> first_with_media(const element& list, const std::string& path,
                                                         int depth, std::string_view what) {
    simdjson::dom::array array = list.get_array().value_unsafe();
    std::size_t index = 0;
    for (element item : array) {
      *this = Finder{};
      auto result = find(item, path + "[" + std::to_string(index) + "]", depth + 1);
      if (std::holds_alternative<FoundMedia>(result)) return result;
      ++index;
    }
    if (index == 0)
      return LocateError{path, "the " + std::string(what) + " list is empty: it holds no media"};
    return LocateError{path,
                       "none of the " + std::to_string(index) + " " + std::string(what) + " holds media"};
  }

  std::optional<MessageOrigin> origin_;
  bool scheduled_ = false;
  bool spoiler_ = false;
};

}  // namespace

std::string_view name_of(const element& object) {
  std::string_view name;
  return object["_"].get(name) == simdjson::SUCCESS ? name : std::string_view{};
}

std::string join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::variant<FoundMedia, LocateError> find_media(const element& root, std::string_view root_path) {
  Finder finder;
  return finder.find(root, std::string(root_path), 0);
}

}  // namespace tgd::files::detail
