#include "daemon/store/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace tgd::store {

std::optional<std::string> make_private_file(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + file.string() + ": " + std::strerror(errno);
  std::optional<std::string> error;
  if (::fchmod(fd, 0600) != 0) error = "cannot chmod 0600 " + file.string() + ": " + std::strerror(errno);
  ::close(fd);
  return error;
}

std::optional<std::string> tighten_if_exists(const std::filesystem::path& file) {
  if (::chmod(file.c_str(), 0600) != 0 && errno != ENOENT)
    return "cannot chmod 0600 " + file.string() + ": " + std::strerror(errno);
  return std::nullopt;
}

std::optional<std::string> make_state_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return std::nullopt;
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return std::nullopt;  // created meanwhile by someone else: theirs to set up
    return "cannot create the state directory " + dir.string() + ": " + std::strerror(errno);
  }
  // mkdir's mode passes through the umask; the directory we create is exactly 0700.
  if (::chmod(dir.c_str(), 0700) != 0)
    return "cannot chmod 0700 " + dir.string() + ": " + std::strerror(errno);
  return std::nullopt;
}

}  // namespace tgd::store
