#pragma once
// A message box's recent history of pts events (facts §7.2), so that updates.getDifference and
// updates.getChannelDifference can answer from any pts still covered. Bounded: past `limit`
// events the oldest go, and a difference from before them is "too long". Events name messages by
// id; the difference renders the messages as they are now (edited text, deleted ones skipped).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace tgd::testdc {

enum class EventKind : std::uint8_t { kNewMessage, kEditMessage, kDeleteMessages };

struct BoxEvent {
  int pts = 0;  // the box's pts after the event
  int pts_count = 1;
  std::int32_t date = 0;
  EventKind kind = EventKind::kNewMessage;
  int message_id = 0;        // new and edited messages
  std::vector<int> deleted;  // kDeleteMessages: the ids (pts_count = their number)
};

class UpdateLog {
 public:
  // Appends an event (its pts above every kept one), then trims to `limit` events.
  void append(BoxEvent event, std::size_t limit);
  // True if the events after `pts` are all kept (a difference from `pts` can be given).
  bool covers(int pts) const { return pts >= trimmed_to_; }
  // The first kept event with pts > `pts` (index into events()); events().size() if none.
  std::size_t first_after(int pts) const;
  const std::deque<BoxEvent>& events() const { return events_; }
  // The pts up to which events were dropped (0 while none was).
  int trimmed_to() const { return trimmed_to_; }

 private:
  std::deque<BoxEvent> events_;
  int trimmed_to_ = 0;
};

}  // namespace tgd::testdc
