#include "tests/testdc/upload_parts.hpp"

namespace tgd::testdc {

std::optional<std::string> UploadParts::add(int index, std::uint32_t size) {
  const auto at = static_cast<std::size_t>(index);
  if (highest_ < 0) {
    // The first part: it may be the only (and last) one, so any size goes.
    highest_ = index;
    highest_size_ = size;
  } else if (index == highest_) {
    if (part_size_ != 0 && size > part_size_) return "FILE_PART_SIZE_CHANGED";
    highest_size_ = size;
  } else if (index > highest_) {
    // The old highest part turns out not to be the last: it must have the common size.
    if (part_size_ != 0 && highest_size_ != part_size_) return "FILE_PART_SIZE_CHANGED";
    if (!valid_part_size(highest_size_)) return "FILE_PART_SIZE_INVALID";
    const std::uint32_t common = part_size_ != 0 ? part_size_ : highest_size_;
    if (size > common) return "FILE_PART_SIZE_CHANGED";
    part_size_ = common;
    highest_ = index;
    highest_size_ = size;
  } else {
    // Below the highest part: never the last.
    if (!valid_part_size(size)) return "FILE_PART_SIZE_INVALID";
    if (part_size_ != 0 && size != part_size_) return "FILE_PART_SIZE_CHANGED";
    if (part_size_ == 0 && highest_size_ > size) return "FILE_PART_SIZE_CHANGED";
    part_size_ = size;
  }
  if (sizes_.size() <= at) sizes_.resize(at + 1, 0);
  sizes_[at] = size;
  return std::nullopt;
}

std::optional<std::string> UploadParts::check_complete(int parts) const {
  if (highest_ >= parts) return "FILE_PARTS_INVALID";
  for (int i = 0; i < parts; ++i) {
    if (size_of(i) == 0) return "FILE_PART_" + std::to_string(i) + "_MISSING";
  }
  return std::nullopt;
}

std::uint32_t UploadParts::size_of(int index) const {
  const auto at = static_cast<std::size_t>(index);
  return index >= 0 && at < sizes_.size() ? sizes_[at] : 0;
}

}  // namespace tgd::testdc
