#include "protocol/mtproto/server/events.hpp"

namespace tgd::mtproto::server {

std::string_view describe(DropReason reason) {
  switch (reason) {
    case DropReason::kTooShort:
      return "packet too short or not block-aligned";
    case DropReason::kNotEncrypted:
      return "unencrypted packet (auth_key_id 0)";
    case DropReason::kBadMsgKey:
      return "msg_key mismatch";
    case DropReason::kEnvelopeTooShort:
      return "plaintext shorter than its header and minimal padding";
    case DropReason::kEnvelopeNotAligned:
      return "plaintext length is not a multiple of 16";
    case DropReason::kEnvelopeBadLength:
      return "message_data_length is not a multiple of 4 or exceeds the packet";
    case DropReason::kEnvelopeBadPadding:
      return "padding is not 12..1024 bytes";
    case DropReason::kEmptyBody:
      return "message body without a constructor id";
    case DropReason::kMalformedService:
      return "malformed service message";
    case DropReason::kBadGzip:
      return "gzip_packed that does not inflate";
    case DropReason::kUnsupported:
      return "unsupported service message (msg_copy)";
  }
  return "?";
}

}  // namespace tgd::mtproto::server
