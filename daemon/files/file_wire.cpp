#include "daemon/files/file_wire.hpp"

#include <algorithm>

#include "protocol/tl/tl_buffer.hpp"

namespace tgd::files {

Bytes GetFileRequests::make(const PartRequest& part) const {
  Bytes out;
  out.reserve(4 + 4 + location_.size() + 12);
  tl::TlWriter w(out);
  w.u32(kUploadGetFile);
  w.u32(part.precise ? 1u : 0u);
  w.raw(location_);
  w.i64(part.offset);
  w.i32(part.limit);
  return out;
}

std::variant<ByteSpan, std::string> read_upload_file(ByteSpan answer) {
  tl::TlReader r(answer);
  const std::uint32_t id = r.u32();
  if (!r.ok()) return std::string("upload.getFile: an empty answer");
  if (id == kUploadFileCdnRedirect) {
    return std::string(
        "upload.getFile: the file is on a CDN (upload.fileCdnRedirect), which tgd does not support");
  }
  if (id != kUploadFile) return std::string("upload.getFile: an answer that is not upload.File");
  r.u32();  // storage.FileType: a boxed constructor without fields
  r.i32();  // mtime
  const ByteSpan bytes = r.bytes();
  if (!r.ok()) return std::string("upload.getFile: a truncated upload.file");
  // `bytes` is the last field: nothing may follow its padding.
  if (!r.done()) return std::string("upload.getFile: bytes after the end of an upload.file");
  return bytes;
}

SaveFilePartQuery save_file_part_query(std::int64_t file_id, std::int32_t part,
                                       std::optional<std::int32_t> total_parts, std::size_t size) {
  SaveFilePartQuery q;
  Bytes& out = q.query;
  out.reserve(4 + 24 + size + 4);
  tl::TlWriter w(out);
  w.u32(total_parts ? kUploadSaveBigFilePart : kUploadSaveFilePart);
  w.i64(file_id);
  w.i32(part);
  if (total_parts) w.i32(*total_parts);
  // The `bytes` header by hand (TlWriter::bytes copies data in; here the caller reads it in place).
  std::size_t header = 1;
  if (size < 254) {
    out.push_back(static_cast<std::uint8_t>(size));
  } else {
    header = 4;
    w.u32(0xfe | static_cast<std::uint32_t>(size) << 8);
  }
  q.data_at = out.size();
  out.resize(out.size() + size + (4 - (header + size) % 4) % 4, 0);
  return q;
}

Bytes save_file_part(std::int64_t file_id, std::int32_t part, std::optional<std::int32_t> total_parts,
                     ByteSpan bytes) {
  SaveFilePartQuery q = save_file_part_query(file_id, part, total_parts, bytes.size());
  std::copy(bytes.begin(), bytes.end(), q.query.begin() + static_cast<std::ptrdiff_t>(q.data_at));
  return std::move(q.query);
}

std::optional<bool> read_bool(ByteSpan answer) {
  tl::TlReader r(answer);
  const bool value = r.bool_();
  if (!r.done()) return std::nullopt;
  return value;
}

}  // namespace tgd::files
