#include "protocol/mtproto/client/packet_assembler.hpp"

#include <algorithm>
#include <cstring>

#include "protocol/mtproto/service_ids.hpp"

namespace tgd::mtproto::client_detail {
namespace {

constexpr std::size_t kContainerStart = kPlaintextHeaderSize;  // 32
constexpr std::size_t kItemsStart = kContainerStart + 8;       // constructor + count
constexpr std::size_t kItemHeader = 16;                        // msg_id, seq_no, length
constexpr std::size_t kSingleStart = kItemsStart - 16;         // salt + session_id before the item

template <class T>
void put(Bytes& buf, std::size_t at, T value) {
  std::memcpy(buf.data() + at, &value, sizeof(T));
}

}  // namespace

PacketAssembler::PacketAssembler(std::size_t max_messages, std::size_t max_container_bytes)
    : max_messages_(std::clamp<std::size_t>(max_messages, 1, kMaxContainerMessages)),
      max_bytes_(max_container_bytes) {
  reset();
}

void PacketAssembler::reset() {
  buf_.resize(kItemsStart);
  put(buf_, kContainerStart, ids::kMsgContainer);
  count_ = 0;
}

bool PacketAssembler::fits(std::size_t body_size) const {
  if (count_ == 0) return true;
  return count_ < max_messages_ && container_size() + kItemHeader + body_size <= max_bytes_;
}

void PacketAssembler::add(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body) {
  const std::size_t at = buf_.size();
  buf_.resize(at + kItemHeader + body.size());
  put(buf_, at, msg_id);
  put(buf_, at + 8, seq_no);
  put(buf_, at + 12, static_cast<std::uint32_t>(body.size()));
  if (!body.empty()) std::memcpy(buf_.data() + at + kItemHeader, body.data(), body.size());
  ++count_;
}

std::uint64_t PacketAssembler::first_msg_id() const {
  std::uint64_t id = 0;
  if (count_ > 0) std::memcpy(&id, buf_.data() + kItemsStart, 8);
  return id;
}

std::size_t PacketAssembler::container_size() const { return buf_.size() - kContainerStart; }

ByteSpan PacketAssembler::seal_single(std::int64_t salt, std::int64_t session_id, const RandomSource& random,
                                      std::size_t max_extra_padding) {
  put(buf_, kSingleStart, salt);
  put(buf_, kSingleStart + 8, session_id);
  return pad(kSingleStart, random, max_extra_padding);
}

ByteSpan PacketAssembler::seal_container(std::int64_t salt, std::int64_t session_id,
                                         std::uint64_t container_msg_id, std::uint32_t seq_no,
                                         const RandomSource& random, std::size_t max_extra_padding) {
  put(buf_, 0, salt);
  put(buf_, 8, session_id);
  put(buf_, 16, container_msg_id);
  put(buf_, 24, seq_no);
  put(buf_, 28, static_cast<std::uint32_t>(container_size()));
  put(buf_, kContainerStart + 4, static_cast<std::uint32_t>(count_));
  return pad(0, random, max_extra_padding);
}

ByteSpan PacketAssembler::pad(std::size_t start, const RandomSource& random, std::size_t max_extra_padding) {
  const std::size_t total = append_padding(buf_, start, random, max_extra_padding);
  return ByteSpan(buf_.data() + start, total);
}

}  // namespace tgd::mtproto::client_detail
