// The update journal (issue #6): appends are atomic with their state, consecutive, visible only once
// committed, announced by the commit listener, bounded, removed with their session, kept across
// restarts and schema migrations.
#include <doctest/doctest.h>

#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

#include "daemon/store/schema.hpp"
#include "tests/daemon/store/store_test_util.hpp"

using namespace tgd::store;
using namespace tgd::store::test;

namespace {

std::string update_json(std::int64_t seq) {
  return R"({"_":"updateNewMessage","message":{"_":"message","id":)" + std::to_string(seq) +
         R"(,"message":"hello"},"pts":)" + std::to_string(seq) + R"(,"pts_count":1})";
}

std::string state_json(std::int64_t pts) { return R"({"pts":)" + std::to_string(pts) + R"(,"qts":0})"; }

// Entries first..last (dated `date`, 0 = now).
std::vector<JournalEntry> entries(std::int64_t first, std::int64_t last, std::int64_t date = 0) {
  std::vector<JournalEntry> out;
  for (std::int64_t seq = first; seq <= last; ++seq) out.push_back({seq, date, update_json(seq)});
  return out;
}

std::vector<JournalEntry> read(Store& store, std::string_view session, std::int64_t after = 0,
                               std::size_t limit = 1'000'000) {
  auto got = store.read_journal(session, after, limit);
  if (auto* e = std::get_if<StoreError>(&got)) FAIL("read_journal failed: " << e->message);
  return std::move(std::get<std::vector<JournalEntry>>(got));
}

JournalRange range(Store& store, std::string_view session) {
  auto got = store.journal_range(session);
  if (auto* e = std::get_if<StoreError>(&got)) FAIL("journal_range failed: " << e->message);
  return std::get<JournalRange>(got);
}

std::optional<std::string> state(Store& store, std::string_view session) {
  auto got = store.load_update_state(session);
  if (auto* e = std::get_if<StoreError>(&got)) FAIL("load_update_state failed: " << e->message);
  return std::get<std::optional<std::string>>(got);
}

// Holds the writer thread inside the commit listener (after the first commit with entries) until
// release(): whatever is appended meanwhile stays queued, uncommitted.
class WriterGate {
 public:
  explicit WriterGate(Store& store) {
    store.set_commit_listener([this](std::vector<JournalCommit>) {
      std::unique_lock lk(mu_);
      held_ = true;
      cv_.notify_all();
      cv_.wait(lk, [&] { return open_; });
    });
  }
  void wait_held() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return held_; });
  }
  void release() {
    std::lock_guard lk(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false, open_ = false;
};

}  // namespace

