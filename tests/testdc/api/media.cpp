// messages.sendMedia and messages.uploadMedia: photos and documents from uploaded files
// (inputMediaUploadedDocument / inputMediaUploadedPhoto) or re-sent without uploading again
// (inputMediaDocument / inputMediaPhoto with id, access hash and file reference).
#include <simdjson.h>

#include "tests/testdc/api/actions.hpp"
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

// Telegram's caption limit for non-premium accounts, in UTF-16 units.
constexpr std::size_t kMaxCaption = 1024;

// An InputFile of this account's uploads (file_store.hpp has the rules).
std::variant<std::shared_ptr<const FileBlob>, ApiError> input_file(Call& c, simdjson::dom::element file) {
  const std::string_view kind = constructor(file);
  const bool big = kind == "inputFileBig";
  if (!big && kind != "inputFile") return error(400, "MEDIA_INVALID");
  const std::string_view md5 = big ? std::string_view() : param_string(file, "md5_checksum");
  return c.world.files().take_upload(c.self->id, big, param_int(file, "id"),
                                     static_cast<int>(param_int(file, "parts")), md5);
}

// The document's attributes as given, plus a file name from the InputFile when none is given.
std::string document_attributes(simdjson::dom::element media) {
  simdjson::dom::array list = media["attributes"].get_array().value();
  bool named = false;
  for (simdjson::dom::element a : list) named = named || constructor(a) == "documentAttributeFilename";
  std::string out = simdjson::minify(list);
  const std::string_view name = param_string(media["file"].value(), "name");
  if (named || name.empty()) return out;
  out.pop_back();
  if (out.size() > 1) out += ",";
  return out + R"({"_":"documentAttributeFilename","file_name":)" + jstr(name) + "}]";
}

// inputDocument / inputPhoto: the media this viewer was shown, with a valid reference.
std::variant<const Media*, ApiError> existing_media(Call& c, simdjson::dom::element input, MediaKind kind) {
  const std::string_view ctor = constructor(input);
  if (ctor != "inputDocument" && ctor != "inputPhoto") return error(400, "MEDIA_EMPTY");
  FileStore& files = c.world.files();
  const Media* m = files.find_media(kind, param_int(input, "id"));
  if (!m || files.access_hash(c.self->id, *m) != param_int(input, "access_hash"))
    return error(400, "MEDIA_EMPTY");
  const Bytes reference = param_bytes(input, "file_reference");
  if (auto e = files.references().check(m->id, reference, World::now())) return error(400, *e);
  return m;
}

std::variant<const Media*, ApiError> input_media(Call& c, simdjson::dom::element media) {
  const std::string_view kind = constructor(media);
  if (kind == "inputMediaDocument") return existing_media(c, media["id"].value(), MediaKind::kDocument);
  if (kind == "inputMediaPhoto") return existing_media(c, media["id"].value(), MediaKind::kPhoto);
  const bool photo = kind == "inputMediaUploadedPhoto";
  if (!photo && kind != "inputMediaUploadedDocument") return error(400, "MEDIA_INVALID");
  auto file = input_file(c, media["file"].value());
  if (auto* e = std::get_if<ApiError>(&file)) return *e;
  auto blob = std::get<std::shared_ptr<const FileBlob>>(std::move(file));
  if (photo) return &c.world.files().add_media(MediaKind::kPhoto, std::move(blob));
  std::string mime(param_string(media, "mime_type"));
  if (mime.empty()) mime = "application/octet-stream";
  return &c.world.files().add_media(MediaKind::kDocument, std::move(blob), std::move(mime),
                                    document_attributes(media));
}

Reply send_media(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto peer = resolve_input_peer(c, c.params["peer"].value());
  if (auto* e = std::get_if<ApiError>(&peer)) return *e;
  const PeerRef to = std::get<PeerRef>(peer);
  const std::string_view caption = param_string(c.params, "message");
  if (utf16_length(caption) > kMaxCaption) return error(400, "MEDIA_CAPTION_TOO_LONG");
  auto parsed = parse_entities(c, caption);
  if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
  std::string entities = std::get<SentEntities>(std::move(parsed)).json;
  const std::int64_t random_id = param_int(c.params, "random_id");
  Account& self = *c.self;
  const bool silent = param_flag(c.params, "silent");
  Channel* ch = to.kind == PeerRef::Kind::kChannel ? c.world.find_channel(to.id) : nullptr;
  Account* target = ch ? nullptr : c.world.find_account(to.id);
  if (ch && !ch->members.count(self.id)) return error(400, "CHANNEL_PRIVATE");
  if (ch && ch->broadcast && ch->creator != self.id) return error(403, "CHAT_ADMIN_REQUIRED");
  if (target && self.bot && target->bot && target->id != self.id) return error(400, "USER_IS_BOT");
  if (self.random_ids.count(random_id)) return error(500, "RANDOM_ID_DUPLICATE");
  auto media = input_media(c, c.params["media"].value());
  if (auto* e = std::get_if<ApiError>(&media)) return *e;
  const Media& m = *std::get<const Media*>(media);
  self.random_ids.insert(random_id);
  if (ch) {
    const Message& posted = post_to_channel(c.world, *ch, self, std::string(caption), silent, c.session(), &m,
                                            std::move(entities));
    return channel_updates_json(c.world, self.id, *ch,
                                R"({"_":"updateMessageID","id":)" + std::to_string(posted.id) +
                                    R"(,"random_id":)" + long_str(random_id) + "},",
                                posted);
  }
  return send_private_media(c.world, self, *target, std::string(caption), m, silent, random_id, c.session(),
                            std::move(entities))
      .answer;
}

// The media, stored but not sent (to send later, or to several chats, with inputMediaDocument /
// inputMediaPhoto).
Reply upload_media(Call& c) {
  if (auto e = c.require_account()) return *e;
  auto peer = resolve_input_peer(c, c.params["peer"].value());
  if (auto* e = std::get_if<ApiError>(&peer)) return *e;
  auto media = input_media(c, c.params["media"].value());
  if (auto* e = std::get_if<ApiError>(&media)) return *e;
  return message_media_json(c.world, *std::get<const Media*>(media), c.self->id);
}

}  // namespace

void register_media(Handlers& h) {
  h["messages.sendMedia"] = send_media;
  h["messages.uploadMedia"] = upload_media;
}

}  // namespace tgd::testdc::api
