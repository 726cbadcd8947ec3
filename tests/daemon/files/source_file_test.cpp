// SourceFile's errors and reads, and the ordered MD5 of an upload.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "daemon/files/ordered_md5.hpp"
#include "daemon/files/source_file.hpp"
#include "protocol/crypto/hash.hpp"
#include "tests/daemon/files/temp_dir.hpp"

using namespace tgd;
using namespace tgd::files;
using namespace tgd::files::test;

namespace {

FileError open_error(const std::filesystem::path& path, DiskOps ops = DiskOps::system()) {
  auto opened = SourceFile::open(path, std::move(ops));
  REQUIRE(std::holds_alternative<FileError>(opened));
  return std::get<FileError>(std::move(opened));
}

SourceFile opened(const std::filesystem::path& path) {
  auto result = SourceFile::open(path);
  if (auto* error = std::get_if<FileError>(&result)) FAIL("open failed: " << error->message);
  return std::get<SourceFile>(std::move(result));
}

}  // namespace

TEST_CASE("opening: missing, a directory, a FIFO, empty, unreadable — each with its own error") {
  TempDir dir;
  FileError error = open_error(dir / "missing.bin");
  CHECK(error.kind == FileErrorKind::kNotFound);
  CHECK(error.message == "the file " + (dir / "missing.bin").string() + " does not exist");

  error = open_error(dir.path());
  CHECK(error.kind == FileErrorKind::kIsADirectory);
  CHECK(error.message == dir.path().string() + " is a directory, not a file");

  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  error = open_error(dir / "fifo");  // returns at once: no writer is waited for
  CHECK(error.kind == FileErrorKind::kNotRegularFile);
  CHECK(error.message == (dir / "fifo").string() + " is not a regular file (a FIFO, device or socket)");

  write_all(dir / "empty", "");
  error = open_error(dir / "empty");
  CHECK(error.kind == FileErrorKind::kEmpty);
  CHECK(error.message == "the file " + (dir / "empty").string() + " is empty: Telegram refuses empty files");

  CHECK(open_error("").message == "the file path is empty");

  // Root reads any file whatever its mode, so EACCES is injected (and also tried for real when not root).
  DiskOps ops = DiskOps::system();
  ops.open = [](const char*, int, mode_t) { return -EACCES; };
  write_all(dir / "secret", "x");
  error = open_error(dir / "secret", ops);
  CHECK(error.kind == FileErrorKind::kPermissionDenied);
  CHECK(error.message == "cannot read the file " + (dir / "secret").string() + ": permission denied");
  if (::geteuid() != 0) {
    std::filesystem::permissions(dir / "secret", std::filesystem::perms::none);
    CHECK(open_error(dir / "secret").kind == FileErrorKind::kPermissionDenied);
  }
}

TEST_CASE("parts are read at their offsets, in any order") {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 10000; ++i) content += static_cast<char>('a' + i % 26);
  write_all(dir / "src.bin", content);
  const SourceFile file = opened(dir / "src.bin");
  CHECK(file.size() == 10000);
  Bytes part(4096);
  REQUIRE_FALSE(file.read(4096, part));
  CHECK(as_chars(part) == std::string_view(content).substr(4096, 4096));
  Bytes last(10000 - 8192);
  REQUIRE_FALSE(file.read(8192, last));
  CHECK(as_chars(last) == std::string_view(content).substr(8192));
  REQUIRE_FALSE(file.read(0, part));
  CHECK(as_chars(part) == std::string_view(content).substr(0, 4096));
}

TEST_CASE("a file that shrinks while being uploaded is an error, not a short part") {
  TempDir dir;
  write_all(dir / "src.bin", std::string(8192, 'x'));
  const SourceFile file = opened(dir / "src.bin");
  REQUIRE(::truncate((dir / "src.bin").c_str(), 5000) == 0);
  Bytes part(4096);
  const auto error = file.read(4096, part);
  REQUIRE(error);
  CHECK(error->kind == FileErrorKind::kChanged);
  CHECK(error->message == "the file " + (dir / "src.bin").string() +
                              " shrank while being uploaded (8192 bytes when opened, ends at 5000)");
}

TEST_CASE("read errors carry their cause") {
  TempDir dir;
  write_all(dir / "src.bin", "abc");
  DiskOps ops = DiskOps::system();
  ops.pread = [](int, void*, std::size_t, std::int64_t) -> std::int64_t { return -EIO; };
  auto result = SourceFile::open(dir / "src.bin", ops);
  REQUIRE(std::holds_alternative<SourceFile>(result));
  Bytes part(3);
  const auto error = std::get<SourceFile>(result).read(0, part);
  REQUIRE(error);
  CHECK(error->kind == FileErrorKind::kIo);
  CHECK(error->message == "cannot read the file " + (dir / "src.bin").string() + ": Input/output error");
}

TEST_CASE("the ordered MD5 hashes each part once, in order, and equals the whole file's MD5") {
  std::string content;
  for (int i = 0; i < 3000; ++i) content += static_cast<char>(i * 7);
  const ByteSpan all = as_bytes(content);
  OrderedMd5 md5;
  CHECK(md5.add(1, all.subspan(1024, 1024)) == OrderedMd5::Added::kOutOfOrder);
  CHECK(md5.add(0, all.subspan(0, 1024)) == OrderedMd5::Added::kHashed);
  CHECK(md5.add(0, all.subspan(0, 1024)) == OrderedMd5::Added::kAlreadyHashed);  // a retry reads it again
  CHECK(md5.add(1, all.subspan(1024, 1024)) == OrderedMd5::Added::kHashed);
  CHECK(md5.add(2, all.subspan(2048)) == OrderedMd5::Added::kHashed);
  CHECK(md5.next_part() == 3);
  CHECK(md5.finish_hex() == crypto::md5_hex(all));
  OrderedMd5 empty;
  CHECK(empty.finish_hex() == "d41d8cd98f00b204e9800998ecf8427e");
}
