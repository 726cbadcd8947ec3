#include "daemon/files/media_locator.hpp"

#include "daemon/files/file_names.hpp"
#include "daemon/files/media_find.hpp"
#include "protocol/tl/json_fields.hpp"
#include "protocol/tl/json_out.hpp"

namespace tgd::files {
namespace {

using detail::FoundMedia;
using detail::join;
using detail::name_of;
using simdjson::dom::element;

std::string_view string_field(const element& object, std::string_view key) {
  std::string_view value;
  return object[key].get(value) == simdjson::SUCCESS ? value : std::string_view{};
}

// The fields every document and photo reference carries: id, access_hash, file_reference.
struct Reference {
  std::int64_t id = 0;
  std::int64_t access_hash = 0;
  std::string_view file_reference;  // base64, as it came
};

std::variant<Reference, LocateError> reference_of(const element& object, const std::string& path) {
  Reference reference;
  const auto id = tl::int64_field(object, "id");
  if (!id) return LocateError{path, std::string(name_of(object)) + " has no id"};
  const auto access_hash = tl::int64_field(object, "access_hash");
  if (!access_hash) return LocateError{path, std::string(name_of(object)) + " has no access_hash"};
  if (object["file_reference"].get(reference.file_reference) != simdjson::SUCCESS)
    return LocateError{path, std::string(name_of(object)) + " has no file_reference"};
  reference.id = *id;
  reference.access_hash = *access_hash;
  return reference;
}

// {"id":"…","access_hash":"…","file_reference":"…"} after the constructor name.
std::string reference_json(std::string_view constructor, const Reference& reference) {
  std::string json = R"({"_":")";
  json += constructor;
  json += R"(","id":")" + std::to_string(reference.id);
  json += R"(","access_hash":")" + std::to_string(reference.access_hash);
  json += R"(","file_reference":)" + tl::json_quoted(reference.file_reference);
  return json;
}

std::string file_location(std::string_view constructor, const Reference& reference,
                          std::string_view thumb_size) {
  return reference_json(constructor, reference) + R"(,"thumb_size":)" + tl::json_quoted(thumb_size) + "}";
}

// The largest size of a photo that upload.getFile serves: photoSize (its size) and
// photoSizeProgressive (the last, full, of its sizes). Stripped, cached and path sizes are inline
// bytes, not files.
struct PhotoPick {
  std::string_view type;
  std::int64_t size = -1;
};

PhotoPick largest_size(const element& photo) {
  PhotoPick best;
  simdjson::dom::array sizes;
  if (photo["sizes"].get(sizes) != simdjson::SUCCESS) return best;
  for (element size : sizes) {
    const std::string_view kind = name_of(size);
    std::int64_t bytes = -1;
    if (kind == "photoSize") {
      if (size["size"].get(bytes) != simdjson::SUCCESS) continue;
    } else if (kind == "photoSizeProgressive") {
      simdjson::dom::array steps;
      if (size["sizes"].get(steps) != simdjson::SUCCESS) continue;
      for (element step : steps) {
        if (step.get(bytes) != simdjson::SUCCESS) bytes = -1;  // the last one counts
      }
    } else {
      continue;
    }
    if (bytes >= best.size) best = PhotoPick{string_field(size, "type"), bytes};
  }
  return best;
}

// documentAttributeFilename's name, else one made of the kind, the id and the MIME type's extension
// ("video_5123….mp4"); sanitized either way.
std::string document_name(const element& document, std::int64_t id, std::string_view mime_type) {
  simdjson::dom::array attributes;
  std::string_view kind = "document";
  std::string_view file_name;
  if (document["attributes"].get(attributes) == simdjson::SUCCESS) {
    for (element attribute : attributes) {
      const std::string_view name = name_of(attribute);
      bool set = false;
      if (name == "documentAttributeFilename") {
        file_name = string_field(attribute, "file_name");
      } else if (name == "documentAttributeSticker") {
        kind = "sticker";
      } else if (name == "documentAttributeVideo" && kind == "document") {
        kind = attribute["round_message"].get(set) == simdjson::SUCCESS && set ? "round_video" : "video";
      } else if (name == "documentAttributeAudio" && kind == "document") {
        kind = attribute["voice"].get(set) == simdjson::SUCCESS && set ? "voice" : "audio";
      } else if (name == "documentAttributeAnimated") {
        kind = "animation";
      }
    }
  }
  const std::string made_up =
      std::string(kind) + "_" + std::to_string(id) + std::string(extension_for_mime(mime_type));
  return sanitize_file_name(file_name, made_up);
}

