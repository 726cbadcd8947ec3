// upload.*: saving parts, downloading documents and photos from the files DC, part hashes.
// Download rules: core.telegram.org/api/files "Downloading files" (facts §8.2).
#include "tests/testdc/api/files.hpp"

#include <algorithm>
#include <cstring>

#include "protocol/base/base64.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::testdc::api {
namespace {

constexpr std::int64_t kChunk = 1 << 20;  // a request never crosses a 1 MiB boundary
constexpr std::uint32_t kBoolTrue = 0x997275b5;
constexpr std::uint32_t kUploadFile = 0x096a18d5;
constexpr std::int64_t kHashPart = 128 * 1024;  // upload.getFileHashes: one hash per 128 KiB
constexpr int kHashesPerCall = 8;

// storage.FileType: from the MIME type for the first part, filePartial ("part of a bigger file")
// for the others.
std::uint32_t storage_type(const Media& m, std::int64_t offset) {
  if (offset > 0) return 0x40bc6f52;                   // storage.filePartial
  if (m.kind == MediaKind::kPhoto) return 0x007efe0e;  // storage.fileJpeg
  const std::string_view mime = m.mime_type;
  if (mime == "image/jpeg") return 0x007efe0e;
  if (mime == "image/png") return 0x0a4f63c0;
  if (mime == "image/gif") return 0xcae1aadf;
  if (mime == "image/webp") return 0x1081464c;
  if (mime == "application/pdf") return 0xae1e508d;
  if (mime == "audio/mpeg") return 0x528a0677;
  if (mime == "video/quicktime") return 0x4b09ebbc;
  if (mime == "video/mp4") return 0xb3cea0e4;
  return 0xaa963b05;  // storage.fileUnknown
}

// The location's media for this viewer on this DC, with a valid reference.
std::variant<const Media*, ApiError> resolve_location(Call& c, const FileLocation& location) {
  FileStore& files = c.world.files();
  const Media* m = files.find_media(location.kind, location.id);
  if (!m || files.access_hash(c.self->id, *m) != location.access_hash) return error(400, "FILE_ID_INVALID");
  // Documents have no thumbnails here; a photo has one size, "x".
  if (location.thumb_size != (location.kind == MediaKind::kPhoto ? "x" : "")) {
    return error(400, "LOCATION_INVALID");
  }
  if (c.ctx.dc != m->dc) return error(303, "FILE_MIGRATE_" + std::to_string(m->dc));
  if (auto e = files.references().check(m->id, location.file_reference, World::now())) return error(400, *e);
  return m;
}

std::optional<FileLocation> location_param(simdjson::dom::element loc, Bytes& reference) {
  const std::string_view kind = constructor(loc);
  if (kind != "inputDocumentFileLocation" && kind != "inputPhotoFileLocation") return std::nullopt;
  reference = param_bytes(loc, "file_reference");
  return FileLocation{kind == "inputPhotoFileLocation" ? MediaKind::kPhoto : MediaKind::kDocument,
                      param_int(loc, "id"), param_int(loc, "access_hash"), reference,
                      param_string(loc, "thumb_size")};
}

Reply save_file_part_json(Call& c) {
  const Bytes bytes = param_bytes(c.params, "bytes");
  return save_file_part(c, param_int(c.params, "file_id"), static_cast<int>(param_int(c.params, "file_part")),
                        std::nullopt, bytes);
}

Reply save_big_file_part_json(Call& c) {
  const Bytes bytes = param_bytes(c.params, "bytes");
  return save_file_part(c, param_int(c.params, "file_id"), static_cast<int>(param_int(c.params, "file_part")),
                        static_cast<int>(param_int(c.params, "file_total_parts")), bytes);
}

Reply get_file_json(Call& c) {
  if (auto e = c.require_account()) return *e;
  Bytes reference;
  const auto location = location_param(c.params["location"].value(), reference);
  if (!location) return error(400, "LOCATION_INVALID");
  return get_file(c, *location, param_int(c.params, "offset"), param_int(c.params, "limit"),
                  param_flag(c.params, "precise"));
}

// SHA-256 of the 128 KiB pieces from `offset` (rounded down to one) on, a few at a time.
Reply get_file_hashes(Call& c) {
  if (auto e = c.require_account()) return *e;
  Bytes reference;
  const auto location = location_param(c.params["location"].value(), reference);
  if (!location) return error(400, "LOCATION_INVALID");
  const std::int64_t offset = param_int(c.params, "offset");
  if (offset < 0) return error(400, "OFFSET_INVALID");
  auto resolved = resolve_location(c, *location);
  if (auto* e = std::get_if<ApiError>(&resolved)) return *e;
  const Media& m = *std::get<const Media*>(resolved);
  const auto size = static_cast<std::int64_t>(m.size());
  std::string out = "[";
  Bytes piece;
  for (std::int64_t at = offset - offset % kHashPart, n = 0; at < size && n < kHashesPerCall;
       at += kHashPart, ++n) {
    piece.resize(static_cast<std::size_t>(std::min(kHashPart, size - at)));
    if (!m.blob->read(static_cast<std::uint64_t>(at), piece.data(), piece.size())) {
      return error(500, "INTERNAL_TEST_DC_IO");
    }
    if (out.size() > 1) out += ",";
    out += R"({"_":"fileHash","offset":)" + long_str(at) + R"(,"limit":)" + std::to_string(piece.size()) +
           R"(,"hash":")" + base64_encode(crypto::sha256(piece)) + "\"}";
  }
  return out + "]";
}

}  // namespace

