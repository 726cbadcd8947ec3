#pragma once
// What to download, from whatever holds media (issue #7: "accepts whatever holds media, as the
// seed's download_to_dir($update, …) does"): an update (updateNewMessage, updateEditMessage,
// updateNewChannelMessage…, or tgd's own {"update":{…}} notification params / getUpdates entries),
// an Updates result (updates, updatesCombined, updateShort, updateShortSentMessage: the first message
// with media), messages.Messages, a message, a MessageMedia (document, photo, game, story), a
// Document, a Photo, an InputDocument, or an InputFileLocation. All in tgd's JSON form.
//
// locate_media() gives the upload.getFile location and what getDownloadInfo reports;
// input_media_for_resend() gives the InputMedia that sends the same file again without uploading it
// (core.telegram.org/api/files, "Resending existing files").
// Errors name the JSON path of the object at fault, e.g. `params.file.message: the message holds no
// media`.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tgd::files {

// Where a file reference came from, so an expired one can be refreshed by fetching the message again
// (core.telegram.org/api/file_reference): messages.getMessages or channels.getMessages with
// message_id (messages.getScheduledMessages when `scheduled`).
struct MessageOrigin {
  enum class PeerKind { kUnknown, kUser, kChat, kChannel };
  PeerKind peer_kind = PeerKind::kUnknown;  // kUnknown: updateShortSentMessage names no chat
  std::int64_t peer_id = 0;
  std::string peer_json;  // the message's peer_id (a Peer object) as it came, "" when unknown
  std::int32_t message_id = 0;
  bool scheduled = false;
};

struct DownloadInfo {
  enum class Kind { kDocument, kPhoto, kOther };
  Kind kind = Kind::kOther;
  std::string location;              // the InputFileLocation, JSON
  std::int32_t dc_id = 0;            // the file's DC; 0 when unknown (an InputFileLocation was given)
  std::optional<std::int64_t> size;  // nullopt when unknown (or given as 0)
  std::string file_name;             // from documentAttributeFilename, else made up; always sanitized
  std::string mime_type;             // "" when unknown
  std::int64_t id = 0;               // the document's or photo's id, 0 when unknown
  std::optional<MessageOrigin> origin;

  // getDownloadInfo's answer: {"kind","location","dc_id","size","file_name","mime_type","id","origin"}.
  std::string to_json() const;
};

struct LocateError {
  std::string path;     // JSON path of the object at fault ("" for the root)
  std::string message;  // without the path
  std::string text() const { return path.empty() ? message : path + ": " + message; }
};

// root_path prefixes every path in errors (e.g. "params.file").
std::variant<DownloadInfo, LocateError> locate_media(const simdjson::dom::element& root,
                                                     std::string_view root_path = "");
std::variant<DownloadInfo, LocateError> locate_media(std::string_view json, std::string_view root_path = "");

// inputMediaDocument / inputMediaPhoto JSON (with the spoiler flag of the media it came from). An
// InputMedia given as such is returned unchanged.
std::variant<std::string, LocateError> input_media_for_resend(const simdjson::dom::element& root,
                                                              std::string_view root_path = "");
std::variant<std::string, LocateError> input_media_for_resend(std::string_view json,
                                                              std::string_view root_path = "");

}  // namespace tgd::files
