#include "daemon/files/upload_plan.hpp"

#include <algorithm>

#include "daemon/files/file_names.hpp"
#include "protocol/crypto/random.hpp"
#include "protocol/tl/json_out.hpp"

namespace tgd::files {
namespace {

std::string str(std::int64_t value) { return std::to_string(value); }

bool lowercase_md5_hex(std::string_view text) {
  return text.size() == 32 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::variant<UploadPlan, PlanError> UploadPlan::make(std::int64_t file_size, UploadOptions options,
                                                     std::int64_t file_id) {
  if (options.part_size < 1024 || options.part_size % 1024 != 0 || kMaxUploadPart % options.part_size != 0)
    return PlanError{"part size " + str(options.part_size) + " is not a multiple of 1 KiB dividing 512 KiB"};
  if (options.max_parts < 1) return PlanError{"max_parts must be positive"};
  if (options.window < 1) return PlanError{"the window must allow at least one part in flight"};
  if (options.max_attempts < 1 || options.max_attempts > 255) return PlanError{"max_attempts must be 1..255"};
  if (file_size <= 0)
    return PlanError{file_size == 0 ? "the file is empty: Telegram refuses empty files (FILE_PART_EMPTY)"
                                    : "negative file size " + str(file_size)};
  const std::int64_t parts = (file_size + options.part_size - 1) / options.part_size;
  if (parts > options.max_parts) {
    const std::int64_t limit = static_cast<std::int64_t>(options.max_parts) * options.part_size;
    return PlanError{"the file is too big to upload: " + str(file_size) + " bytes need " + str(parts) +
                     " parts of " + str(options.part_size) + " bytes, and Telegram accepts at most " +
                     str(options.max_parts) + " parts (" + str(limit) + " bytes)"};
  }
  while (file_id == 0) file_id = static_cast<std::int64_t>(crypto::random_u64());
  return UploadPlan(file_size, options, file_id);
}

UploadPlan::UploadPlan(std::int64_t file_size, UploadOptions options, std::int64_t file_id)
    : file_size_(file_size),
      options_(options),
      file_id_(file_id),
      big_(file_size > kBigFileThreshold),
      total_parts_(static_cast<std::int32_t>((file_size + options.part_size - 1) / options.part_size)),
      state_(static_cast<std::size_t>(total_parts_), State::kNew),
      attempts_(static_cast<std::size_t>(total_parts_), 0) {}

std::string_view UploadPlan::method() const {
  return big_ ? "upload.saveBigFilePart" : "upload.saveFilePart";
}

UploadPart UploadPlan::part_at(std::int32_t part) const {
  const std::int64_t offset = static_cast<std::int64_t>(part) * options_.part_size;
  return UploadPart{
      part, offset,
      static_cast<std::int32_t>(std::min<std::int64_t>(options_.part_size, file_size_ - offset))};
}

void UploadPlan::send(std::int32_t part) {
  state_[part] = State::kInFlight;
  if (attempts_[part] < 255) ++attempts_[part];
  ++in_flight_;
}

std::optional<UploadPart> UploadPlan::next() {
  if (error_ || in_flight_ >= options_.window) return std::nullopt;
  std::int32_t part = 0;
  if (!retry_.empty()) {
    part = *retry_.begin();
    retry_.erase(retry_.begin());
  } else if (next_new_ < total_parts_) {
    part = next_new_++;
  } else {
    return std::nullopt;
  }
  send(part);
  return part_at(part);
}

std::optional<PlanError> UploadPlan::complete(std::int32_t part) {
  if (error_) return error_;
  if (part < 0 || part >= total_parts_ || state_[part] != State::kInFlight) {
    error_ = PlanError{"part " + str(part) + " is not in flight"};
    return error_;
  }
  --in_flight_;
  state_[part] = State::kDone;
  ++done_parts_;
  bytes_done_ += part_at(part).size;
  return std::nullopt;
}

FailOutcome UploadPlan::fail(std::int32_t part) {
  if (error_ || part < 0 || part >= total_parts_ || state_[part] != State::kInFlight)
    return FailOutcome::kIgnored;
  --in_flight_;
  if (attempts_[part] >= options_.max_attempts) {
    error_ = PlanError{"part " + str(part) + " failed " + str(attempts_[part]) + " times"};
    return FailOutcome::kGaveUp;
  }
  state_[part] = State::kQueued;
  retry_.insert(part);
  return FailOutcome::kRetry;
}

std::vector<std::int32_t> UploadPlan::fail_all_in_flight() {
  std::vector<std::int32_t> parts;
  for (std::int32_t part = 0; part < total_parts_; ++part) {
    if (state_[part] != State::kInFlight) continue;
    parts.push_back(part);
    if (attempts_[part] > 0) --attempts_[part];
    fail(part);
  }
  return parts;
}

bool UploadPlan::resend(std::int32_t part) {
  if (error_ || part < 0 || part >= total_parts_) return false;
  if (state_[part] != State::kDone) return true;  // already on its way
  state_[part] = State::kQueued;
  --done_parts_;
  bytes_done_ -= part_at(part).size;
  attempts_[part] = 0;  // a part the server lost is a new start for it
  retry_.insert(part);
  return true;
}

std::variant<std::string, PlanError> UploadPlan::input_file_json(std::string_view name,
                                                                 std::string_view md5_hex) const {
  if (!done())
    return PlanError{"the upload is not complete: " + str(done_parts_) + " of " + str(total_parts_) +
                     " parts saved"};
  if (!big_ && !lowercase_md5_hex(md5_hex))
    return PlanError{"inputFile needs the file's MD5 as 32 lowercase hex digits"};
  std::string json = big_ ? R"({"_":"inputFileBig","id":")" : R"({"_":"inputFile","id":")";
  json += str(file_id_);
  json += R"(","parts":)";
  json += str(total_parts_);
  json += R"(,"name":)";
  json += tl::json_quoted(sanitize_file_name(name));  // valid UTF-8, no path
  if (!big_) {
    json += R"(,"md5_checksum":")";
    json += md5_hex;
    json += '"';
  }
  json += '}';
  return json;
}

}  // namespace tgd::files
