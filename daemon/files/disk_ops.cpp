#include "daemon/files/disk_ops.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace tgd::files {

DiskOps DiskOps::system() {
  DiskOps ops;
  ops.open = [](const char* path, int flags, mode_t mode) {
    const int fd = ::open(path, flags, mode);
    return fd >= 0 ? fd : -errno;
  };
  // fallocate(2) rather than posix_fallocate(3): where the file system has no fallocate, glibc's
  // posix_fallocate falls back to writing every block, which for a 2 GB file is a slow second copy.
  ops.allocate = [](int fd, std::int64_t length) {
    return ::fallocate(fd, 0, 0, static_cast<off_t>(length)) == 0 ? 0 : -errno;
  };
  ops.pwrite = [](int fd, const void* data, std::size_t size, std::int64_t offset) -> std::int64_t {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    return n >= 0 ? n : -errno;
  };
  ops.pread = [](int fd, void* data, std::size_t size, std::int64_t offset) -> std::int64_t {
    const ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    return n >= 0 ? n : -errno;
  };
  ops.fsync = [](int fd) { return ::fsync(fd) == 0 ? 0 : -errno; };
  return ops;
}

}  // namespace tgd::files
