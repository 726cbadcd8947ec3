#pragma once
// The client messages a session accepted recently: msg_id with its seq_no, sorted by msg_id. It is
// what three checks consult:
//   - duplicates: an id already here was received before (Appendix B.7: re-send the answer);
//   - 20 "too old": once the window is full, an id below its lowest cannot be told from a
//     duplicate (facts §3.9);
//   - 32/33, seq_no order. Telegram's rule (facts §3.9, tdlib's notes): seq_no must grow with
//     msg_id, and two content-related messages never share one. So for a new message M:
//       32 (too low)  if a received message with a lower msg_id has a higher seq_no, or the same
//                     odd seq_no;
//       33 (too high) if a received message with a higher msg_id has a lower seq_no, or the same
//                     odd seq_no.
//     Received seq_nos are non-decreasing in msg_id order, so comparing with the two neighbours is
//     enough. Gaps are fine (a rejected message still used up its number, and Telethon jumps by 64
//     after a 32), and so are messages that arrive out of order if their numbers fit.
// Only messages that passed every check are recorded: a rejected one was "not received".
#include <cstddef>
#include <cstdint>
#include <deque>

namespace tgd::mtproto::server {

class ReceivedWindow {
 public:
  enum class Verdict : std::uint8_t { kNew, kDuplicate, kTooOld, kSeqNoTooLow, kSeqNoTooHigh };
  // Where an id falls, for msgs_state_info (facts §3.10 status bytes 1..4).
  enum class Position : std::uint8_t { kReceived, kBelow, kInRange, kAbove };
  struct Location {
    Position position = Position::kAbove;
    std::uint32_t seq_no = 0;  // kReceived only
  };

  explicit ReceivedWindow(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  Verdict check(std::uint64_t msg_id, std::uint32_t seq_no) const;
  // Records a message that passed check() (and every other check); drops the oldest when full.
  void insert(std::uint64_t msg_id, std::uint32_t seq_no);

  Location locate(std::uint64_t msg_id) const;
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t msg_id;
    std::uint32_t seq_no;
  };
  static bool too_low(const Entry& before, std::uint32_t seq_no) {
    return before.seq_no > seq_no || (before.seq_no == seq_no && (seq_no & 1) != 0);
  }
  static bool too_high(const Entry& after, std::uint32_t seq_no) {
    return after.seq_no < seq_no || (after.seq_no == seq_no && (seq_no & 1) != 0);
  }
  std::deque<Entry>::const_iterator lower_bound(std::uint64_t msg_id) const;

  std::deque<Entry> entries_;
  std::size_t capacity_;
};

}  // namespace tgd::mtproto::server
