#include "tests/testdc/file_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "protocol/base/hex.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/random.hpp"

namespace tgd::testdc {
namespace {

ApiError bad(std::string message) { return ApiError{400, std::move(message)}; }
const ApiError kIoError{500, "INTERNAL_TEST_DC_IO"};

bool same_hex(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Parts are written at index * 512 KiB whatever their size, because the part size is only certain
// once a part below the highest arrives; a finished upload with smaller parts is compacted.
std::uint64_t part_offset(int index) { return static_cast<std::uint64_t>(index) * kMaxPartSize; }

}  // namespace

FileStore::Upload::~Upload() {
  if (fd >= 0) {
    ::close(fd);
    ::unlink(path.c_str());
  }
}

FileStore::FileStore(int dc_count) : dc_count_(dc_count), hash_secret_(crypto::random_bytes(32)) {}

FileStore::~FileStore() {
  uploads_.clear();
  media_.clear();
  if (!dir_.empty()) ::rmdir(dir_.c_str());
}

void FileStore::set_options(FileOptions options) {
  options_ = options;
  references_.set_ttl(options.reference_ttl);
}

std::string FileStore::new_temp_path() {
  if (dir_.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/tgd-testdc-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    }
    dir_ = pattern;
  }
  return dir_ + "/" + std::to_string(++next_temp_);
}

std::optional<ApiError> FileStore::save_part(std::int64_t account, std::int64_t file_id,
                                             std::optional<int> total, int part, ByteSpan bytes) {
  if (part < 0 || part >= options_.max_parts) return bad("FILE_PART_INVALID");
  if (total) {
    // -1: a streamed upload whose size is not known yet (facts §8.1).
    if (*total == 0 || *total < -1 || *total > options_.max_parts) return bad("FILE_PARTS_INVALID");
    if (*total > 0 && part >= *total) return bad("FILE_PART_INVALID");
  }
  if (bytes.empty()) return bad("FILE_PART_EMPTY");
  if (bytes.size() > kMaxPartSize) return bad("FILE_PART_TOO_BIG");

  std::unique_ptr<Upload>& slot = uploads_[UploadKey{account, total.has_value(), file_id}];
  if (!slot || slot->done) {
    // A file_id used as a file already starts a new upload.
    auto fresh = std::make_unique<Upload>();
    fresh->path = new_temp_path();
    fresh->fd = ::open(fresh->path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fresh->fd < 0) return kIoError;
    slot = std::move(fresh);
  }
  Upload& u = *slot;
  if (total && *total > 0 && u.total > 0 && u.total != *total) return bad("FILE_PARTS_INVALID");
  if (auto error = u.parts.add(part, static_cast<std::uint32_t>(bytes.size()))) return bad(std::move(*error));
  if (total && *total > 0) u.total = *total;
  if (!write_at(u.fd, bytes.data(), bytes.size(), part_offset(part))) return kIoError;
  ++stats_.parts_saved;
  stats_.bytes_saved += bytes.size();
  return std::nullopt;
}

std::variant<std::shared_ptr<const FileBlob>, ApiError> FileStore::take_upload(
    std::int64_t account, bool big, std::int64_t file_id, int parts, std::string_view md5_checksum) {
  if (parts < 1 || parts > options_.max_parts) return bad("FILE_PARTS_INVALID");
  const auto it = uploads_.find(UploadKey{account, big, file_id});
  if (it == uploads_.end()) return bad("FILE_PART_0_MISSING");
  Upload& u = *it->second;
  if (u.done) return u.done;
  if (big && u.total > 0 && u.total != parts) return bad("FILE_PARTS_INVALID");
  if (auto error = u.parts.check_complete(parts)) return bad(std::move(*error));
  const std::uint64_t size = u.parts.file_size();
  if (!big && size > kMaxSmallFileSize) return bad("FILE_PARTS_INVALID");

  if (!big && !md5_checksum.empty()) {
    crypto::Md5 md5;
    Bytes buffer(kMaxPartSize);
    for (int i = 0; i < parts; ++i) {
      const std::uint32_t n = u.parts.size_of(i);
      if (!read_at(u.fd, buffer.data(), n, part_offset(i))) return kIoError;
      md5.update(ByteSpan(buffer.data(), n));
    }
    if (!same_hex(to_hex(md5.finish()), md5_checksum)) return bad("MD5_CHECKSUM_INVALID");
  }
  const std::uint32_t part_size = u.parts.part_size();
  if (parts > 1 && part_size != kMaxPartSize) {
    // In place, front to back: a part's new place never overlaps a part not yet moved.
    Bytes buffer(kMaxPartSize);
    for (int i = 1; i < parts; ++i) {
      const std::uint32_t n = u.parts.size_of(i);
      if (!read_at(u.fd, buffer.data(), n, part_offset(i)) ||
          !write_at(u.fd, buffer.data(), n, static_cast<std::uint64_t>(i) * part_size)) {
        return kIoError;
      }
    }
  }
  if (::ftruncate(u.fd, static_cast<off_t>(size)) != 0) return kIoError;
  u.done = std::make_shared<const FileBlob>(u.path, u.fd, size, true);
  u.fd = -1;  // the blob owns it now
  return u.done;
}

std::shared_ptr<const FileBlob> FileStore::store_bytes(ByteSpan bytes) {
  std::string path = new_temp_path();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  auto blob = std::make_shared<const FileBlob>(path, fd, bytes.size(), true);
  if (!write_at(fd, bytes.data(), bytes.size(), 0)) throw std::runtime_error(path + ": write failed");
  return blob;
}

Media& FileStore::add_media(MediaKind kind, std::shared_ptr<const FileBlob> blob, std::string mime_type,
                            std::string attributes) {
  std::int64_t id = 0;
  do {
    crypto::random_fill(MutableByteSpan(reinterpret_cast<std::uint8_t*>(&id), sizeof id));
    id &= 0x7fffffffffffffff;  // Telegram's ids are positive
  } while (id == 0 || media_.count({kind, id}));
  Media& m = media_[{kind, id}];
  m.kind = kind;
  m.id = id;
  m.date = static_cast<std::int32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  m.dc = files_dc();
  m.mime_type = std::move(mime_type);
  m.attributes = std::move(attributes);
  m.blob = std::move(blob);
  return m;
}

const Media* FileStore::find_media(MediaKind kind, std::int64_t id) const {
  const auto it = media_.find({kind, id});
  return it == media_.end() ? nullptr : &it->second;
}

std::int64_t FileStore::access_hash(std::int64_t viewer, const Media& media) const {
  std::uint8_t ids[17];
  std::memcpy(ids, &viewer, 8);
  std::memcpy(ids + 8, &media.id, 8);
  ids[16] = static_cast<std::uint8_t>(media.kind);
  const auto digest = crypto::sha256({hash_secret_, ByteSpan(ids, sizeof ids)});
  std::int64_t hash = 0;
  std::memcpy(&hash, digest.data(), 8);
  return hash == 0 ? 1 : hash;
}

}  // namespace tgd::testdc
