#include "protocol/transport/padding.hpp"

#include "protocol/transport/detail/byte_order.hpp"

namespace tgd::transport {

namespace {
constexpr std::size_t kAuthKeyIdSize = 8;
constexpr std::size_t kPlainHeaderSize = 20;      // auth_key_id, msg_id, message_data_length (§3.4)
constexpr std::size_t kEncryptedHeaderSize = 24;  // auth_key_id, msg_key (§3.1)
constexpr std::size_t kAesBlock = 16;
}  // namespace

std::optional<ByteSpan> strip_transport_padding(ByteSpan frame_body) {
  if (frame_body.size() < kAuthKeyIdSize) return std::nullopt;
  bool plain = true;
  for (std::size_t i = 0; i < kAuthKeyIdSize; ++i) plain = plain && frame_body[i] == 0;
  if (plain) {
    if (frame_body.size() < kPlainHeaderSize) return std::nullopt;
    const std::size_t data_length = detail::load_le32(frame_body.data() + 16);
    if (data_length > frame_body.size() - kPlainHeaderSize) return std::nullopt;
    return frame_body.first(kPlainHeaderSize + data_length);
  }
  if (frame_body.size() < kEncryptedHeaderSize) return std::nullopt;
  const std::size_t encrypted = frame_body.size() - kEncryptedHeaderSize;
  return frame_body.first(kEncryptedHeaderSize + encrypted - encrypted % kAesBlock);
}

}  // namespace tgd::transport
