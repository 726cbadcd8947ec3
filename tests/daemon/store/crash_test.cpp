// kill -9 during heavy writes: the database is intact, and what was committed is a gap-free prefix of
// what was written (peers and keys; the update journal with its state).
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

namespace {

// Runs store_writer_child on `state` (with `mode`, if any) until `committed_sql` counts rows (a loaded
// machine may take a while for the first commits), lets it write for 200 ms more, and kills it with
// SIGKILL.
void run_and_kill(const std::filesystem::path& state, const char* mode, const std::string& committed_sql) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string dir = state.string();
  char* argv[] = {const_cast<char*>(TGD_STORE_WRITER_CHILD), dir.data(), const_cast<char*>(mode), nullptr};
  pid_t child = 0;
  REQUIRE(::posix_spawn(&child, TGD_STORE_WRITER_CHILD, &actions, nullptr, argv, environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  char ready[6] = {};
  REQUIRE(::read(out[0], ready, 6) == 6);  // "ready\n": the session is committed
  ::close(out[0]);

  // While it runs, the state directory is its own.
  CHECK(open_error(state).find("pid " + std::to_string(child)) != std::string::npos);

  {
    RawDb raw(state / "tgd.db");
    for (int i = 0; i < 1000 && raw.integer(committed_sql) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(::kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
}

}  // namespace

TEST_CASE("crash: kill -9 during heavy writes leaves an intact database holding a gap-free prefix") {
  TempDir dir;
  std::filesystem::create_directories(dir.state());
  run_and_kill(dir.state(), nullptr, "SELECT count(*) FROM auth_keys");

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

TEST_CASE("crash: kill -9 while appending updates leaves a gap-free journal matching its state") {
  TempDir dir;
  std::filesystem::create_directories(dir.state());
  run_and_kill(dir.state(), "journal", "SELECT count(*) FROM update_journal");

  const std::filesystem::path file = dir.state() / "tgd.db";
  std::int64_t last = 0;
  {
    RawDb raw(file);  // replays the WAL before the store touches the file
    CHECK(raw.text("PRAGMA integrity_check") == "ok");
    CHECK(raw.text("PRAGMA foreign_key_check").empty());
    last = raw.integer("SELECT last_seq FROM update_state WHERE session = 'crash'");
    MESSAGE("updates committed before SIGKILL: " << last);
    CHECK(last > 0);
    // The state is the one appended with the last committed entry: they were committed together.
    CHECK(raw.text("SELECT state_json FROM update_state WHERE session = 'crash'") ==
          "{\"last\":" + std::to_string(last) + "}");
    // 1..last, every one, each with its own JSON (no trimming: far below the default bounds).
    CHECK(raw.integer("SELECT count(*) FROM update_journal WHERE session = 'crash'") == last);
    CHECK(raw.integer("SELECT min(seq) FROM update_journal") == 1);
    CHECK(raw.integer("SELECT max(seq) FROM update_journal") == last);
    CHECK(raw.integer(
              "SELECT count(*) FROM update_journal WHERE json_extract(update_json, '$.seq') != seq") == 0);
  }
  auto store = open_ok(dir.state());
  CHECK(store->committed_journal_seq("crash") == last);
  CHECK(store->last_journal_seq("crash") == last);
  auto range = store->journal_range("crash");
  REQUIRE(std::holds_alternative<JournalRange>(range));
  CHECK(std::get<JournalRange>(range) == JournalRange{1, last, last});
  auto tail = store->read_journal("crash", last - 1, 10);
  REQUIRE(std::holds_alternative<std::vector<JournalEntry>>(tail));
  REQUIRE(std::get<std::vector<JournalEntry>>(tail).size() == 1);
  CHECK(std::get<std::vector<JournalEntry>>(tail)[0].seq == last);
  // The restarted session continues the journal.
  CHECK(store->append_updates("crash", "{}", {{last + 1, 0, "{}"}}));
  CHECK(store->flush());
}
