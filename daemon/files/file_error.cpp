#include "daemon/files/file_error.hpp"

#include <cerrno>
#include <cstring>

namespace tgd::files {
namespace {

FileErrorKind kind_of(int error_number) {
  switch (error_number) {
    case ENOENT:
      return FileErrorKind::kNotFound;
    case ENOTDIR:
      return FileErrorKind::kNotADirectory;
    case EISDIR:
      return FileErrorKind::kIsADirectory;
    case EACCES:
    case EPERM:
      return FileErrorKind::kPermissionDenied;
    case EROFS:
      return FileErrorKind::kReadOnly;
    case ENOSPC:
    case EDQUOT:
      return FileErrorKind::kNoSpace;
    case EFBIG:
      return FileErrorKind::kTooBig;
    default:
      return FileErrorKind::kIo;
  }
}

// Short causes for the common cases; strerror for the rest.
std::string cause(int error_number) {
  switch (error_number) {
    case ENOENT:
      return "it does not exist";
    case ENOTDIR:
      return "not a directory";
    case EISDIR:
      return "it is a directory";
    case EACCES:
    case EPERM:
      return "permission denied";
    case EROFS:
      return "read-only file system";
    case ENOSPC:
      return "no space left on the device";
    case EDQUOT:
      return "disk quota exceeded";
    default:
      return std::strerror(error_number);
  }
}

}  // namespace

FileError error_from_errno(int error_number, std::string_view what, std::string_view path) {
  std::string message(what);
  message += ' ';
  message += path;
  message += ": ";
  message += cause(error_number);
  return FileError{kind_of(error_number), std::move(message), error_number};
}

std::string_view kind_name(FileErrorKind kind) {
  switch (kind) {
    case FileErrorKind::kNotFound:
      return "not_found";
    case FileErrorKind::kNotADirectory:
      return "not_a_directory";
    case FileErrorKind::kIsADirectory:
      return "is_a_directory";
    case FileErrorKind::kNotRegularFile:
      return "not_a_regular_file";
    case FileErrorKind::kPermissionDenied:
      return "permission_denied";
    case FileErrorKind::kReadOnly:
      return "read_only";
    case FileErrorKind::kNoSpace:
      return "no_space";
    case FileErrorKind::kEmpty:
      return "empty";
    case FileErrorKind::kTooBig:
      return "too_big";
    case FileErrorKind::kChanged:
      return "changed";
    case FileErrorKind::kIo:
      return "io";
  }
  return "io";
}

}  // namespace tgd::files
