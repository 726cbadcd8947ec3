#include "daemon/files/source_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

namespace tgd::files {

std::variant<SourceFile, FileError> SourceFile::open(const std::filesystem::path& path, DiskOps ops) {
  const std::string name = path.string();
  if (path.empty()) return FileError{FileErrorKind::kNotFound, "the file path is empty", ENOENT};
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer; on a regular file it
  // changes nothing.
  const int fd = ops.open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0) {
    if (fd == -ENOENT)
      return FileError{FileErrorKind::kNotFound, "the file " + name + " does not exist", ENOENT};
    return error_from_errno(-fd, "cannot read the file", name);
  }
  UniqueFd owned(fd);
  struct stat st {};
  if (::fstat(owned.get(), &st) != 0) return error_from_errno(errno, "cannot stat the file", name);
  if (S_ISDIR(st.st_mode))
    return FileError{FileErrorKind::kIsADirectory, name + " is a directory, not a file", EISDIR};
  if (!S_ISREG(st.st_mode))
    return FileError{FileErrorKind::kNotRegularFile,
                     name + " is not a regular file (a FIFO, device or socket)", 0};
  if (st.st_size == 0)
    return FileError{FileErrorKind::kEmpty, "the file " + name + " is empty: Telegram refuses empty files",
                     0};
  return SourceFile(path, std::move(ops), std::move(owned), static_cast<std::int64_t>(st.st_size));
}

std::optional<FileError> SourceFile::read(std::int64_t offset, MutableByteSpan out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::int64_t n =
        ops_.pread(fd_.get(), out.data() + done, out.size() - done, offset + static_cast<std::int64_t>(done));
    if (n == -EINTR) continue;
    if (n < 0) return error_from_errno(static_cast<int>(-n), "cannot read the file", path_.string());
    if (n == 0)
      return FileError{FileErrorKind::kChanged,
                       "the file " + path_.string() + " shrank while being uploaded (" +
                           std::to_string(size_) + " bytes when opened, ends at " +
                           std::to_string(offset + static_cast<std::int64_t>(done)) + ")",
                       0};
    done += static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

}  // namespace tgd::files
