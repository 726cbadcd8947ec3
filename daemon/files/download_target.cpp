#include "daemon/files/download_target.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <utility>

#include "daemon/files/file_names.hpp"
#include "protocol/crypto/random.hpp"

namespace tgd::files {
namespace {

constexpr unsigned kMaxNumberedNames = 10000;

// The directory a download goes to must exist and be a directory.
std::optional<FileError> check_directory(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT)
      return FileError{FileErrorKind::kNotFound, "the directory " + dir.string() + " does not exist", error};
    return error_from_errno(error, "cannot use the directory", dir.string());
  }
  if (!S_ISDIR(st.st_mode))
    return FileError{FileErrorKind::kNotADirectory, dir.string() + " is not a directory", ENOTDIR};
  return std::nullopt;
}

std::string temp_name() {
  char name[40];
  std::snprintf(name, sizeof name, ".tgd-%016" PRIx64 ".part", crypto::random_u64());
  return name;
}

// The directory entry of a rename survives a crash only once the directory is flushed too. A failure
// here leaves a complete file in place (only its durability across a power loss is in doubt), so it
// is not reported: the contract "a failed download leaves nothing" must not be broken afterwards.
void flush_directory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) ::fsync(fd.get());
}

}  // namespace

DownloadTarget::DownloadTarget(DiskOps ops, std::filesystem::path dir, std::filesystem::path destination,
                               bool unique)
    : ops_(std::move(ops)), dir_(std::move(dir)), destination_(std::move(destination)), unique_(unique) {}

DownloadTarget::DownloadTarget(DownloadTarget&& other) noexcept
    : ops_(std::move(other.ops_)),
      dir_(std::move(other.dir_)),
      destination_(std::move(other.destination_)),
      unique_(other.unique_),
      temp_(std::exchange(other.temp_, {})),
      fd_(std::move(other.fd_)),
      reserved_(other.reserved_),
      high_water_(other.high_water_) {}

DownloadTarget& DownloadTarget::operator=(DownloadTarget&& other) noexcept {
  if (this == &other) return *this;
  abort();
  ops_ = std::move(other.ops_);
  dir_ = std::move(other.dir_);
  destination_ = std::move(other.destination_);
  unique_ = other.unique_;
  temp_ = std::exchange(other.temp_, {});
  fd_ = std::move(other.fd_);
  reserved_ = other.reserved_;
  high_water_ = other.high_water_;
  return *this;
}

DownloadTarget::~DownloadTarget() { abort(); }

std::variant<DownloadTarget, FileError> DownloadTarget::to_file(const std::filesystem::path& path,
                                                                std::optional<std::int64_t> size,
                                                                DiskOps ops) {
  if (path.empty()) return FileError{FileErrorKind::kNotFound, "the destination path is empty", ENOENT};
  if (!path.has_filename())
    return FileError{FileErrorKind::kIsADirectory, "the destination " + path.string() + " names a directory",
                     EISDIR};
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return FileError{FileErrorKind::kIsADirectory,
                     "the destination " + path.string() + " exists and is a directory", EISDIR};
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  if (auto error = check_directory(dir)) return *error;
  DownloadTarget target(std::move(ops), std::move(dir), path, false);
  if (auto error = target.create(size)) return *error;
  return target;
}

std::variant<DownloadTarget, FileError> DownloadTarget::in_dir(const std::filesystem::path& dir,
                                                               std::string_view name,
                                                               std::optional<std::int64_t> size,
                                                               DiskOps ops) {
  if (dir.empty()) return FileError{FileErrorKind::kNotFound, "the destination directory is empty", ENOENT};
  if (auto error = check_directory(dir)) return *error;
  DownloadTarget target(std::move(ops), dir, sanitize_file_name(name), true);
  if (auto error = target.create(size)) return *error;
  return target;
}

