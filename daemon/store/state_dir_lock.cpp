#include "daemon/store/state_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <utility>

namespace tgd::store {

std::variant<StateDirLock, StoreError> StateDirLock::acquire(const std::filesystem::path& state_dir) {
  std::filesystem::path path = state_dir / "tgd.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return StoreError{"cannot open the lock file " + path.string() + ": " + std::strerror(errno)};
  ::fchmod(fd, 0600);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::string holder = "pid unknown";
    if (err == EWOULDBLOCK) {
      char buf[32] = {};
      ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      long pid = 0;
      if (n > 0 && std::from_chars(buf, buf + n, pid).ec == std::errc() && pid > 0)
        holder = "pid " + std::to_string(pid);
    }
    ::close(fd);
    if (err != EWOULDBLOCK) return StoreError{"cannot lock " + path.string() + ": " + std::strerror(err)};
    return StoreError{"state directory " + state_dir.string() + " is in use by another tgd (" + holder +
                      "; lock file " + path.string() + ")"};
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    int err = errno;
    ::close(fd);
    return StoreError{"cannot write the pid into " + path.string() + ": " + std::strerror(err)};
  }
  return StateDirLock(fd, std::move(path));
}

StateDirLock::StateDirLock(StateDirLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

StateDirLock& StateDirLock::operator=(StateDirLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

StateDirLock::~StateDirLock() { release(); }

void StateDirLock::release() {
  if (fd_ < 0) return;
  // Still holding the lock: no other tgd can have written its pid yet.
  [[maybe_unused]] int ignored = ::ftruncate(fd_, 0);
  ::close(fd_);  // releases the flock
  fd_ = -1;
}

}  // namespace tgd::store
