#pragma once
// The part-size rules of one upload (core.telegram.org/api/files, "Uploading files"): every part
// has the same size part_size, with part_size % 1024 == 0 and 524288 % part_size == 0, except the
// last, which may be smaller. Parts may arrive in any order and be sent again, so the tracker can
// only tell which part is the last from the highest index seen so far: each new part is checked
// against the parts already stored, and the upload as a whole when the file is used.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tgd::testdc {

inline constexpr std::uint32_t kMaxPartSize = 512 * 1024;

// A valid size for every part but the last.
constexpr bool valid_part_size(std::uint32_t size) {
  return size != 0 && size % 1024 == 0 && kMaxPartSize % size == 0;
}

class UploadParts {
 public:
  // Records part `index` of `size` bytes (1..512 KiB, checked by the caller), or answers the
  // error: FILE_PART_SIZE_INVALID (a part that cannot be the last has a size that does not divide
  // 512 KiB in whole KiB) or FILE_PART_SIZE_CHANGED (sizes differ from the earlier parts').
  std::optional<std::string> add(int index, std::uint32_t size);

  // The upload used as a file of `parts` parts: FILE_PARTS_INVALID when more parts were stored
  // than that, FILE_PART_<X>_MISSING for the first part below `parts` never stored.
  std::optional<std::string> check_complete(int parts) const;

  // The size of a complete upload (check_complete passed).
  std::uint64_t file_size() const {
    return static_cast<std::uint64_t>(part_size_) * static_cast<std::uint64_t>(highest_) + highest_size_;
  }
  // The common size of the parts below the highest (0 while there is only one part).
  std::uint32_t part_size() const { return part_size_; }
  int highest() const { return highest_; }
  std::uint32_t size_of(int index) const;

 private:
  std::vector<std::uint32_t> sizes_;  // by index; 0 = not stored
  int highest_ = -1;
  std::uint32_t highest_size_ = 0;
  std::uint32_t part_size_ = 0;
};

}  // namespace tgd::testdc
