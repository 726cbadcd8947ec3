// kill -9 during heavy writes: the database is intact, and what was committed is a gap-free prefix of
// what was written.
#include <doctest/doctest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/daemon/store/store_test_util.hpp"

extern char** environ;

using namespace tgd::store;
using namespace tgd::store::test;

TEST_CASE("crash: kill -9 during heavy writes leaves an intact database holding a gap-free prefix") {
  TempDir dir;
  std::filesystem::create_directories(dir.state());
  int out[2];
  REQUIRE(::pipe(out) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string state = dir.state().string();
  char* argv[] = {const_cast<char*>(TGD_STORE_WRITER_CHILD), state.data(), nullptr};
  pid_t child = 0;
  REQUIRE(::posix_spawn(&child, TGD_STORE_WRITER_CHILD, &actions, nullptr, argv, environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  char ready[6] = {};
  REQUIRE(::read(out[0], ready, 6) == 6);  // "ready\n": the session is committed
  ::close(out[0]);

  // While it runs, the state directory is its own.
  CHECK(open_error(dir.state()).find("pid " + std::to_string(child)) != std::string::npos);

  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(::kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  const std::filesystem::path file = dir.state() / "tgd.db";
  std::int64_t count = 0;
  {
    // First a bare connection, before the store touches the file: it replays the WAL itself.
    RawDb raw(file);
    CHECK(raw.text("PRAGMA integrity_check") == "ok");
    CHECK(raw.text("PRAGMA foreign_key_check").empty());
    count = raw.integer("SELECT count(*) FROM peers WHERE session = 'crash'");
    MESSAGE("peers committed before SIGKILL: " << count);
    CHECK(count > 0);
    CHECK(count % 100 == 0);  // whole iterations only
    CHECK(raw.integer("SELECT coalesce(min(id), 0) FROM peers") == 0);
    CHECK(raw.integer("SELECT coalesce(max(id), -1) FROM peers") == count - 1);  // no gaps
    const std::int64_t iterations = count / 100;
    std::int64_t offset =
        raw.integer("SELECT time_offset FROM auth_keys WHERE session = 'crash' AND dc_id = 2");
    // The key of iteration i is saved after its peers: the last committed batch ends between them or after.
    CHECK(offset >= iterations - 2);
    CHECK(offset <= iterations - 1);
  }
  auto store = open_ok(dir.state());  // the dead child's lock is gone with it
  auto sessions = load(*store);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].session.name == "crash");
  REQUIRE(sessions[0].auth_keys.size() == 1);
  CHECK(store->find_peer("crash", PeerKind::User, count - 1));
  CHECK_FALSE(store->find_peer("crash", PeerKind::User, count));
  CHECK(store->find_peer_by_username("crash", "U0"));
}
