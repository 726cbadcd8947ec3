// File modes (the database holds auth keys) and the one-daemon-per-state-directory lock.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "daemon/store/state_dir_lock.hpp"
#include "tests/daemon/store/store_test_util.hpp"

using namespace tgd::store;
using namespace tgd::store::test;

namespace {

unsigned mode_of(const std::filesystem::path& file) {
  struct stat st {};
  REQUIRE_MESSAGE(::lstat(file.c_str(), &st) == 0, file);
  return st.st_mode & 07777;
}

// Runs with the given umask, restoring the old one.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("files: the database, its -wal and -shm and the lock file are 0600 even with umask 0") {
  TempDir dir;
  Umask open_umask(0);
  auto store = open_ok(dir.state());
  store->save_session(session("alice"));
  store->save_auth_key("alice", auth_key(2, 1));
  REQUIRE(store->flush());
  const auto db = store->database_path();
  CHECK(mode_of(dir.state()) == 0700);
  CHECK(mode_of(db) == 0600);
  CHECK(mode_of(db.string() + "-wal") == 0600);
  CHECK(mode_of(db.string() + "-shm") == 0600);
  CHECK(mode_of(dir.state() / "tgd.lock") == 0600);
}

TEST_CASE("files: wider modes left on existing files are tightened to 0600 on open") {
  TempDir dir;
  std::filesystem::path db;
  {
    auto store = open_ok(dir.state());
    db = store->database_path();
    store->save_session(session("alice"));
    REQUIRE(store->flush());
  }
  // Closing the last connection removes -wal and -shm; leave stale ones with a wide mode.
  for (const std::string& file :
       {db.string(), db.string() + "-wal", db.string() + "-shm", (dir.state() / "tgd.lock").string()}) {
    { std::ofstream touch(file, std::ios::app); }
    REQUIRE(::chmod(file.c_str(), 0644) == 0);
  }
  // A zero-length -wal is valid; a zero-length -shm is rebuilt by SQLite.
  auto store = open_ok(dir.state());
  CHECK(load(*store).size() == 1);
  CHECK(mode_of(db) == 0600);
  CHECK(mode_of(db.string() + "-wal") == 0600);
  CHECK(mode_of(db.string() + "-shm") == 0600);
  CHECK(mode_of(dir.state() / "tgd.lock") == 0600);
}

TEST_CASE("lock: a second open of the same state directory is refused, naming the holder's pid") {
  TempDir dir;
  auto first = open_ok(dir.state());
  const std::string pid = std::to_string(::getpid());
  CHECK(read_file(dir.state() / "tgd.lock") == pid + "\n");
  std::string message = open_error(dir.state());
  CHECK_MESSAGE(message.find("in use by another tgd (pid " + pid + ";") != std::string::npos, message);
  CHECK(message.find(dir.state().string()) != std::string::npos);
  // The refused open must not have disturbed the holder.
  first->save_session(session("alice"));
  CHECK(first->flush());
  CHECK(read_file(dir.state() / "tgd.lock") == pid + "\n");
}

TEST_CASE("lock: closing the store releases the state directory") {
  TempDir dir;
  { auto first = open_ok(dir.state()); }
  CHECK(read_file(dir.state() / "tgd.lock").empty());
  auto second = open_ok(dir.state());
  CHECK(second);
}

TEST_CASE("lock: StateDirLock alone locks the directory against a Store") {
  TempDir dir;
  std::filesystem::create_directories(dir.state());
  auto lock = StateDirLock::acquire(dir.state());
  REQUIRE(std::holds_alternative<StateDirLock>(lock));
  CHECK(open_error(dir.state()).find("pid " + std::to_string(::getpid())) != std::string::npos);
}

TEST_CASE("files: the bytes of a removed auth key are gone from the files once the store is closed") {
  TempDir dir;
  const std::string marker(256, '\xA7');
  AuthKeyRow key = auth_key(2, 0xA7);
  key.key.assign(marker.begin(), marker.end());
  std::filesystem::path db;
  {
    auto store = open_ok(dir.state());
    db = store->database_path();
    store->save_session(session("alice"));
    store->save_session(session("bob"));
    store->save_auth_key("alice", key);
    store->save_auth_key("bob", auth_key(2, 1));
    REQUIRE(store->flush());
    CHECK(read_file(db.string() + "-wal").find(marker.substr(0, 64)) !=
          std::string::npos);  // the test sees keys
    store->remove_session("alice");
    REQUIRE(store->flush());
  }
  CHECK_FALSE(std::filesystem::exists(db.string() + "-wal"));  // checkpointed and removed on close
  CHECK(read_file(db).find(marker.substr(0, 64)) == std::string::npos);
}
