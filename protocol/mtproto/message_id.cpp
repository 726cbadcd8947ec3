#include "protocol/mtproto/message_id.hpp"

namespace tgd::mtproto {

UnixNanos system_now() {
  return std::chrono::duration_cast<UnixNanos>(std::chrono::system_clock::now().time_since_epoch());
}

std::uint64_t MsgIdClock::next(UnixNanos now, MsgIdKind kind) {
  const std::int64_t ns = now.count() + offset_ * 1'000'000'000;
  const auto seconds = static_cast<std::uint64_t>(ns / 1'000'000'000);
  const auto fraction = static_cast<std::uint64_t>(ns % 1'000'000'000);
  // Low 32 bits: the fraction of a second scaled to 2^32; never zero, and the low two bits carry the kind.
  std::uint64_t id = seconds << 32 | ((fraction << 32) / 1'000'000'000);
  id = (id & ~std::uint64_t{3}) | static_cast<std::uint64_t>(kind);
  if (id <= last_) id = (last_ & ~std::uint64_t{3}) + 4 + static_cast<std::uint64_t>(kind);
  if ((id & 0xffffffffu) < 4) id += 4;
  last_ = id;
  return id;
}

void MsgIdClock::resync(std::uint64_t server_msg_id, UnixNanos now) {
  const std::int64_t new_offset = msg_id_seconds(server_msg_id) - unix_seconds(now);
  if (new_offset < offset_) last_ = 0;
  offset_ = new_offset;
}

void MsgIdClock::observe_server_msg_id(std::uint64_t server_msg_id, UnixNanos now) {
  const std::int64_t seen = msg_id_seconds(server_msg_id) - unix_seconds(now);
  if (seen > offset_) offset_ = seen;
}

}  // namespace tgd::mtproto
