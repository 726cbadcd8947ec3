#include "rpc/server/ws_frame.hpp"

#include <cstring>

namespace tgd::rpc::ws {

namespace {

constexpr std::uint8_t kFin = 0x80;
constexpr std::uint8_t kRsv = 0x70;
constexpr std::uint8_t kMask = 0x80;
constexpr std::size_t kMaxControlPayload = 125;

bool is_control(Opcode op) { return static_cast<std::uint8_t>(op) >= 8; }

bool known(std::uint8_t op) { return op <= 2 || (op >= 8 && op <= 10); }

Event error(std::uint16_t code, std::string detail) {
  Event e;
  e.kind = Event::Kind::Error;
  e.close_code = code;
  e.detail = std::move(detail);
  return e;
}

void unmask(char* data, std::size_t size, const unsigned char (&key)[4]) {
  // Eight bytes at a time: the key repeated twice, XORed as one word (payloads are mostly
  // JSON requests of a few hundred bytes; the byte loop was the reader's largest cost).
  std::uint64_t key8;
  unsigned char k8[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
  std::memcpy(&key8, k8, 8);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    word ^= key8;
    std::memcpy(data + i, &word, 8);
  }
  for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ key[i % 4]);
}

}  // namespace

std::size_t write_header(Opcode opcode, std::size_t payload_size, char (&out)[kMaxHeader]) {
  out[0] = static_cast<char>(kFin | static_cast<std::uint8_t>(opcode));
  if (payload_size < 126) {
    out[1] = static_cast<char>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<char>(payload_size >> 8);
    out[3] = static_cast<char>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i)
    out[2 + i] = static_cast<char>(static_cast<std::uint64_t>(payload_size) >> (56 - 8 * i));
  return 10;
}

std::string frame(Opcode opcode, std::string_view payload) {
  char header[kMaxHeader];
  const std::size_t n = write_header(opcode, payload.size(), header);
  std::string out;
  out.reserve(n + payload.size());
  out.append(header, n);
  out.append(payload);
  return out;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xFF);
  out.append(reason.substr(0, kMaxControlPayload - 2));
  return out;
}

Event FrameReader::next(char* data, std::size_t size, std::size_t& consumed) {
  consumed = 0;
  if (size < 2) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  const bool fin = bytes[0] & kFin;
  const std::uint8_t raw_opcode = bytes[0] & 0x0F;
  if (bytes[0] & kRsv) return error(kCloseProtocolError, "reserved bits set (no extension was negotiated)");
  if (!known(raw_opcode)) return error(kCloseProtocolError, "unknown opcode " + std::to_string(raw_opcode));
  if (!(bytes[1] & kMask)) return error(kCloseProtocolError, "client frames must be masked");
  const auto opcode = static_cast<Opcode>(raw_opcode);

  std::size_t header = 2;
  std::uint64_t length = bytes[1] & 0x7F;
  if (length == 126) {
    if (size < 4) return {};
    length = (std::uint64_t{bytes[2]} << 8) | bytes[3];
    header = 4;
  } else if (length == 127) {
    if (size < 10) return {};
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | bytes[2 + i];
    if (length >> 63) return error(kCloseProtocolError, "frame length has its top bit set");
    header = 10;
  }

  if (is_control(opcode)) {
    if (!fin) return error(kCloseProtocolError, "fragmented control frame");
    if (length > kMaxControlPayload) return error(kCloseProtocolError, "control frame over 125 bytes");
  } else if (opcode == Opcode::Continuation) {
    if (!fragmented_) return error(kCloseProtocolError, "continuation frame without a message to continue");
  } else if (fragmented_) {
    return error(kCloseProtocolError, "new message before the fragmented one ended");
  }
  // Refuse an oversized message from its header, without waiting for (or buffering) its payload.
  const std::size_t gathered = fragmented_ ? gathered_.size() : 0;
  if (!is_control(opcode) && length + gathered > max_message_) {
    return error(kCloseTooBig, "message over " + std::to_string(max_message_) + " bytes");
  }

  if (size < header + 4) return {};
  unsigned char key[4];
  std::memcpy(key, bytes + header, 4);
  header += 4;
  if (size - header < length) return {};
  char* payload = data + header;
  const auto n = static_cast<std::size_t>(length);
  unmask(payload, n, key);
  consumed = header + n;

  Event e;
  switch (opcode) {
    case Opcode::Ping:
    case Opcode::Pong:
      e.kind = opcode == Opcode::Ping ? Event::Kind::Ping : Event::Kind::Pong;
      e.payload = std::string_view(payload, n);
      return e;
    case Opcode::Close:
      if (n == 1) return error(kCloseProtocolError, "close frame with a 1-byte payload");
      e.kind = Event::Kind::Close;
      if (n >= 2) {
        e.close_code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                  static_cast<unsigned char>(payload[1]));
      }
      return e;
    default:
      break;
  }

  if (opcode != Opcode::Continuation && fin) {  // a whole message in one frame: the common case
    e.kind = Event::Kind::Message;
    e.opcode = opcode;
    e.payload = std::string_view(payload, n);
    e.capacity = size - header + padding_;
    return e;
  }
  if (opcode != Opcode::Continuation) {
    fragmented_ = opcode;
    gathered_.clear();
  }
  gathered_.append(payload, n);
  if (!fin) return {};  // consumed, but nothing to hand out yet
  e.kind = Event::Kind::Message;
  e.opcode = *fragmented_;
  fragmented_.reset();
  const std::size_t total = gathered_.size();
  gathered_.resize(total + padding_);
  e.payload = std::string_view(gathered_.data(), total);
  e.capacity = total + padding_;
  gathered_.resize(total);  // keeps the capacity (and the padding bytes) for the parser
  return e;
}

}  // namespace tgd::rpc::ws
