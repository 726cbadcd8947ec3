#include "daemon/files/ordered_md5.hpp"

#include "protocol/base/hex.hpp"

namespace tgd::files {

OrderedMd5::Added OrderedMd5::add(std::int32_t part, ByteSpan data) {
  if (part < next_) return Added::kAlreadyHashed;
  if (part > next_) return Added::kOutOfOrder;
  md5_.update(data);
  ++next_;
  return Added::kHashed;
}

std::string OrderedMd5::finish_hex() {
  const auto digest = md5_.finish();
  return to_hex(digest);
}

}  // namespace tgd::files
