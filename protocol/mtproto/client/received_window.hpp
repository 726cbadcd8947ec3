#pragma once
// The server msg_ids this session has accepted (facts §3.7 check 5): duplicates are refused, and so
// is any id at or below the newest one forgotten. Also answers msgs_state_req about them (§3.10).
//
// Server ids arrive almost sorted, so a sorted vector appended at the back is the cheap structure;
// it holds up to 2N ids and forgets the oldest N at once (tdlib's MessageIdDuplicateChecker does
// the same), which keeps the erase amortised O(1).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tgd::mtproto::client_detail {

class ReceivedWindow {
 public:
  // Remembers at least `capacity` ids (minimum 1).
  explicit ReceivedWindow(std::size_t capacity);

  enum class Check : std::uint8_t { New, Duplicate, TooOld };
  Check check(std::uint64_t msg_id) const;
  // Call only for ids check() called New.
  void insert(std::uint64_t msg_id);
  bool contains(std::uint64_t msg_id) const;

  // msgs_state_info status byte for a server msg_id (facts §3.10): 4 received, 1 too old to know,
  // 3 higher than anything received, 2 not received although within the remembered range.
  std::uint8_t state_of(std::uint64_t msg_id) const;

  void clear();

 private:
  std::vector<std::uint64_t> ids_;  // sorted ascending
  std::uint64_t floor_ = 0;         // the newest forgotten id
  std::size_t capacity_;
};

}  // namespace tgd::mtproto::client_detail
