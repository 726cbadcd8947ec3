// DownloadTarget on real temporary directories: nothing at the destination until commit(), nothing
// left behind on abort, destruction or exceptions; unique names; path errors; full disks and I/O
// errors injected through DiskOps (root, which runs CI, bypasses permission bits).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>
#include <vector>

#include "daemon/files/download_target.hpp"
#include "tests/daemon/files/temp_dir.hpp"

using namespace tgd;
using namespace tgd::files;
using namespace tgd::files::test;

namespace {

ByteSpan bytes(const std::string& text) { return as_bytes(text); }

DownloadTarget target_or_fail(std::variant<DownloadTarget, FileError> made) {
  if (auto* error = std::get_if<FileError>(&made)) FAIL("cannot make the target: " << error->message);
  return std::get<DownloadTarget>(std::move(made));
}

FileError error_of(std::variant<DownloadTarget, FileError> made) {
  REQUIRE(std::holds_alternative<FileError>(made));
  return std::get<FileError>(std::move(made));
}

std::filesystem::path committed(DownloadTarget& target) {
  auto result = target.commit();
  if (auto* error = std::get_if<FileError>(&result)) FAIL("commit failed: " << error->message);
  return std::get<std::filesystem::path>(result);
}

}  // namespace

TEST_CASE("parts written in any order land at their offsets, only commit() makes the destination appear") {
  TempDir dir;
  DownloadTarget target = target_or_fail(DownloadTarget::to_file(dir / "out.bin", 12));
  CHECK(dir.names().size() == 1);  // the temporary file only
  CHECK(target.temp_path().filename().string().starts_with(".tgd-"));
  CHECK(target.temp_path().filename().string().ends_with(".part"));
  CHECK_FALSE(target.write(8, bytes("IJKL")));
  CHECK_FALSE(target.write(0, bytes("ABCD")));
  CHECK_FALSE(target.write(4, bytes("EFGH")));
  CHECK_FALSE(std::filesystem::exists(dir / "out.bin"));
  CHECK(committed(target) == dir / "out.bin");
  CHECK(read_all(dir / "out.bin") == "ABCDEFGHIJKL");
  CHECK(dir.names() == std::set<std::string>{"out.bin"});
  CHECK_FALSE(target.active());
}

TEST_CASE("a reservation bigger than what arrived is trimmed at commit") {
  TempDir dir;
  DownloadTarget target = target_or_fail(DownloadTarget::to_file(dir / "short.bin", 1 << 20));
  CHECK_FALSE(target.write(0, bytes("hello")));
  committed(target);
  CHECK(std::filesystem::file_size(dir / "short.bin") == 5u);
}

TEST_CASE("to_file replaces an existing file, a directory at the destination is an error") {
  TempDir dir;
  write_all(dir / "old.txt", "old content");
  DownloadTarget target = target_or_fail(DownloadTarget::to_file(dir / "old.txt", std::nullopt));
  CHECK_FALSE(target.write(0, bytes("new")));
  committed(target);
  CHECK(read_all(dir / "old.txt") == "new");

  std::filesystem::create_directory(dir / "sub");
  const FileError error = error_of(DownloadTarget::to_file(dir / "sub", 3));
  CHECK(error.kind == FileErrorKind::kIsADirectory);
  CHECK(error.message == "the destination " + (dir / "sub").string() + " exists and is a directory");
  CHECK(dir.names() == std::set<std::string>{"old.txt", "sub"});
}

TEST_CASE("abort, destruction without commit and an exception leave nothing behind") {
  TempDir dir;
  {
    DownloadTarget target = target_or_fail(DownloadTarget::to_file(dir / "a.bin", 100));
    CHECK_FALSE(target.write(0, bytes("partial")));
    target.abort();
    CHECK_FALSE(target.active());
    target.abort();  // idempotent
    CHECK(target.write(0, bytes("x"))->message == "the download target is closed");
  }
  CHECK(dir.names().empty());
  {
    DownloadTarget target = target_or_fail(DownloadTarget::in_dir(dir.path(), "b.bin", 100));
    CHECK_FALSE(target.write(0, bytes("partial")));
  }
  CHECK(dir.names().empty());
  try {
    DownloadTarget target = target_or_fail(DownloadTarget::to_file(dir / "c.bin", std::nullopt));
    CHECK_FALSE(target.write(0, bytes("partial")));
    throw std::runtime_error("cancelled");
  } catch (const std::runtime_error&) {
  }
  CHECK(dir.names().empty());
  // A moved-from target owns nothing; the moved-to one cleans up.
  {
    DownloadTarget first = target_or_fail(DownloadTarget::to_file(dir / "d.bin", std::nullopt));
    DownloadTarget second = std::move(first);
    CHECK_FALSE(first.active());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    CHECK(second.active());
  }
  CHECK(dir.names().empty());
}

