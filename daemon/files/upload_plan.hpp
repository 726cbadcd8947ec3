#pragma once
// Which upload.saveFilePart / upload.saveBigFilePart calls upload a file of known size, and the
// InputFile that names it afterwards: a sans-IO state machine like DownloadPlan (next() → read the
// part and send it; complete()/fail() with the outcome), with a window of parts in flight and
// retries of failed parts only.
//
// Telegram's rules (core.telegram.org/api/files, "Uploading files"; facts §8.1):
// - all parts have part_size bytes except the last, which may be shorter; part_size % 1024 == 0 and
//   524288 % part_size == 0 (1, 2, 4 … 512 KiB); 512 KiB is the recommended size;
// - file_part runs from 0 to upload_max_fileparts_* − 1 (appConfig; tdlib uses 4000 for non-Premium
//   and 8000 for Premium accounts: 2000 MiB / 4000 MiB with 512 KiB parts);
// - a file of more than 10 MB (tdlib and Telethon: size > 10 * 1024 * 1024) goes through
//   upload.saveBigFilePart with file_total_parts and is named by inputFileBig; a smaller one through
//   upload.saveFilePart and inputFile with md5_checksum, the lowercase hex MD5 of the whole file
//   (the server checks it: MD5_CHECKSUM_INVALID);
// - an empty part is refused (FILE_PART_EMPTY), so an empty file cannot be uploaded;
// - a part the server lost is reported when the file is used (FILE_PART_X_MISSING): resend(X).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/files/plan_types.hpp"

namespace tgd::files {

inline constexpr std::int32_t kMaxUploadPart = 512 * 1024;
inline constexpr std::int64_t kBigFileThreshold = 10 * 1024 * 1024;  // bigger than this: big-file mode
inline constexpr std::int32_t kMaxPartsDefault = 4000;
inline constexpr std::int32_t kMaxPartsPremium = 8000;

struct UploadOptions {
  std::int32_t part_size = kMaxUploadPart;  // a multiple of 1 KiB dividing 512 KiB
  std::int32_t max_parts = kMaxPartsDefault;
  int window = 4;
  int max_attempts = 5;
};

// One save*FilePart call: `size` bytes of the file from `offset`, sent as part `part`.
struct UploadPart {
  std::int32_t part = 0;
  std::int64_t offset = 0;
  std::int32_t size = 0;
};

class UploadPlan {
 public:
  // file_id: the random 64-bit id the parts are saved under; 0 picks one (crypto::random_u64).
  static std::variant<UploadPlan, PlanError> make(std::int64_t file_size, UploadOptions options = {},
                                                  std::int64_t file_id = 0);

  bool big() const { return big_; }
  // "upload.saveBigFilePart" or "upload.saveFilePart".
  std::string_view method() const;
  std::int64_t file_id() const { return file_id_; }
  std::int32_t total_parts() const { return total_parts_; }
  std::int64_t file_size() const { return file_size_; }
  std::int32_t part_size() const { return options_.part_size; }

  std::optional<UploadPart> next();
  std::optional<PlanError> complete(std::int32_t part);
  FailOutcome fail(std::int32_t part);
  std::vector<std::int32_t> fail_all_in_flight();  // a dropped connection: does not use up attempts
  // FILE_PART_X_MISSING: part X must be saved again (false if there is no such part).
  bool resend(std::int32_t part);

  bool done() const { return !error_ && done_parts_ == total_parts_; }
  const std::optional<PlanError>& error() const { return error_; }
  int in_flight() const { return in_flight_; }
  std::int64_t bytes_done() const { return bytes_done_; }

  // The InputFile naming the uploaded file, in tgd's JSON form (its id as a JSON string):
  // {"_":"inputFile","id":"…","parts":N,"name":"…","md5_checksum":"…"} or
  // {"_":"inputFileBig","id":"…","parts":N,"name":"…"}. md5_hex is required unless big();
  // the name goes through sanitize_file_name() (Telegram takes the extension from it).
  std::variant<std::string, PlanError> input_file_json(std::string_view name, std::string_view md5_hex) const;

 private:
  enum class State : std::uint8_t { kNew, kQueued, kInFlight, kDone };

  UploadPlan(std::int64_t file_size, UploadOptions options, std::int64_t file_id);
  UploadPart part_at(std::int32_t part) const;
  void send(std::int32_t part);

  std::int64_t file_size_ = 0;
  UploadOptions options_;
  std::int64_t file_id_ = 0;
  bool big_ = false;
  std::int32_t total_parts_ = 0;
  std::vector<State> state_;
  std::vector<std::uint8_t> attempts_;
  std::set<std::int32_t> retry_;
  std::int32_t next_new_ = 0;
  std::int32_t done_parts_ = 0;
  int in_flight_ = 0;
  std::int64_t bytes_done_ = 0;
  std::optional<PlanError> error_;
};

}  // namespace tgd::files