std::optional<FileError> DownloadTarget::create(std::optional<std::int64_t> size) {
  for (int attempt = 0;; ++attempt) {
    std::filesystem::path temp = dir_ / temp_name();
    const int fd = ops_.open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd == -EEXIST && attempt < 8) continue;  // 64 random bits taken: try another
    if (fd < 0) return error_from_errno(-fd, "cannot create a file in the directory", dir_.string());
    fd_.reset(fd);
    temp_ = std::move(temp);
    break;
  }
  if (size && *size > 0) {
    const int result = ops_.allocate(fd_.get(), *size);
    if (result == -ENOSPC || result == -EDQUOT || result == -EFBIG) {
      abort();
      FileError error = error_from_errno(
          -result, "not enough space for " + std::to_string(*size) + " bytes in", dir_.string());
      error.kind = FileErrorKind::kNoSpace;
      return error;
    }
    if (result == 0) reserved_ = *size;
    // Other failures (EOPNOTSUPP: the file system cannot reserve) are not fatal: writes will tell.
  }
  return std::nullopt;
}

std::optional<FileError> DownloadTarget::write(std::int64_t offset, ByteSpan data) {
  if (!active()) return FileError{FileErrorKind::kIo, "the download target is closed", EBADF};
  std::size_t done = 0;
  while (done < data.size()) {
    const std::int64_t n = ops_.pwrite(fd_.get(), data.data() + done, data.size() - done,
                                       offset + static_cast<std::int64_t>(done));
    if (n == -EINTR) continue;
    if (n <= 0)
      return error_from_errno(n == 0 ? EIO : static_cast<int>(-n), "cannot write the download to",
                              temp_.string());
    done += static_cast<std::size_t>(n);
  }
  high_water_ = std::max(high_water_, offset + static_cast<std::int64_t>(data.size()));
  return std::nullopt;
}

std::variant<std::filesystem::path, FileError> DownloadTarget::commit() {
  if (!active()) return FileError{FileErrorKind::kIo, "the download target is closed", EBADF};
  auto fail = [this](FileError error) {
    abort();
    return error;
  };
  // A reservation larger than what arrived (a file of unknown size, a range) is trimmed away.
  if (reserved_ > high_water_ && ::ftruncate(fd_.get(), high_water_) != 0)
    return fail(error_from_errno(errno, "cannot trim", temp_.string()));
  if (const int result = ops_.fsync(fd_.get()); result != 0)
    return fail(error_from_errno(-result, "cannot flush the download to", temp_.string()));
  if (const int error = fd_.close(); error != 0)
    return fail(error_from_errno(error, "cannot close", temp_.string()));
  auto placed = place();
  if (auto* error = std::get_if<FileError>(&placed)) return fail(std::move(*error));
  temp_.clear();
  flush_directory(dir_);
  return placed;
}

std::variant<std::filesystem::path, FileError> DownloadTarget::place() {
  if (!unique_) {
    if (::rename(temp_.c_str(), destination_.c_str()) == 0) return destination_;
    const int error = errno;
    if (error == EISDIR || error == ENOTEMPTY || error == EEXIST)
      return FileError{FileErrorKind::kIsADirectory,
                       "the destination " + destination_.string() + " exists and is a directory", error};
    return error_from_errno(error, "cannot move the download to", destination_.string());
  }
  const std::string name = destination_.string();
  bool use_link = false;
  for (unsigned n = 0; n < kMaxNumberedNames; ++n) {
    const std::filesystem::path candidate = dir_ / numbered_file_name(name, n);
    if (!use_link) {
      if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, candidate.c_str(), RENAME_NOREPLACE) == 0)
        return candidate;
      const int error = errno;
      if (error == EEXIST) continue;
      if (error != EINVAL && error != ENOSYS && error != EOPNOTSUPP)
        return error_from_errno(error, "cannot move the download to", candidate.string());
      use_link = true;  // the file system has no RENAME_NOREPLACE: link(2) fails on an existing name too
    }
    if (::link(temp_.c_str(), candidate.c_str()) == 0) {
      ::unlink(temp_.c_str());
      return candidate;
    }
    const int error = errno;
    if (error != EEXIST) return error_from_errno(error, "cannot move the download to", candidate.string());
  }
  return FileError{FileErrorKind::kIo,
                   "no free name for " + name + " in " + dir_.string() + " after " +
                       std::to_string(kMaxNumberedNames) + " tries",
                   EEXIST};
}

void DownloadTarget::abort() {
  fd_.reset();
  if (temp_.empty()) return;
  ::unlink(temp_.c_str());
  temp_.clear();
}

}  // namespace tgd::files
