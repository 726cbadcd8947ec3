#include "protocol/mtproto/envelope.hpp"

#include <cstring>

#include "protocol/mtproto/service_ids.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::mtproto {

void build_plaintext(const MessageHeader& header, ByteSpan body, const RandomSource& random, Bytes& out,
                     std::size_t max_extra_padding) {
  const std::size_t start = out.size();
  tl::TlWriter w(out);
  w.i64(header.salt);
  w.i64(header.session_id);
  w.u64(header.msg_id);
  w.u32(header.seq_no);
  w.u32(static_cast<std::uint32_t>(body.size()));
  w.raw(body);
  append_padding(out, start, random, max_extra_padding);
}

std::size_t append_padding(Bytes& out, std::size_t start, const RandomSource& random,
                           std::size_t max_extra_padding) {
  std::size_t extra = 0;
  if (max_extra_padding > 0) {
    std::uint8_t r[2];
    random(r);
    extra = (std::size_t{r[0]} << 8 | r[1]) % (max_extra_padding + 1);
  }
  const std::size_t unpadded = out.size() - start;
  std::size_t total = (unpadded + kMinPadding + extra + 15) & ~std::size_t{15};
  if (total - unpadded > kMaxPadding) total = (unpadded + kMinPadding + 15) & ~std::size_t{15};
  out.resize(start + total);
  random(MutableByteSpan(out.data() + start + unpadded, total - unpadded));
  return total;
}

std::string_view describe(PlaintextError e) {
  switch (e) {
    case PlaintextError::TooShort:
      return "plaintext shorter than its header and minimal padding";
    case PlaintextError::NotBlockAligned:
      return "plaintext length is not a multiple of 16";
    case PlaintextError::BadLength:
      return "message_data_length is not a multiple of 4 or exceeds the packet";
    case PlaintextError::BadPadding:
      return "padding is not 12..1024 bytes";
  }
  return "?";
}

PlaintextResult parse_plaintext(ByteSpan plaintext) {
  if (plaintext.size() < kPlaintextHeaderSize + kMinPadding) return {std::nullopt, PlaintextError::TooShort};
  if (plaintext.size() % 16 != 0) return {std::nullopt, PlaintextError::NotBlockAligned};
  tl::TlReader r(plaintext);
  ParsedPlaintext p;
  p.header.salt = r.i64();
  p.header.session_id = r.i64();
  p.header.msg_id = r.u64();
  p.header.seq_no = r.u32();
  const std::uint32_t length = r.u32();
  if (length % 4 != 0 || length > r.remaining()) return {std::nullopt, PlaintextError::BadLength};
  const std::size_t padding = r.remaining() - length;
  if (padding < kMinPadding || padding > kMaxPadding) return {std::nullopt, PlaintextError::BadPadding};
  p.body = r.raw(length);
  return {p, PlaintextError::TooShort};
}

ContainerWriter::ContainerWriter(Bytes& out) : out_(out), start_(out.size()) {
  tl::TlWriter w(out_);
  w.u32(ids::kMsgContainer);
  w.u32(0);
}

void ContainerWriter::add(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body) {
  tl::TlWriter w(out_);
  w.u64(msg_id);
  w.u32(seq_no);
  w.u32(static_cast<std::uint32_t>(body.size()));
  w.raw(body);
  ++count_;
}

void ContainerWriter::finish() { tl::TlWriter(out_).patch_u32(start_ + 4, count_); }

std::optional<std::vector<ContainerItem>> parse_container(ByteSpan body) {
  tl::TlReader r(body);
  if (r.u32() != ids::kMsgContainer) return std::nullopt;
  const std::uint32_t count = r.u32();
  // Each item takes at least 16 header bytes + a 4-byte constructor id.
  if (!r.ok() || count > kMaxContainerMessages || count > r.remaining() / 20) return std::nullopt;
  std::vector<ContainerItem> items;
  items.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    ContainerItem item;
    item.msg_id = r.u64();
    item.seq_no = r.u32();
    const std::uint32_t length = r.u32();
    if (!r.ok() || length < 4 || length % 4 != 0 || length > r.remaining()) return std::nullopt;
    item.body = r.raw(length);
    std::uint32_t id;
    std::memcpy(&id, item.body.data(), 4);
    if (id == ids::kMsgContainer) return std::nullopt;  // containers do not nest
    items.push_back(item);
  }
  if (!r.done()) return std::nullopt;
  return items;
}

}  // namespace tgd::mtproto
