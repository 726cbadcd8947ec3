#include "daemon/files/file_wire.hpp"

#include <algorithm>

namespace tgd::files {

namespace {

void put32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t get32(ByteSpan in, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(in[at + static_cast<std::size_t>(i)]) << (8 * i);
  return v;
}

}  // namespace

Bytes GetFileRequests::make(const PartRequest& part) const {
  Bytes out;
  out.reserve(4 + 4 + location_.size() + 12);
  put32(out, kUploadGetFile);
  put32(out, part.precise ? 1u : 0u);
  out.insert(out.end(), location_.begin(), location_.end());
  put64(out, static_cast<std::uint64_t>(part.offset));
  put32(out, static_cast<std::uint32_t>(part.limit));
  return out;
}

std::variant<ByteSpan, std::string> read_upload_file(ByteSpan answer) {
  if (answer.size() < 4) return std::string("upload.getFile: an empty answer");
  const std::uint32_t id = get32(answer, 0);
  if (id == kUploadFileCdnRedirect) {
    return std::string(
        "upload.getFile: the file is on a CDN (upload.fileCdnRedirect), which tgd does not support");
  }
  if (id != kUploadFile) return std::string("upload.getFile: an answer that is not upload.File");
  // constructor, storage.FileType (a boxed constructor without fields), mtime, bytes
  constexpr std::size_t kAt = 12;
  if (answer.size() < kAt + 4) return std::string("upload.getFile: a truncated upload.file");
  std::size_t length = answer[kAt];
  std::size_t start = kAt + 1;
  if (length == 254) {
    length = answer[kAt + 1] | (static_cast<std::size_t>(answer[kAt + 2]) << 8) |
             (static_cast<std::size_t>(answer[kAt + 3]) << 16);
    start = kAt + 4;
  } else if (length == 255) {
    return std::string("upload.getFile: a malformed bytes length");
  }
  // `bytes` is the last field: the answer ends with its padding to a multiple of 4.
  const std::size_t end = start + length + (4 - (start - kAt + length) % 4) % 4;
  if (answer.size() != end) {
    return std::string(answer.size() < end ? "upload.getFile: a truncated upload.file"
                                           : "upload.getFile: bytes after the end of an upload.file");
  }
  return answer.subspan(start, length);
}

SaveFilePartQuery save_file_part_query(std::int64_t file_id, std::int32_t part,
                                       std::optional<std::int32_t> total_parts, std::size_t size) {
  SaveFilePartQuery q;
  Bytes& out = q.query;
  out.reserve(4 + 24 + size + 4);
  put32(out, total_parts ? kUploadSaveBigFilePart : kUploadSaveFilePart);
  put64(out, static_cast<std::uint64_t>(file_id));
  put32(out, static_cast<std::uint32_t>(part));
  if (total_parts) put32(out, static_cast<std::uint32_t>(*total_parts));
  std::size_t header = 1;
  if (size < 254) {
    out.push_back(static_cast<std::uint8_t>(size));
  } else {
    header = 4;
    out.push_back(254);
    for (int i = 0; i < 3; ++i) out.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
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
  if (answer.size() != 4) return std::nullopt;
  const std::uint32_t id = get32(answer, 0);
  if (id == kBoolTrue) return true;
  if (id == kBoolFalse) return false;
  return std::nullopt;
}

}  // namespace tgd::files
