#include "tests/testdc/file_blob.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tgd::testdc {

FileBlob::FileBlob(std::string path, int fd, std::uint64_t size, bool owned)
    : path_(std::move(path)), fd_(fd), size_(size), owned_(owned) {}

FileBlob::~FileBlob() {
  if (fd_ >= 0) ::close(fd_);
  if (owned_) ::unlink(path_.c_str());
}

std::shared_ptr<const FileBlob> FileBlob::open_existing(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(path + ": not a regular file");
  }
  return std::make_shared<const FileBlob>(path, fd, static_cast<std::uint64_t>(st.st_size), false);
}

bool read_at(int fd, std::uint8_t* out, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    n -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

bool write_at(int fd, const std::uint8_t* data, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    const ssize_t put = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    data += put;
    n -= static_cast<std::size_t>(put);
    offset += static_cast<std::uint64_t>(put);
  }
  return true;
}

bool FileBlob::read(std::uint64_t offset, std::uint8_t* out, std::size_t n) const {
  return read_at(fd_, out, n, offset);
}

}  // namespace tgd::testdc
