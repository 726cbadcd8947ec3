#pragma once
// The bytes of one stored file, on disk: read with pread straight into the caller's buffer, never
// held whole in memory (the daemon's benchmark moves 512 MiB files through the test DC).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "protocol/base/bytes.hpp"

namespace tgd::testdc {

// Exactly `n` bytes at `offset` of the open file `fd`, continuing short transfers and EINTR;
// false on an I/O error or end of file.
bool read_at(int fd, std::uint8_t* out, std::size_t n, std::uint64_t offset);
bool write_at(int fd, const std::uint8_t* data, std::size_t n, std::uint64_t offset);

class FileBlob {
 public:
  // Takes ownership of the open descriptor `fd` of the file at `path` holding `size` bytes. An
  // owned file (one of the test DC's temporary files) is deleted with the blob; a file the test
  // DC was given by path (control command) is only read.
  FileBlob(std::string path, int fd, std::uint64_t size, bool owned);
  ~FileBlob();
  FileBlob(const FileBlob&) = delete;
  FileBlob& operator=(const FileBlob&) = delete;

  // Opens an existing regular file for reading (not owned). Throws std::runtime_error.
  static std::shared_ptr<const FileBlob> open_existing(const std::string& path);

  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Reads exactly `n` bytes at `offset` (within size()) into `out`; false on an I/O error.
  bool read(std::uint64_t offset, std::uint8_t* out, std::size_t n) const;

 private:
  std::string path_;
  int fd_;
  std::uint64_t size_;
  bool owned_;
};

}  // namespace tgd::testdc
