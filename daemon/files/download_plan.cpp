#include "daemon/files/download_plan.hpp"

#include <algorithm>
#include <limits>

namespace tgd::files {
namespace {

constexpr std::int64_t kMiB = 1 << 20;

constexpr std::int64_t round_down(std::int64_t value, std::int64_t unit) { return value / unit * unit; }
constexpr std::int64_t round_up(std::int64_t value, std::int64_t unit) {
  return (value + unit - 1) / unit * unit;
}
constexpr bool power_of_two(std::int64_t value) { return value > 0 && (value & (value - 1)) == 0; }

std::string str(std::int64_t value) { return std::to_string(value); }

}  // namespace

std::variant<DownloadPlan, PlanError> DownloadPlan::make(std::optional<std::int64_t> file_size,
                                                         std::optional<ByteRange> range,
                                                         DownloadOptions options) {
  if (!power_of_two(options.part_size) || options.part_size < 4096 || options.part_size > kMaxDownloadPart)
    return PlanError{"part size " + str(options.part_size) + " is not a power of two from 4 KiB to 1 MiB"};
  if (options.window < 1) return PlanError{"the window must allow at least one part in flight"};
  if (options.max_attempts < 1 || options.max_attempts > 255) return PlanError{"max_attempts must be 1..255"};
  if (file_size && *file_size < 0) return PlanError{"negative file size " + str(*file_size)};
  // Telegram writes 0 where it does not know the size (e.g. some documents of old layers).
  const std::optional<std::int64_t> size = file_size && *file_size > 0 ? file_size : std::nullopt;
  if (!range) return DownloadPlan(options, 0, size, size.has_value(), size.has_value());

  if (range->offset < 0) return PlanError{"the range offset " + str(range->offset) + " is negative"};
  if (range->length <= 0) return PlanError{"the range length must be positive, got " + str(range->length)};
  if (range->length > std::numeric_limits<std::int64_t>::max() - range->offset)
    return PlanError{"the range end overflows"};
  std::int64_t end = range->offset + range->length;
  if (size) {
    if (range->offset >= *size)
      return PlanError{"the range starts at " + str(range->offset) + ", past the end of the file (size " +
                       str(*size) + ")"};
    end = std::min(end, *size);
  }
  return DownloadPlan(options, range->offset, end, size && end == *size, size.has_value());
}

DownloadPlan::DownloadPlan(DownloadOptions options, std::int64_t begin, std::optional<std::int64_t> end,
                           bool end_is_eof, bool size_announced)
    : options_(options),
      begin_(begin),
      end_(end),
      end_is_eof_(end_is_eof),
      first_window_(begin / options.part_size),
      size_announced_(size_announced) {
  if (end_) {
    const auto count = *part_count();
    state_.assign(count, State::kNew);
    attempts_.assign(count, 0);
  }
}

std::optional<std::uint32_t> DownloadPlan::part_count() const {
  if (!end_) return std::nullopt;
  if (*end_ <= begin_) return 0u;  // a file of unknown size found empty
  return static_cast<std::uint32_t>((*end_ - 1) / options_.part_size - first_window_ + 1);
}

std::optional<std::int64_t> DownloadPlan::output_size() const {
  if (!end_) return std::nullopt;
  return std::max<std::int64_t>(0, *end_ - begin_);
}

std::int64_t DownloadPlan::window_start(std::uint32_t part) const {
  return (first_window_ + static_cast<std::int64_t>(part)) * options_.part_size;
}

bool DownloadPlan::wanted(std::uint32_t part) const { return !end_ || window_start(part) < *end_; }

void DownloadPlan::ensure(std::uint32_t part) {
  if (part < state_.size()) return;
  state_.resize(part + 1, State::kNew);
  attempts_.resize(part + 1, 0);
}

PartRequest DownloadPlan::request_for(std::uint32_t part) const {
  const std::int64_t window = window_start(part);
  const std::int64_t window_end = window + options_.part_size;
  const std::int64_t from = std::max(window, begin_);
  // Up to the end of the window when nothing but the file's end cuts it: asking past the end of a
  // file costs nothing, and a whole window is a plain non-precise request.
  const std::int64_t to = end_ && !end_is_eof_ ? std::min(window_end, *end_) : window_end;

  const std::int64_t offset4 = round_down(from, 4096);
  const std::int64_t limit4 = round_up(to - offset4, 4096);
  // Non-precise when the 4 KiB-rounded piece is a power of two the offset is aligned to (alignment
  // is more than the docs ask, and what every client does); the window bounds it by part_size and
  // keeps it inside one 1 MiB chunk.
  if (power_of_two(limit4) && offset4 % limit4 == 0)
    return PartRequest{part, offset4, static_cast<std::int32_t>(limit4), false};
  const std::int64_t offset1 = round_down(from, 1024);
  return PartRequest{part, offset1, static_cast<std::int32_t>(round_up(to - offset1, 1024)), true};
}

PlanError DownloadPlan::fail_with(std::string message) {
  error_ = PlanError{std::move(message)};
  return *error_;
}

void DownloadPlan::send(std::uint32_t part, PartRequest& out) {
  out = request_for(part);
  state_[part] = State::kInFlight;
  if (attempts_[part] < 255) ++attempts_[part];
  ++in_flight_;
  sent_[part] = out;
}

std::optional<PartRequest> DownloadPlan::next() {
  if (error_ || in_flight_ >= options_.window) return std::nullopt;
  PartRequest request;
  while (!retry_.empty()) {
    const std::uint32_t part = *retry_.begin();
    retry_.erase(retry_.begin());
    if (!wanted(part)) {
      state_[part] = State::kDone;  // past the end found meanwhile: nothing to fetch
      continue;
    }
    send(part, request);
    return request;
  }
  if (const auto count = part_count(); count && next_new_ >= *count) return std::nullopt;
  const std::uint32_t part = next_new_++;
  ensure(part);
  send(part, request);
  return request;
}

void DownloadPlan::end_found(std::int64_t end) {
  end_ = end;
  end_is_eof_ = true;
  // Parts past the end that already finished (empty answers) no longer count.
  const std::uint32_t count = *part_count();
  done_wanted_ = 0;
  for (std::uint32_t part = 0; part < count && part < state_.size(); ++part) {
    if (state_[part] == State::kDone) ++done_wanted_;
  }
}

std::variant<PartWrite, PlanError> DownloadPlan::complete(std::uint32_t part, std::size_t received) {
  if (error_) return *error_;
  const auto it = sent_.find(part);
  if (it == sent_.end()) return fail_with("part " + str(part) + " is not in flight");
  const PartRequest request = it->second;
  sent_.erase(it);
  --in_flight_;
  state_[part] = State::kDone;

  const auto got = static_cast<std::int64_t>(received);
  if (got > request.limit)
    return fail_with("part " + str(part) + ": " + str(got) + " bytes received for a limit of " +
                     str(request.limit));
  const std::int64_t got_end = request.offset + got;
  if (got > 0 && end_ && end_is_eof_ && got_end > *end_ && !size_announced_)
    return fail_with("part " + str(part) + " holds data up to " + str(got_end) +
                     ", past the end of the file at " + str(*end_));
  if (got > 0) data_end_ = std::max(data_end_, got_end);

  bool recounted = false;
  if (got < request.limit && (!end_ || got_end < *end_)) {
    // A short answer: the file ends at got_end, inside what is wanted.
    if (size_announced_)
      return fail_with("the file ended at byte " + str(got_end) + ", before its announced end " + str(*end_));
    if (data_end_ > got_end)
      return fail_with("the answers disagree: one holds data up to " + str(data_end_) + ", part " +
                       str(part) + " ends the file at " + str(got_end));
    end_found(got_end);  // counts this part too
    recounted = true;
  }
  if (!wanted(part)) return PartWrite{};  // past the end (an empty answer, or one trimmed away)
  if (!recounted) ++done_wanted_;

  const std::int64_t from = std::max(window_start(part), begin_);
  std::int64_t to = std::min(window_start(part) + options_.part_size, got_end);
  if (end_) to = std::min(to, *end_);
  PartWrite write;
  write.output_offset = from - begin_;
  write.skip = static_cast<std::size_t>(from - request.offset);
  write.length = to > from ? static_cast<std::size_t>(to - from) : 0;
  bytes_written_ += static_cast<std::int64_t>(write.length);
  return write;
}

FailOutcome DownloadPlan::fail(std::uint32_t part) {
  const auto it = sent_.find(part);
  if (it == sent_.end() || error_) return FailOutcome::kIgnored;
  sent_.erase(it);
  --in_flight_;
  if (!wanted(part)) {
    state_[part] = State::kDone;  // e.g. an error for an offset past the end found meanwhile
    return FailOutcome::kIgnored;
  }
  if (attempts_[part] >= options_.max_attempts) {
    const PartRequest request = request_for(part);
    fail_with("part " + str(part) + " (offset " + str(request.offset) + ") failed " + str(attempts_[part]) +
              " times");
    return FailOutcome::kGaveUp;
  }
  state_[part] = State::kQueued;
  retry_.insert(part);
  return FailOutcome::kRetry;
}

std::vector<std::uint32_t> DownloadPlan::fail_all_in_flight() {
  std::vector<std::uint32_t> parts;
  for (const auto& [part, request] : sent_) parts.push_back(part);
  for (const std::uint32_t part : parts) {
    // A dropped connection is not the part's fault: it does not use up an attempt.
    if (attempts_[part] > 0) --attempts_[part];
    fail(part);
  }
  return parts;
}

bool DownloadPlan::done() const {
  if (error_) return false;
  const auto count = part_count();
  return count && done_wanted_ >= *count;
}

}  // namespace tgd::files
