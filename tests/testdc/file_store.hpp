#pragma once
// Files of the test DC: uploads in progress (parts per account and file_id, written into a
// temporary directory made with mkdtemp and removed with the store), and the photos and documents
// made from them, whose bytes live on disk (FileBlob) and are served by upload.getFile from one
// DC, the files DC. Upload rules: core.telegram.org/api/files (README "Files").
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

#include "protocol/base/bytes.hpp"
#include "tests/testdc/api_error.hpp"
#include "tests/testdc/file_blob.hpp"
#include "tests/testdc/file_references.hpp"
#include "tests/testdc/upload_parts.hpp"

namespace tgd::testdc {

// Small files go up with upload.saveFilePart and inputFile; anything larger needs
// upload.saveBigFilePart and inputFileBig ("more than 10 MB", tdlib and Telethon: > 10 MiB).
inline constexpr std::uint64_t kMaxSmallFileSize = 10 * 1024 * 1024;

struct FileOptions {
  // The DC that serves upload.getFile (FILE_MIGRATE_X elsewhere) and that documents and photos name
  // as dc_id. 0: the highest DC.
  int files_dc = 0;
  // How long a file reference stays valid.
  std::chrono::seconds reference_ttl{std::chrono::hours(24)};
  // Parts per upload: appConfig upload_max_fileparts_default (tdlib hardcodes 4000; premium 8000 is
  // not modelled).
  int max_parts = 4000;
};

// Faults for the daemon's transfer tests (TestDc applies them to the connection).
struct FileFaults {
  // After this many more upload.getFile answers, the connection carrying the last one is closed
  // before that answer is given: the answer waits in its session for the client's next connection.
  // 0 = off.
  std::uint32_t drop_after_parts = 0;
  // The same for upload.saveFilePart / saveBigFilePart answers (the part is saved first).
  std::uint32_t drop_after_saves = 0;
  // Every upload.getFile answer leaves this much later. 0 = off.
  std::chrono::milliseconds part_delay{0};
};

struct FileStats {
  std::uint64_t parts_saved = 0;
  std::uint64_t bytes_saved = 0;
  std::uint64_t parts_served = 0;
  std::uint64_t bytes_served = 0;
  std::uint64_t dropped_connections = 0;
};

enum class MediaKind : std::uint8_t { kDocument, kPhoto };

// A photo or a document. Photos keep one size, type "x", whose bytes are the uploaded file (the test
// DC does not decode images).
struct Media {
  MediaKind kind = MediaKind::kDocument;
  std::int64_t id = 0;
  std::int32_t date = 0;
  int dc = 0;
  std::string mime_type;   // documents
  std::string attributes;  // documents: Vector<DocumentAttribute> in tgd's JSON form
  std::shared_ptr<const FileBlob> blob;
  std::uint64_t size() const { return blob->size(); }
};

class FileStore {
 public:
  explicit FileStore(int dc_count);
  ~FileStore();
  FileStore(const FileStore&) = delete;
  FileStore& operator=(const FileStore&) = delete;

  const FileOptions& options() const { return options_; }
  void set_options(FileOptions options);
  int files_dc() const { return options_.files_dc > 0 ? options_.files_dc : dc_count_; }
  FileFaults& faults() { return faults_; }
  FileStats& stats() { return stats_; }

  // upload.saveFilePart (`total` nullopt) / upload.saveBigFilePart: checks the part (README
  // "Files") and writes it; the error otherwise.
  std::optional<ApiError> save_part(std::int64_t account, std::int64_t file_id, std::optional<int> total,
                                    int part, ByteSpan bytes);

  // An InputFile used by `account`: inputFile (`big` false, md5 checked unless empty) or inputFileBig.
  // Returns the file, or the error (FILE_PARTS_INVALID, FILE_PART_X_MISSING,
  // MD5_CHECKSUM_INVALID). Using the same InputFile again gives the same file.
  std::variant<std::shared_ptr<const FileBlob>, ApiError> take_upload(std::int64_t account, bool big,
                                                                      std::int64_t file_id, int parts,
                                                                      std::string_view md5_checksum);

  // A file the test DC reads in place (control command, tests): not copied.
  std::shared_ptr<const FileBlob> adopt(const std::string& path) { return FileBlob::open_existing(path); }
  // A temporary file with these bytes (tests).
  std::shared_ptr<const FileBlob> store_bytes(ByteSpan bytes);

  Media& add_media(MediaKind kind, std::shared_ptr<const FileBlob> blob, std::string mime_type = {},
                   std::string attributes = "[]");
  const Media* find_media(MediaKind kind, std::int64_t id) const;

  // Per viewer, like every access hash here.
  std::int64_t access_hash(std::int64_t viewer, const Media& media) const;
  FileReferences& references() { return references_; }

  // The temporary directory ("" until the first upload).
  const std::string& directory() const { return dir_; }

 private:
  struct Upload {
    UploadParts parts;
    int fd = -1;
    std::string path;
    int total = 0;                         // saveBigFilePart's file_total_parts once known (> 0)
    std::shared_ptr<const FileBlob> done;  // the file it became, once used
    std::uint64_t bytes = 0;
    ~Upload();
  };
  using UploadKey = std::tuple<std::int64_t, bool, std::int64_t>;  // account, big, file_id

  std::string new_temp_path();

  int dc_count_;
  FileOptions options_;
  FileFaults faults_;
  FileStats stats_;
  FileReferences references_;
  Bytes hash_secret_;
  std::string dir_;
  std::uint64_t next_temp_ = 0;
  std::map<UploadKey, std::unique_ptr<Upload>> uploads_;
  std::map<std::pair<MediaKind, std::int64_t>, Media> media_;
};

}  // namespace tgd::testdc