TEST_CASE("journal: entries and state read back after flush, in seq order, dated now when undated") {
  TempDir dir;
  auto store = open_ok(dir.state());
  store->save_session(session("alice"));
  CHECK(range(*store, "alice") == JournalRange{1, 0, 0});
  CHECK_FALSE(state(*store, "alice"));
  const auto before = static_cast<std::int64_t>(std::time(nullptr));
  CHECK(store->append_updates("alice", state_json(3), entries(1, 3)));
  CHECK(store->append_updates("alice", state_json(5), entries(4, 5, 1'700'000'000)));
  REQUIRE(store->flush());
  auto got = read(*store, "alice");
  REQUIRE(got.size() == 5);
  for (std::int64_t i = 0; i < 5; ++i) {
    CHECK(got[i].seq == i + 1);
    CHECK(got[i].update_json == update_json(i + 1));
  }
  CHECK(got[0].date >= before);
  CHECK(got[0].date <= static_cast<std::int64_t>(std::time(nullptr)));
  CHECK(got[4].date == 1'700'000'000);
  CHECK(read(*store, "alice", 2, 2) == std::vector<JournalEntry>{got[2], got[3]});
  CHECK(read(*store, "alice", 5).empty());
  CHECK(read(*store, "alice", 0, 0).empty());
  CHECK(read(*store, "bob").empty());
  CHECK(range(*store, "alice") == JournalRange{1, 5, 5});
  CHECK(state(*store, "alice") == state_json(5));
  // A state change alone (e.g. after updates.affectedMessages): no entry, same seqs.
  CHECK(store->append_updates("alice", state_json(6), {}));
  REQUIRE(store->flush());
  CHECK(state(*store, "alice") == state_json(6));
  CHECK(range(*store, "alice") == JournalRange{1, 5, 5});
  auto stats = store->stats();
  CHECK(stats.journal_entries == 5);
  CHECK(stats.journal_refused == 0);
  CHECK(stats.last_error.empty());
}

TEST_CASE(
    "journal: the commit listener fires after commits with entries, and committed_journal_seq advances") {
  TempDir dir;
  auto store = open_ok(dir.state());
  std::mutex mu;
  std::vector<std::pair<std::string, std::int64_t>> seen;
  std::vector<std::int64_t> committed_when_called;
  store->set_commit_listener([&](std::vector<JournalCommit> commits) {
    std::lock_guard lk(mu);
    for (auto& c : commits) {
      committed_when_called.push_back(store->committed_journal_seq(c.session));
      seen.emplace_back(std::move(c.session), c.last_seq);
    }
  });
  store->save_session(session("alice"));
  store->save_session(session("bob"));
  CHECK(store->committed_journal_seq("alice") == 0);
  REQUIRE(store->append_updates("alice", state_json(2), entries(1, 2)));
  REQUIRE(store->append_updates("bob", state_json(1), entries(1, 1)));
  CHECK(store->last_journal_seq("alice") == 2);
  REQUIRE(store->flush());
  CHECK(store->committed_journal_seq("alice") == 2);
  CHECK(store->committed_journal_seq("bob") == 1);
  REQUIRE(store->append_updates("alice", state_json(3), entries(3, 3)));
  REQUIRE(store->append_updates("alice", state_json(3), {}));  // state only: no call for it
  REQUIRE(store->flush());
  CHECK(store->committed_journal_seq("alice") == 3);
  CHECK(store->committed_journal_seq("nobody") == 0);
  store->set_commit_listener({});
  std::lock_guard lk(mu);
  // Every commit with entries was announced, in order, each seq after it was committed.
  std::int64_t alice = 0, bob = 0;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    auto& [name, seq] = seen[i];
    CHECK(committed_when_called[i] >= seq);
    std::int64_t& last = name == "alice" ? alice : bob;
    CHECK(seq > last);
    last = seq;
  }
  CHECK(alice == 3);
  CHECK(bob == 1);
}

TEST_CASE("journal: reads never see queued entries, and calls queued together commit as one unit") {
  TempDir dir;
  auto store = open_ok(dir.state());
  WriterGate gate(*store);
  store->save_session(session("alice"));
  REQUIRE(store->append_updates("alice", state_json(1), entries(1, 1)));
  gate.wait_held();  // seq 1 committed; the writer waits in the listener
  CHECK(store->committed_journal_seq("alice") == 1);
  REQUIRE(store->append_updates("alice", state_json(2), entries(2, 2)));
  REQUIRE(store->append_updates("alice", state_json(4), entries(3, 4)));
  REQUIRE(store->append_updates("alice", state_json(5), {}));
  CHECK(store->last_journal_seq("alice") == 4);
  CHECK(store->committed_journal_seq("alice") == 1);
  CHECK(read(*store, "alice").size() == 1);
  CHECK(range(*store, "alice") == JournalRange{1, 1, 1});
  CHECK(state(*store, "alice") == state_json(1));
  const auto batches = store->stats().batches;
  gate.release();
  REQUIRE(store->flush());
  CHECK(store->stats().batches == batches + 1);
  CHECK(read(*store, "alice").size() == 4);
  CHECK(state(*store, "alice") == state_json(5));
  CHECK(store->committed_journal_seq("alice") == 4);
}

TEST_CASE("journal: seqs that do not continue the journal are refused whole, at the call") {
  TempDir dir;
  auto store = open_ok(dir.state());
  store->save_session(session("alice"));
  CHECK_FALSE(store->append_updates("alice", state_json(9), entries(2, 3)));  // must start at 1
  CHECK(store->stats().journal_refused == 1);
  CHECK(store->stats().last_error.find("seq 2 where 1 was due") != std::string::npos);
  REQUIRE(store->append_updates("alice", state_json(2), entries(1, 2)));
  CHECK_FALSE(store->append_updates("alice", state_json(9), entries(2, 2)));  // a repeat
  CHECK_FALSE(store->append_updates("alice", state_json(9), entries(4, 4)));  // a gap
  auto inner_gap = entries(3, 4);
  inner_gap[1].seq = 5;
  CHECK_FALSE(store->append_updates("alice", state_json(9), inner_gap));
  CHECK(store->stats().journal_refused == 4);
  CHECK(store->last_journal_seq("alice") == 2);
  REQUIRE(store->flush());  // the refused calls queued nothing to wait for
  CHECK(read(*store, "alice").size() == 2);
  CHECK(state(*store, "alice") == state_json(2));
  CHECK(store->append_updates("alice", state_json(3), entries(3, 3)));
}

TEST_CASE("journal: a unit the database refuses is dropped whole, and the session's seqs go back") {
  TempDir dir;
  auto store = open_ok(dir.state());
  WriterGate gate(*store);
  store->save_session(session("alice"));
  REQUIRE(store->append_updates("alice", state_json(1), entries(1, 1)));
  gate.wait_held();
  // "ghost" was never saved: its unit fails the foreign key, state and entries together.
  REQUIRE(store->append_updates("ghost", state_json(2), entries(1, 2)));
  gate.release();
  REQUIRE(store->flush());
  CHECK(store->stats().journal_refused == 1);
  CHECK(store->stats().last_error.find("session 'ghost' (dropped with its state)") != std::string::npos);
  CHECK(store->last_journal_seq("ghost") == 0);
  CHECK_FALSE(state(*store, "ghost"));
  CHECK(read(*store, "ghost").empty());
  // Once saved, the session's journal starts at 1.
  store->save_session(session("ghost"));
  REQUIRE(store->append_updates("ghost", state_json(1), entries(1, 1)));
  REQUIRE(store->flush());
  CHECK(read(*store, "ghost").size() == 1);
  CHECK(read(*store, "alice").size() == 1);
}

TEST_CASE(
    "journal: a full disk commits neither state nor entries, and a retry or a restart keeps them together") {
  TempDir dir;
  StoreOptions options;
  options.max_page_count = 24;  // 96 KiB
  {
    auto store = open_ok(dir.state(), options);
    store->save_session(session("alice"));
    REQUIRE(store->append_updates("alice", state_json(1), entries(1, 1)));
    REQUIRE(store->flush());
    // ~200 KiB of updates cannot fit.
    std::vector<JournalEntry> big = entries(2, 401);
    for (auto& e : big) e.update_json += std::string(500, ' ');
    REQUIRE(store->append_updates("alice", state_json(401), std::move(big)));
    CHECK_FALSE(store->flush());
    auto stats = store->stats();
    CHECK(stats.failed_commits >= 1);
    CHECK(stats.last_error.find("full") != std::string::npos);
    CHECK(store->committed_journal_seq("alice") == 1);
    CHECK(store->last_journal_seq("alice") == 401);
    CHECK(read(*store, "alice").size() == 1);
    CHECK(state(*store, "alice") == state_json(1));
    CHECK(range(*store, "alice") == JournalRange{1, 1, 1});
  }  // closing retries once more, then gives the batch up
  {
    RawDb raw(dir.state() / "tgd.db");
    CHECK(raw.integer("SELECT count(*) FROM update_journal") == 1);
    CHECK(raw.integer("SELECT last_seq FROM update_state") == 1);
  }
  auto store = open_ok(dir.state());  // room again
  CHECK(store->last_journal_seq("alice") == 1);
  CHECK(store->append_updates("alice", state_json(2), entries(2, 2)));
  REQUIRE(store->flush());
  CHECK(range(*store, "alice") == JournalRange{1, 2, 2});
  CHECK(state(*store, "alice") == state_json(2));
}

TEST_CASE("journal: a commit retried after a full disk has room again commits state and entries together") {
  TempDir dir;
  StoreOptions options;
  options.max_page_count = 60;  // 240 KiB
  auto store = open_ok(dir.state(), options);
  store->save_session(session("alice"));
  store->save_session(session("filler"));
  std::vector<JournalEntry> filler = entries(1, 200);  // ~120 KiB, deleted later to make room
  for (auto& e : filler) e.update_json += std::string(500, ' ');
  REQUIRE(store->append_updates("filler", "{}", std::move(filler)));
  REQUIRE(store->flush());
  std::vector<JournalEntry> big = entries(1, 150);
  for (auto& e : big) e.update_json += std::string(500, ' ');  // ~90 KiB: no room
  REQUIRE(store->append_updates("alice", state_json(150), std::move(big)));
  CHECK_FALSE(store->flush());
  CHECK(store->committed_journal_seq("alice") == 0);
  CHECK_FALSE(state(*store, "alice"));
  CHECK(read(*store, "alice").empty());
  {  // Room again: another connection deletes the filler (its pages go to the free list).
    RawDb raw(store->database_path());
    raw.exec("DELETE FROM update_journal WHERE session = 'filler'");
  }
  bool flushed = false;
  for (int i = 0; i < 50 && !flushed; ++i) flushed = store->flush();  // each retry up to 5 s apart
  REQUIRE(flushed);
  CHECK(store->committed_journal_seq("alice") == 150);
  CHECK(range(*store, "alice") == JournalRange{1, 150, 150});
  CHECK(state(*store, "alice") == state_json(150));
}

TEST_CASE("journal: trimmed by count, keeping the last seq") {
  TempDir dir;
  StoreOptions options;
  options.journal_limits.max_entries = 10;
  auto store = open_ok(dir.state(), options);
  CHECK(store->journal_limits().max_entries == 10);
  store->save_session(session("alice"));
  REQUIRE(store->append_updates("alice", state_json(25), entries(1, 25)));
  REQUIRE(store->flush());
  CHECK(range(*store, "alice") == JournalRange{16, 25, 10});
  auto got = read(*store, "alice");  // after 0: from the first one left
  REQUIRE(got.size() == 10);
  CHECK(got.front().seq == 16);
  for (std::int64_t seq = 26; seq <= 30; ++seq)
    REQUIRE(store->append_updates("alice", state_json(seq), entries(seq, seq)));
  REQUIRE(store->flush());
  CHECK(range(*store, "alice") == JournalRange{21, 30, 10});
  CHECK(store->stats().journal_trimmed == 20);
  // A new bound applies from the next commit.
  store->set_journal_limits({3, std::chrono::seconds{0}});
  REQUIRE(store->append_updates("alice", state_json(31), entries(31, 31)));
  REQUIRE(store->flush());
  CHECK(range(*store, "alice") == JournalRange{29, 31, 3});
}

TEST_CASE("journal: trimmed by age, and an emptied journal still continues its seqs") {
  TempDir dir;
  auto store = open_ok(dir.state());
  CHECK(store->journal_limits() == JournalLimits{});  // 100,000 entries, 7 days
  store->save_session(session("alice"));
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const std::int64_t eight_days_ago = now - 8 * 24 * 3600, six_days_ago = now - 6 * 24 * 3600;
  REQUIRE(store->append_updates("alice", state_json(3), entries(1, 3, eight_days_ago)));
  REQUIRE(store->append_updates("alice", state_json(5), entries(4, 5, six_days_ago)));
  REQUIRE(store->flush());  // trimmed in the same transaction
  CHECK(range(*store, "alice") == JournalRange{4, 5, 2});
  // Everything old: the journal is empty, its last seq stays.
  store->set_journal_limits({100'000, std::chrono::hours(24)});
  REQUIRE(store->append_updates("alice", state_json(6), entries(6, 6, six_days_ago)));
  REQUIRE(store->flush());
  CHECK(range(*store, "alice") == JournalRange{7, 6, 0});
  CHECK(read(*store, "alice").empty());
  CHECK(store->committed_journal_seq("alice") == 6);
  CHECK_FALSE(store->append_updates("alice", state_json(1), entries(1, 1)));  // seqs are never reused
  REQUIRE(store->append_updates("alice", state_json(7), entries(7, 7)));
  REQUIRE(store->flush());
  CHECK(range(*store, "alice") == JournalRange{7, 7, 1});
}

TEST_CASE("journal: a quiet session is trimmed by age when the store opens") {
  TempDir dir;
  const auto old = static_cast<std::int64_t>(std::time(nullptr)) - 8 * 24 * 3600;
  {
    StoreOptions keep_all;
    keep_all.journal_limits = {0, std::chrono::seconds{0}};
    auto store = open_ok(dir.state(), keep_all);
    store->save_session(session("quiet"));
    REQUIRE(store->append_updates("quiet", state_json(4), entries(1, 4, old)));
    REQUIRE(store->flush());
    CHECK(range(*store, "quiet").count == 4);
  }
  auto store = open_ok(dir.state());
  // The sweep runs on the writer thread right after open: wait for it.
  for (int i = 0; i < 200 && store->stats().journal_trimmed < 4; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(range(*store, "quiet") == JournalRange{5, 4, 0});
  CHECK(state(*store, "quiet") == state_json(4));
}

TEST_CASE("journal: remove_session removes its journal and state, and its seqs start again") {
  TempDir dir;
  auto store = open_ok(dir.state());
  store->save_session(session("alice"));
  store->save_session(session("bob"));
  REQUIRE(store->append_updates("alice", state_json(3), entries(1, 3)));
  REQUIRE(store->append_updates("bob", state_json(2), entries(1, 2)));
  REQUIRE(store->flush());
  store->remove_session("alice");
  CHECK(store->last_journal_seq("alice") == 0);
  REQUIRE(store->flush());
  CHECK(store->committed_journal_seq("alice") == 0);
  CHECK(read(*store, "alice").empty());
  CHECK_FALSE(state(*store, "alice"));
  CHECK(range(*store, "alice") == JournalRange{1, 0, 0});
  CHECK(read(*store, "bob").size() == 2);
  // Appended then removed before a commit: never written.
  store->save_session(session("alice"));
  REQUIRE(store->append_updates("alice", state_json(1), entries(1, 1)));
  store->remove_session("alice");
  store->save_session(session("alice"));
  REQUIRE(store->append_updates("alice", state_json(2), entries(1, 2)));
  REQUIRE(store->flush());
  CHECK(range(*store, "alice") == JournalRange{1, 2, 2});
  CHECK(state(*store, "alice") == state_json(2));
  RawDb raw(store->database_path());
  CHECK(raw.integer("SELECT count(*) FROM update_journal WHERE session = 'alice'") == 2);
}

TEST_CASE("journal: journal, state and seqs survive a restart") {
  TempDir dir;
  {
    auto store = open_ok(dir.state());
    store->save_session(session("alice"));
    REQUIRE(store->append_updates("alice", state_json(42), entries(1, 42)));
  }  // closing commits the queue
  auto store = open_ok(dir.state());
  CHECK(store->committed_journal_seq("alice") == 42);
  CHECK(store->last_journal_seq("alice") == 42);
  CHECK(range(*store, "alice") == JournalRange{1, 42, 42});
  CHECK(state(*store, "alice") == state_json(42));
  auto got = read(*store, "alice", 40);
  REQUIRE(got.size() == 2);
  CHECK(got[1] == JournalEntry{42, got[1].date, update_json(42)});
  CHECK_FALSE(store->append_updates("alice", state_json(1), entries(1, 1)));
  CHECK(store->append_updates("alice", state_json(43), entries(43, 43)));
}

TEST_CASE("journal: a version 1 database is migrated with its data kept, and journals") {
  TempDir dir;
  std::filesystem::create_directories(dir.state());
  const std::filesystem::path file = dir.state() / "tgd.db";
  {  // As tgd with schema version 1 left it.
    sqlite::Db db;
    { RawDb create(file); }
    REQUIRE_FALSE(sqlite::Db::open(file, db));
    REQUIRE(db.exec("PRAGMA journal_mode = WAL") == SQLITE_OK);
    auto error = migrate(db, migrations().first(1), file.string());
    REQUIRE_MESSAGE(!error, *error);
    RawDb raw(file);
    raw.exec(
        "INSERT INTO sessions (name, kind, state, main_dc) VALUES ('old', 'user', 'ready', 2);"
        "INSERT INTO peers (session, kind, id, access_hash, min, username, updated_at) "
        "VALUES ('old', 0, 777000, 5, 0, 'Telegram', 1700000000)");
    CHECK(raw.integer("PRAGMA user_version") == 1);
  }
  auto store = open_ok(dir.state());
  auto sessions = load(*store);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].session.name == "old");
  CHECK(store->find_peer("old", PeerKind::User, 777000)->access_hash == 5);
  CHECK(range(*store, "old") == JournalRange{1, 0, 0});
  REQUIRE(store->append_updates("old", state_json(1), entries(1, 1)));
  REQUIRE(store->flush());
  CHECK(read(*store, "old").size() == 1);
  RawDb raw(file);
  CHECK(raw.integer("PRAGMA user_version") == migrations().back().version);
}

TEST_CASE(
    "journal: the WAL is checkpointed by the checkpoint thread, not inside commits, and stays bounded") {
  TempDir dir;
  auto store = open_ok(dir.state());
  store->save_session(session("alice"));
  // ~40 MiB of journal in many commits: far past the 1,000-page threshold, many times over.
  const std::string big(4000, 'x');
  std::int64_t seq = 0;
  for (int commit = 0; commit < 1000; ++commit) {
    std::vector<JournalEntry> batch;
    for (int i = 0; i < 10; ++i) {
      ++seq;
      batch.push_back({seq, 0, R"({"_":"updateNewMessage","text":")" + big + "\"}"});
    }
    REQUIRE(store->append_updates("alice", state_json(seq), std::move(batch)));
    REQUIRE(store->flush());
  }
  Store::Stats stats = store->stats();
  CHECK(stats.checkpoints > 0);
  CHECK(stats.last_error.empty());
  // Back-to-back commits never leave the checkpoint thread a quiet moment to finish, so the writer
  // takes over at 4,000 pages: the WAL file (its high-water mark) stays near 16 MiB instead of
  // growing to the whole 40 MiB.
  const auto wal = std::filesystem::path(store->database_path().string() + "-wal");
  REQUIRE(std::filesystem::exists(wal));
  CHECK(std::filesystem::file_size(wal) < 24u * 1024 * 1024);
  CHECK(range(*store, "alice") == JournalRange{1, seq, seq});
  CHECK(read(*store, "alice", seq - 1).at(0).seq == seq);
}