std::variant<DownloadInfo, LocateError> document_info(const FoundMedia& found) {
  auto reference = reference_of(found.object, found.path);
  if (auto* error = std::get_if<LocateError>(&reference)) return std::move(*error);
  const Reference& ref = std::get<Reference>(reference);
  DownloadInfo info;
  info.kind = DownloadInfo::Kind::kDocument;
  info.id = ref.id;
  info.location = file_location("inputDocumentFileLocation", ref, "");
  std::int64_t dc = 0;
  if (found.object["dc_id"].get(dc) == simdjson::SUCCESS) info.dc_id = static_cast<std::int32_t>(dc);
  if (const auto size = tl::int64_field(found.object, "size"); size && *size > 0) info.size = size;
  info.mime_type = std::string(string_field(found.object, "mime_type"));
  info.file_name = document_name(found.object, ref.id, info.mime_type);
  return info;
}

std::variant<DownloadInfo, LocateError> photo_info(const FoundMedia& found) {
  auto reference = reference_of(found.object, found.path);
  if (auto* error = std::get_if<LocateError>(&reference)) return std::move(*error);
  const Reference& ref = std::get<Reference>(reference);
  const PhotoPick pick = largest_size(found.object);
  if (pick.type.empty())
    return LocateError{join(found.path, "sizes"),
                       "the photo has no downloadable size (only inline thumbnails)"};
  DownloadInfo info;
  info.kind = DownloadInfo::Kind::kPhoto;
  info.id = ref.id;
  info.location = file_location("inputPhotoFileLocation", ref, pick.type);
  std::int64_t dc = 0;
  if (found.object["dc_id"].get(dc) == simdjson::SUCCESS) info.dc_id = static_cast<std::int32_t>(dc);
  if (pick.size > 0) info.size = pick.size;
  info.mime_type = "image/jpeg";  // Telegram re-encodes every photo as JPEG
  info.file_name = "photo_" + std::to_string(ref.id) + ".jpg";
  return info;
}

std::variant<DownloadInfo, LocateError> location_info(const FoundMedia& found) {
  DownloadInfo info;
  const std::string_view name = name_of(found.object);
  info.location = simdjson::minify(found.object);
  info.id = tl::int64_field(found.object, "id").value_or(0);
  if (name == "inputDocumentFileLocation") {
    info.kind = DownloadInfo::Kind::kDocument;
    info.file_name = "document_" + std::to_string(info.id);
  } else if (name == "inputPhotoFileLocation") {
    info.kind = DownloadInfo::Kind::kPhoto;
    info.mime_type = "image/jpeg";
    info.file_name = "photo_" + std::to_string(info.id) + ".jpg";
  } else {
    info.file_name = "file";
  }
  return info;
}

std::variant<DownloadInfo, LocateError> info_of(const FoundMedia& found) {
  switch (found.kind) {
    case FoundMedia::Kind::kDocument:
      return document_info(found);
    case FoundMedia::Kind::kPhoto:
      return photo_info(found);
    case FoundMedia::Kind::kInputLocation:
      return location_info(found);
    case FoundMedia::Kind::kInputDocument: {
      auto reference = reference_of(found.object, found.path);
      if (auto* error = std::get_if<LocateError>(&reference)) return std::move(*error);
      DownloadInfo info;
      info.kind = DownloadInfo::Kind::kDocument;
      info.id = std::get<Reference>(reference).id;
      info.location = file_location("inputDocumentFileLocation", std::get<Reference>(reference), "");
      info.file_name = "document_" + std::to_string(info.id);
      return info;
    }
    case FoundMedia::Kind::kInputPhoto:
      break;
  }
  return LocateError{found.path,
                     "an inputPhoto does not say which size to download: pass the photo or its message"};
}

