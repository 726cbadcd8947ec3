#include "protocol/tl/tl_buffer.hpp"

#include "protocol/tl/wire.hpp"

namespace tgd::tl {

bool TlWriter::bytes(ByteSpan b) {
  if (b.size() > wire::kMaxLength) return false;
  std::size_t header;
  if (b.size() <= wire::kMaxShortLength) {
    out_.push_back(static_cast<std::uint8_t>(b.size()));
    header = 1;
  } else {
    u32(254u | static_cast<std::uint32_t>(b.size()) << 8);
    header = 4;
  }
  raw(b);
  out_.insert(out_.end(), (4 - (header + b.size()) % 4) % 4, 0);
  return true;
}

ByteSpan TlReader::raw(std::size_t n) {
  if (remaining() < n) {
    fail();
    return {};
  }
  ByteSpan s(p_, n);
  p_ += n;
  return s;
}

ByteSpan TlReader::bytes() {
  if (remaining() < 1) {
    fail();
    return {};
  }
  std::size_t len = p_[0];
  std::size_t header = 1;
  if (len == 255) {
    fail();
    return {};
  }
  if (len == 254) {
    if (remaining() < 4) {
      fail();
      return {};
    }
    len = std::size_t{p_[1]} | std::size_t{p_[2]} << 8 | std::size_t{p_[3]} << 16;
    header = 4;
  }
  std::size_t total = (header + len + 3) & ~std::size_t{3};
  if (remaining() < total) {
    fail();
    return {};
  }
  ByteSpan s(p_ + header, len);
  p_ += total;
  return s;
}

bool TlReader::bool_() {
  std::uint32_t id = u32();
  if (id == wire::kBoolTrue) return true;
  if (id != wire::kBoolFalse) fail();
  return false;
}

std::uint32_t TlReader::vector_header(std::size_t min_element) {
  if (u32() != wire::kVector) {
    fail();
    return 0;
  }
  std::uint32_t count = u32();
  if (min_element > 0 && count > remaining() / min_element) {
    fail();
    return 0;
  }
  return count;
}

}  // namespace tgd::tl