Reply save_file_part(Call& c, std::int64_t file_id, int part, std::optional<int> total, ByteSpan bytes) {
  if (auto e = c.require_account()) return *e;
  if (auto e = c.world.files().save_part(c.self->id, file_id, total, part, bytes)) return *e;
  FileStore& files = c.world.files();
  if (c.hints && files.faults().drop_after_saves != 0 && --files.faults().drop_after_saves == 0) {
    c.hints->drop_connection = true;
    ++files.stats().dropped_connections;
  }
  Bytes out(4);
  std::memcpy(out.data(), &kBoolTrue, 4);
  return out;
}

Reply get_file(Call& c, const FileLocation& location, std::int64_t offset, std::int64_t limit, bool precise) {
  if (auto e = c.require_account()) return *e;
  // Without `precise`: offset and limit in 4 KiB steps, and limit divides 1 MiB; with it: 1 KiB
  // steps and limit up to 1 MiB. Either way the range stays inside one 1 MiB chunk.
  const std::int64_t step = precise ? 1024 : 4096;
  if (offset < 0 || offset % step != 0) return error(400, "OFFSET_INVALID");
  if (limit <= 0 || limit % step != 0 || limit > kChunk || (!precise && kChunk % limit != 0)) {
    return error(400, "LIMIT_INVALID");
  }
  if (offset / kChunk != (offset + limit - 1) / kChunk) return error(400, "LIMIT_INVALID");
  auto resolved = resolve_location(c, location);
  if (auto* e = std::get_if<ApiError>(&resolved)) return *e;
  const Media& m = *std::get<const Media*>(resolved);

  // Past the end: what is left, possibly nothing.
  const auto size = static_cast<std::int64_t>(m.size());
  const auto n = static_cast<std::size_t>(std::clamp<std::int64_t>(size - offset, 0, limit));
  Bytes out;
  out.reserve(16 + n + 3);
  tl::TlWriter w(out);
  w.u32(kUploadFile);
  w.u32(storage_type(m, offset));
  w.i32(m.date);
  // The bytes field's header, then the file read straight into the answer, then the padding.
  if (n < 254) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    w.u32(0xfe | static_cast<std::uint32_t>(n) << 8);
  }
  const std::size_t data_at = out.size();
  out.resize(data_at + n);
  if (n > 0 && !m.blob->read(static_cast<std::uint64_t>(offset), out.data() + data_at, n)) {
    return error(500, "INTERNAL_TEST_DC_IO");
  }
  out.resize((out.size() + 3) & ~std::size_t{3}, 0);

  FileStore& files = c.world.files();
  ++files.stats().parts_served;
  files.stats().bytes_served += n;
  if (c.hints) {
    FileFaults& faults = files.faults();
    c.hints->incompressible = true;
    c.hints->delay = faults.part_delay;
    if (faults.drop_after_parts != 0 && --faults.drop_after_parts == 0) {
      c.hints->drop_connection = true;
      ++files.stats().dropped_connections;
    }
  }
  return out;
}

void register_upload(Handlers& h) {
  h["upload.saveFilePart"] = save_file_part_json;
  h["upload.saveBigFilePart"] = save_big_file_part_json;
  h["upload.getFile"] = get_file_json;
  h["upload.getFileHashes"] = get_file_hashes;
}

}  // namespace tgd::testdc::api