TEST_CASE("in_dir: a sanitized name, made unique at commit as name (1).ext, name (2).ext…") {
  TempDir dir;
  write_all(dir / "report.pdf", "existing");
  DownloadTarget first = target_or_fail(DownloadTarget::in_dir(dir.path(), "report.pdf", std::nullopt));
  DownloadTarget second = target_or_fail(DownloadTarget::in_dir(dir.path(), "report.pdf", std::nullopt));
  CHECK_FALSE(first.write(0, bytes("first")));
  CHECK_FALSE(second.write(0, bytes("second")));
  CHECK(committed(second) == dir / "report (1).pdf");
  CHECK(committed(first) == dir / "report (2).pdf");
  CHECK(read_all(dir / "report.pdf") == "existing");
  CHECK(read_all(dir / "report (1).pdf") == "second");
  CHECK(read_all(dir / "report (2).pdf") == "first");

  DownloadTarget evil = target_or_fail(DownloadTarget::in_dir(dir.path(), "../../etc/passwd", std::nullopt));
  CHECK_FALSE(evil.write(0, bytes("x")));
  CHECK(committed(evil) == dir / "_.._etc_passwd");
}

TEST_CASE("concurrent downloads of the same name into one directory each get their own file") {
  TempDir dir;
  constexpr int kThreads = 8;
  std::vector<std::filesystem::path> paths(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto made = DownloadTarget::in_dir(dir.path(), "same.txt", std::nullopt);
      if (!std::holds_alternative<DownloadTarget>(made)) return;
      DownloadTarget& target = std::get<DownloadTarget>(made);
      const std::string content = "writer " + std::to_string(i);
      if (target.write(0, as_bytes(content))) return;
      auto result = target.commit();
      if (auto* path = std::get_if<std::filesystem::path>(&result)) paths[i] = *path;
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> names;
  for (int i = 0; i < kThreads; ++i) {
    REQUIRE_FALSE(paths[i].empty());
    CHECK(read_all(paths[i]) == "writer " + std::to_string(i));
    names.insert(paths[i].filename().string());
  }
  CHECK(names.size() == static_cast<std::size_t>(kThreads));
  CHECK(names.count("same.txt") == 1);
  CHECK(dir.names() == names);  // no temporary file left
}

TEST_CASE("path errors: a missing directory, a file where the directory should be, an empty path") {
  TempDir dir;
  FileError error = error_of(DownloadTarget::to_file(dir / "missing" / "x.bin", 1));
  CHECK(error.kind == FileErrorKind::kNotFound);
  CHECK(error.message == "the directory " + (dir / "missing").string() + " does not exist");
  error = error_of(DownloadTarget::in_dir(dir / "missing", "x.bin", 1));
  CHECK(error.kind == FileErrorKind::kNotFound);

  write_all(dir / "file", "x");
  error = error_of(DownloadTarget::in_dir(dir / "file", "x.bin", 1));
  CHECK(error.kind == FileErrorKind::kNotADirectory);
  CHECK(error.message == (dir / "file").string() + " is not a directory");
  error = error_of(DownloadTarget::to_file(dir / "file" / "x.bin", 1));
  CHECK(error.kind == FileErrorKind::kNotADirectory);

  CHECK(error_of(DownloadTarget::to_file("", 1)).message == "the destination path is empty");
  CHECK(error_of(DownloadTarget::to_file(dir.path().string() + "/", 1)).kind == FileErrorKind::kIsADirectory);
}

TEST_CASE("a directory that is not writable: EACCES when creating the temporary file") {
  TempDir dir;
  DiskOps ops = DiskOps::system();
  ops.open = [](const char*, int, mode_t) { return -EACCES; };
  FileError error = error_of(DownloadTarget::to_file(dir / "x.bin", 10, ops));
  CHECK(error.kind == FileErrorKind::kPermissionDenied);
  CHECK(error.message ==
        "cannot create a file in the directory " + dir.path().string() + ": permission denied");
  ops.open = [](const char*, int, mode_t) { return -EROFS; };
  error = error_of(DownloadTarget::in_dir(dir.path(), "x.bin", 10, ops));
  CHECK(error.kind == FileErrorKind::kReadOnly);
  CHECK(error.message ==
        "cannot create a file in the directory " + dir.path().string() + ": read-only file system");
  if (::geteuid() != 0) {  // the real thing, where permission bits apply
    std::filesystem::create_directory(dir / "locked");
    std::filesystem::permissions(dir / "locked",
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    CHECK(error_of(DownloadTarget::to_file(dir / "locked" / "x.bin", 10)).kind ==
          FileErrorKind::kPermissionDenied);
    std::filesystem::permissions(dir / "locked", std::filesystem::perms::owner_all);
  }
  CHECK((dir.names().empty() || dir.names() == std::set<std::string>{"locked"}));
}

TEST_CASE("no space: found up front when the size is known, else at the write, nothing left behind") {
  TempDir dir;
  DiskOps ops = DiskOps::system();
  ops.allocate = [](int, std::int64_t) { return -ENOSPC; };
  const FileError error = error_of(DownloadTarget::to_file(dir / "big.bin", 1000, ops));
  CHECK(error.kind == FileErrorKind::kNoSpace);
  CHECK(error.message ==
        "not enough space for 1000 bytes in " + dir.path().string() + ": no space left on the device");
  CHECK(dir.names().empty());

  ops.allocate = [](int, std::int64_t) { return -EOPNOTSUPP; };  // a file system that cannot reserve
  int writes = 0;
  ops.pwrite = [&writes](int fd, const void* data, std::size_t size, std::int64_t offset) -> std::int64_t {
    if (++writes > 1) return -ENOSPC;
    return ::pwrite(fd, data, size, offset);
  };
  DownloadTarget target = target_or_fail(DownloadTarget::to_file(dir / "big.bin", 1000, ops));
  CHECK_FALSE(target.write(0, bytes("fits")));
  const auto failed = target.write(4, bytes("does not"));
  REQUIRE(failed);
  CHECK(failed->kind == FileErrorKind::kNoSpace);
  CHECK(failed->message ==
        "cannot write the download to " + target.temp_path().string() + ": no space left on the device");
  target.abort();
  CHECK(dir.names().empty());
}

TEST_CASE("short writes are continued, EINTR is retried") {
  TempDir dir;
  DiskOps ops = DiskOps::system();
  int calls = 0;
  ops.pwrite = [&calls](int fd, const void* data, std::size_t size, std::int64_t offset) -> std::int64_t {
    if (++calls % 2 == 1) return -EINTR;
    return ::pwrite(fd, data, std::min<std::size_t>(size, 3), offset);  // 3 bytes at a time
  };
  DownloadTarget target = target_or_fail(DownloadTarget::to_file(dir / "slow.bin", std::nullopt, ops));
  CHECK_FALSE(target.write(0, bytes("0123456789")));
  committed(target);
  CHECK(read_all(dir / "slow.bin") == "0123456789");
}

TEST_CASE("a failed fsync at commit leaves nothing at the destination") {
  TempDir dir;
  DiskOps ops = DiskOps::system();
  ops.fsync = [](int) { return -EIO; };
  DownloadTarget target = target_or_fail(DownloadTarget::to_file(dir / "x.bin", 4, ops));
  CHECK_FALSE(target.write(0, bytes("data")));
  auto result = target.commit();
  REQUIRE(std::holds_alternative<FileError>(result));
  CHECK(std::get<FileError>(result).kind == FileErrorKind::kIo);
  CHECK(std::get<FileError>(result).message.starts_with("cannot flush the download to "));
  CHECK(dir.names().empty());
  CHECK_FALSE(target.active());
}

TEST_CASE("the file's mode is 0666 less the umask") {
  TempDir dir;
  const mode_t old = ::umask(027);
  DownloadTarget target = target_or_fail(DownloadTarget::to_file(dir / "m.bin", std::nullopt));
  ::umask(old);
  CHECK_FALSE(target.write(0, bytes("m")));
  committed(target);
  struct stat st {};
  REQUIRE(::stat((dir / "m.bin").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
}
