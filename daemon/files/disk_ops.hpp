#pragma once
// The few syscalls DownloadTarget and SourceFile make that can fail for reasons a test cannot cause
// on demand (a full disk, a directory root may not write to, an I/O error): a seam of functions,
// the real syscalls by default, fakes in tests. Each returns what the syscall returns on success
// and -errno on failure, so a fake needs no errno.
#include <sys/types.h>

#include <cstdint>
#include <functional>

namespace tgd::files {

struct DiskOps {
  std::function<int(const char* path, int flags, mode_t mode)> open;
  // Reserves `length` bytes from offset 0 (fallocate mode 0). -EOPNOTSUPP where the file system
  // cannot: callers go on without (a full disk then shows at the first write that needs space).
  std::function<int(int fd, std::int64_t length)> allocate;
  std::function<std::int64_t(int fd, const void* data, std::size_t size, std::int64_t offset)> pwrite;
  std::function<std::int64_t(int fd, void* data, std::size_t size, std::int64_t offset)> pread;
  std::function<int(int fd)> fsync;

  static DiskOps system();
};

}  // namespace tgd::files
