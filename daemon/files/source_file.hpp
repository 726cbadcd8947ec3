#pragma once
// A file to upload: opened once with precise errors (missing, a directory, not a regular file,
// unreadable, empty), then read part by part at offsets (pread, so parts can be read in any order
// and from any thread, one at a time per part buffer).
// Blocking syscalls: the network part calls this off the event loop thread.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <variant>

#include "daemon/files/disk_ops.hpp"
#include "daemon/files/file_error.hpp"
#include "daemon/files/unique_fd.hpp"
#include "protocol/base/bytes.hpp"

namespace tgd::files {

class SourceFile {
 public:
  static std::variant<SourceFile, FileError> open(const std::filesystem::path& path,
                                                  DiskOps ops = DiskOps::system());

  const std::filesystem::path& path() const { return path_; }
  std::int64_t size() const { return size_; }  // as it was when opened
  // Fills all of `out` from `offset`. Fewer bytes than that (the file shrank since it was opened) is
  // a kChanged error: a part of the wrong size would upload a corrupt file.
  std::optional<FileError> read(std::int64_t offset, MutableByteSpan out) const;

 private:
  SourceFile(std::filesystem::path path, DiskOps ops, UniqueFd fd, std::int64_t size)
      : path_(std::move(path)), ops_(std::move(ops)), fd_(std::move(fd)), size_(size) {}

  std::filesystem::path path_;
  DiskOps ops_;
  UniqueFd fd_;
  std::int64_t size_ = 0;
};

}  // namespace tgd::files
