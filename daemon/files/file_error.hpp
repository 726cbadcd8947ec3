#pragma once
// What went wrong with a path on disk, as a value: a kind the JSON-RPC layer can map to an error
// code, and a message naming the path and the cause.
#include <string>
#include <string_view>

namespace tgd::files {

enum class FileErrorKind {
  kNotFound,          // the file, or the destination's directory, does not exist
  kNotADirectory,     // a directory was expected (or a path component is a file)
  kIsADirectory,      // a file was expected, a directory is there
  kNotRegularFile,    // a FIFO, a device, a socket…
  kPermissionDenied,  // EACCES / EPERM
  kReadOnly,          // EROFS
  kNoSpace,           // ENOSPC / EDQUOT
  kEmpty,             // an empty file to upload
  kTooBig,            // EFBIG
  kChanged,           // the source file changed size while being read
  kIo,                // anything else (EIO…)
};

struct FileError {
  FileErrorKind kind = FileErrorKind::kIo;
  std::string message;
  int error_number = 0;  // the errno behind it, 0 when none
};

// The error for a failed syscall: `what` says what was being done ("cannot create a file in"),
// `path` where; the message ends with the cause ("no space left on the device").
FileError error_from_errno(int error_number, std::string_view what, std::string_view path);

std::string_view kind_name(FileErrorKind kind);  // "not_found", "no_space"…

}  // namespace tgd::files
