#pragma once
// Internal to media_locator: the walk from whatever holds media down to the object that names the
// file (a document, a photo, an input location), with the message it came from on the way.
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/files/media_locator.hpp"

namespace tgd::files::detail {

struct FoundMedia {
  enum class Kind { kDocument, kPhoto, kInputLocation, kInputDocument, kInputPhoto };
  Kind kind = Kind::kDocument;
  simdjson::dom::element object;  // the document, photo, InputFileLocation, inputDocument or inputPhoto
  std::string path;
  std::optional<MessageOrigin> origin;
  bool spoiler = false;
};

std::variant<FoundMedia, LocateError> find_media(const simdjson::dom::element& root,
                                                 std::string_view root_path);

std::string_view name_of(const simdjson::dom::element& object);  // its "_", or ""
std::string join(std::string_view path, std::string_view key);

}  // namespace tgd::files::detail
