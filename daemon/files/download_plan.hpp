#pragma once
// Which upload.getFile requests download a file or a byte range of it, and what to do with each
// answer: a sans-IO state machine the network part drives (next() → send; complete()/fail() with
// the outcome), with parts in flight bounded by a window, retries of failed parts only, answers in
// any order, and the end of a file of unknown size found from a short answer.
//
// Telegram's rules for upload.getFile (core.telegram.org/api/files, "Downloading files"; facts §8.2):
//   without `precise`: offset % 4096 == 0, limit % 4096 == 0, 1048576 % limit == 0;
//   with `precise`:    offset % 1024 == 0, limit % 1024 == 0, limit <= 1048576;
//   always:            offset / 2^20 == (offset + limit - 1) / 2^20 (no request crosses a 1 MiB
//                      boundary).
// How this plan keeps them: the file is cut into windows of part_size bytes (a power of two from
// 4 KiB to 1 MiB, so windows never cross a 1 MiB boundary) and each part asks for the piece of one
// window that is wanted. A whole window is one non-precise request (offset = window start, limit =
// part_size). A piece cut by a range that is not 4 KiB aligned, or whose 4 KiB-rounded length is
// not a power of two, is one `precise` request rounded out to 1 KiB; the bytes outside the range
// are trimmed from the answer (PartWrite::skip / length). The window holding the end of a file of
// known size is asked for whole: past the end there is nothing to over-fetch.
// The end of the file: Telegram answers min(limit, size - offset) bytes, so an answer shorter
// than its limit ends the file (Telethon stops the same way; the docs state no EOF rule).
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "daemon/files/plan_types.hpp"

namespace tgd::files {

inline constexpr std::int32_t kMaxDownloadPart = 1 << 20;  // the largest limit, and the fastest

struct DownloadOptions {
  std::int32_t part_size = kMaxDownloadPart;  // a power of two, 4 KiB .. 1 MiB
  int window = 4;                             // requests in flight at most
  int max_attempts = 5;                       // per part, before the download fails
};

struct ByteRange {
  std::int64_t offset = 0;
  std::int64_t length = 0;
};

// One upload.getFile request.
struct PartRequest {
  std::uint32_t part = 0;  // the plan's part number, to pass back to complete()/fail()
  std::int64_t offset = 0;
  std::int32_t limit = 0;
  bool precise = false;
};

// What to write of an answer: `length` bytes from `skip` into the received bytes, at `output_offset`
// of the destination (0 = the first byte of the range, or of the file).
struct PartWrite {
  std::int64_t output_offset = 0;
  std::size_t skip = 0;
  std::size_t length = 0;
};

class DownloadPlan {
 public:
  // file_size: the media's size; 0 or nullopt means unknown (the end is then found from a short
  // answer). range: the bytes wanted, else the whole file; a range of a known-size file is clamped to
  // it, and one starting at or past its end is an error.
  static std::variant<DownloadPlan, PlanError> make(std::optional<std::int64_t> file_size,
                                                    std::optional<ByteRange> range,
                                                    DownloadOptions options = {});

  // The next request to send: a failed part first, else the next new one; nullopt when the window
  // is full, when nothing is left to ask, or after the plan failed.
  std::optional<PartRequest> next();
  // An answer of `received` bytes to a part in flight. The write may be empty (an answer past the
  // end of the file). An error fails the whole download (a part longer than its limit, a file
  // shorter than its announced size, data past the end found earlier, a part not in flight).
  std::variant<PartWrite, PlanError> complete(std::uint32_t part, std::size_t received);
  // A request that got no answer (dropped connection, error): retried unless max_attempts is reached.
  FailOutcome fail(std::uint32_t part);
  // Every part in flight failed at once (the connection carrying them dropped); returns the parts.
  std::vector<std::uint32_t> fail_all_in_flight();

  // Everything wanted is written. Requests past the end of a file of unknown size may still be in
  // flight: their answers no longer matter.
  bool done() const;
  const std::optional<PlanError>& error() const { return error_; }
  int in_flight() const { return in_flight_; }
  std::int64_t bytes_written() const { return bytes_written_; }
  // The size of the output when known: the range's or file's length, or the end found.
  std::optional<std::int64_t> output_size() const;
  // The number of parts when known (the end is known).
  std::optional<std::uint32_t> part_count() const;

 private:
  enum class State : std::uint8_t { kNew, kQueued, kInFlight, kDone };

  DownloadPlan(DownloadOptions options, std::int64_t begin, std::optional<std::int64_t> end, bool end_is_eof,
               bool size_announced);
  PartRequest request_for(std::uint32_t part) const;
  std::int64_t window_start(std::uint32_t part) const;
  bool wanted(std::uint32_t part) const;  // not past the end
  void ensure(std::uint32_t part);
  void send(std::uint32_t part, PartRequest& out);
  void end_found(std::int64_t end);
  PlanError fail_with(std::string message);

  DownloadOptions options_;
  std::int64_t begin_ = 0;           // first byte wanted
  std::optional<std::int64_t> end_;  // one past the last byte wanted, when known
  bool end_is_eof_ = false;          // end_ is the end of the file, not a range's end
  std::int64_t first_window_ = 0;    // begin_ / part_size
  bool size_announced_ = false;      // the media stated the file's size: a shorter file is an error
  std::vector<State> state_;
  std::vector<std::uint8_t> attempts_;
  std::map<std::uint32_t, PartRequest> sent_;  // the parts in flight, as they were asked for
  std::set<std::uint32_t> retry_;              // failed parts, lowest first
  std::uint32_t next_new_ = 0;
  int in_flight_ = 0;
  std::uint32_t done_wanted_ = 0;  // parts done below part_count()
  std::int64_t bytes_written_ = 0;
  std::int64_t data_end_ = 0;  // the highest file offset any answer reached
  std::optional<PlanError> error_;
};

}  // namespace tgd::files
