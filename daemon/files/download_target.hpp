#pragma once
// Where a download is written: a temporary file beside the destination, renamed into place only by
// commit(). abort(), or destruction without commit() (a failed or cancelled transfer, an exception),
// removes it, so nothing partial ever appears at the destination.
//
// - The temporary file is ".tgd-<16 hex>.part" in the destination's directory (the same file system,
//   so the rename is atomic), created with O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC.
// - Mode 0666 less the umask, as cp, curl and every other tool creating a user's file do: the
//   daemon's umask (systemd's UMask=) is the one place an administrator sets who may read downloads.
// - A known size is reserved up front (fallocate), so a disk too small fails at once with a
//   "no space" error instead of after most of the download; commit() trims the file to what was
//   written.
// - commit(): fsync, then the rename, then an fsync of the directory (the rename itself is durable).
// - to_file(): an existing file at the destination is replaced (rename(2)); a directory there is an
//   error. in_dir(): the name is sanitized (file_names.hpp) and taken by commit() as the first of
//   "name.ext", "name (1).ext", "name (2).ext"… that does not exist, with renameat2(RENAME_NOREPLACE)
//   (or link(2) where the file system lacks it), so two downloads of the same name at once get two
//   names and nothing is overwritten. The name is taken at the end, not reserved by an empty file at
//   the start, so that no empty or partial file ever stands under a final name.
// Blocking syscalls: the network part calls this off the event loop thread. Not thread-safe.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/files/disk_ops.hpp"
#include "daemon/files/file_error.hpp"
#include "daemon/files/unique_fd.hpp"
#include "protocol/base/bytes.hpp"

namespace tgd::files {

class DownloadTarget {
 public:
  // `size`: the expected size, reserved when known and positive.
  static std::variant<DownloadTarget, FileError> to_file(const std::filesystem::path& path,
                                                         std::optional<std::int64_t> size,
                                                         DiskOps ops = DiskOps::system());
  static std::variant<DownloadTarget, FileError> in_dir(const std::filesystem::path& dir,
                                                        std::string_view name,
                                                        std::optional<std::int64_t> size,
                                                        DiskOps ops = DiskOps::system());

  DownloadTarget(DownloadTarget&& other) noexcept;
  DownloadTarget& operator=(DownloadTarget&& other) noexcept;
  DownloadTarget(const DownloadTarget&) = delete;
  DownloadTarget& operator=(const DownloadTarget&) = delete;
  ~DownloadTarget();

  // Writes all of `data` at `offset` of the file (parts come in any order).
  std::optional<FileError> write(std::int64_t offset, ByteSpan data);
  // Makes the download the destination file; returns its path (for in_dir(), the name taken).
  std::variant<std::filesystem::path, FileError> commit();
  // Removes the temporary file; nothing happens at the destination. Idempotent.
  void abort();

  bool active() const { return !temp_.empty(); }
  const std::filesystem::path& temp_path() const { return temp_; }
  // to_file(): the destination; in_dir(): the directory / the sanitized name before numbering.
  const std::filesystem::path& destination() const { return destination_; }
  std::int64_t bytes_end() const { return high_water_; }  // the end of the furthest write

 private:
  DownloadTarget(DiskOps ops, std::filesystem::path dir, std::filesystem::path destination, bool unique);
  std::optional<FileError> create(std::optional<std::int64_t> size);
  std::variant<std::filesystem::path, FileError> place();

  DiskOps ops_;
  std::filesystem::path dir_;
  std::filesystem::path destination_;
  bool unique_ = false;  // in_dir(): pick a free name at commit
  std::filesystem::path temp_;
  UniqueFd fd_;
  std::int64_t reserved_ = 0;
  std::int64_t high_water_ = 0;
};

}  // namespace tgd::files