std::string resend_json(std::string_view media, std::string_view input, const Reference& reference,
                        bool spoiler) {
  std::string json = R"({"_":")";
  json += media;
  json += '"';
  if (spoiler) json += R"(,"spoiler":true)";
  json += R"(,"id":)" + reference_json(input, reference) + "}}";
  return json;
}

std::variant<std::string, LocateError> resend_of(const FoundMedia& found) {
  const std::string_view name = name_of(found.object);
  bool document = false;
  switch (found.kind) {
    case FoundMedia::Kind::kDocument:
    case FoundMedia::Kind::kInputDocument:
      document = true;
      break;
    case FoundMedia::Kind::kPhoto:
    case FoundMedia::Kind::kInputPhoto:
      break;
    case FoundMedia::Kind::kInputLocation:
      if (name == "inputDocumentFileLocation") {
        document = true;
      } else if (name != "inputPhotoFileLocation") {
        return LocateError{found.path, std::string(name) + " cannot be sent again as a message's media"};
      }
      break;
  }
  auto reference = reference_of(found.object, found.path);
  if (auto* error = std::get_if<LocateError>(&reference)) return std::move(*error);
  return document
             ? resend_json("inputMediaDocument", "inputDocument", std::get<Reference>(reference),
                           found.spoiler)
             : resend_json("inputMediaPhoto", "inputPhoto", std::get<Reference>(reference), found.spoiler);
}

template <typename Result, typename Fn>
Result with_parsed(std::string_view json, std::string_view root_path, Fn&& fn) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS)
    return LocateError{std::string(root_path), "not valid JSON"};
  return fn(root);
}

}  // namespace

std::variant<DownloadInfo, LocateError> locate_media(const element& root, std::string_view root_path) {
  auto found = detail::find_media(root, root_path);
  if (auto* error = std::get_if<LocateError>(&found)) return std::move(*error);
  auto info = info_of(std::get<FoundMedia>(found));
  if (auto* located = std::get_if<DownloadInfo>(&info)) located->origin = std::get<FoundMedia>(found).origin;
  return info;
}

std::variant<DownloadInfo, LocateError> locate_media(std::string_view json, std::string_view root_path) {
  return with_parsed<std::variant<DownloadInfo, LocateError>>(
      json, root_path, [&](const element& root) { return locate_media(root, root_path); });
}

std::variant<std::string, LocateError> input_media_for_resend(const element& root,
                                                              std::string_view root_path) {
  const std::string_view name = name_of(root);
  if (name.starts_with("inputMedia")) return simdjson::minify(root);  // already what sendMedia takes
  auto found = detail::find_media(root, root_path);
  if (auto* error = std::get_if<LocateError>(&found)) return std::move(*error);
  return resend_of(std::get<FoundMedia>(found));
}

std::variant<std::string, LocateError> input_media_for_resend(std::string_view json,
                                                              std::string_view root_path) {
  return with_parsed<std::variant<std::string, LocateError>>(
      json, root_path, [&](const element& root) { return input_media_for_resend(root, root_path); });
}

std::string DownloadInfo::to_json() const {
  std::string json = R"({"kind":")";
  json += kind == Kind::kDocument ? "document" : kind == Kind::kPhoto ? "photo" : "other";
  json += R"(","location":)" + location;
  json += R"(,"dc_id":)" + std::to_string(dc_id);
  json += R"(,"size":)" + (size ? std::to_string(*size) : std::string("null"));
  json += R"(,"file_name":)" + tl::json_quoted(file_name);
  json += R"(,"mime_type":)" + tl::json_quoted(mime_type);
  json += R"(,"id":")" + std::to_string(id) + '"';
  if (origin) {
    json += R"(,"origin":{"peer":)" + (origin->peer_json.empty() ? std::string("null") : origin->peer_json);
    json += R"(,"message_id":)" + std::to_string(origin->message_id);
    json += R"(,"scheduled":)" + std::string(origin->scheduled ? "true" : "false") + "}";
  }
  json += '}';
  return json;
}

}  // namespace tgd::files
