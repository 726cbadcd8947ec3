#include "daemon/store/store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "daemon/store/checkpointer.hpp"
#include "daemon/store/peer_merge.hpp"
#include "daemon/store/private_file.hpp"
#include "daemon/store/schema.hpp"
#include "daemon/store/sqlite.hpp"
#include "daemon/store/state_dir_lock.hpp"
#include "daemon/store/write_queue.hpp"
#include "daemon/store/writer.hpp"

namespace tgd::store {
namespace {

using Clock = std::chrono::steady_clock;

// SQLite's default automatic checkpoint size (4 MiB of WAL with 4 KiB pages).
constexpr int kCheckpointPages = 1000;

std::filesystem::path with_suffix(const std::filesystem::path& file, const char* suffix) {
  return std::filesystem::path(file.string() + suffix);
}

// The database's side files: SQLite creates them with the database file's mode (its unix VFS
// fchmods them to match, whatever the umask), and this repairs files left with a wider mode.
std::optional<std::string> tighten_side_files(const std::filesystem::path& db) {
  if (auto e = tighten_if_exists(with_suffix(db, "-wal"))) return e;
  return tighten_if_exists(with_suffix(db, "-shm"));
}

}  // namespace

struct Store::Impl {
  explicit Impl(StateDirLock held) : lock(std::move(held)) {}

  // Declared first, destroyed last: the directory stays locked until the database is closed.
  StateDirLock lock;
  std::filesystem::path db_path;

  // The read connection and its statements; used under `reader_mu`. Lock order: `mu`, then
  // `reader_mu` (the peer lookups merge the queue with stored rows); the journal reads and
  // load_sessions() read committed rows only and take `reader_mu` alone, so they never hold up
  // the write calls or the writer.
  std::mutex reader_mu;
  sqlite::Db reader;
  sqlite::Statement peer_by_key, peers_by_username, all_sessions, all_keys;
  sqlite::Statement journal_after, journal_bounds, state_of;

  Writer writer;  // the writer thread's only
  // After `writer`: gone (its thread stopped) before the writer's connection closes.
  std::unique_ptr<Checkpointer> checkpointer;

  mutable std::mutex mu;
  std::condition_variable work_cv;  // the writer waits for work or stop
  std::condition_variable done_cv;  // flush() waits for commits
  // Filled by the write calls / being committed (read by lookups too; replaced only under mu).
  std::unique_ptr<Batch> pending = std::make_unique<Batch>(), inflight = std::make_unique<Batch>();
  std::unique_ptr<Batch> spare = std::make_unique<Batch>();  // the writer's: the next empty one
  std::uint64_t enqueued_seq = 0, inflight_seq = 0, committed_seq = 0;
  bool stopping = false, writer_exited = false;
  Stats stats;  // all but longest_enqueue
  std::atomic<std::int64_t> longest_enqueue_ns{0};
  // The last seq of each session's journal counting the queue: append_updates() checks that the
  // entries continue it. Loaded at open from update_state; a session without one is at 0.
  std::map<std::string, std::int64_t, std::less<>> queued_tail;
  JournalLimits limits;
  Clock::time_point next_sweep = Clock::now();  // the first age sweep right away, then hourly

  // The last committed seq of each session's journal, under its own mutex: committed_journal_seq()
  // is called from the event loop and must not wait for reads or the queue.
  mutable std::mutex journal_mu;
  std::map<std::string, std::int64_t, std::less<>> committed_tail;

  // Held while the listener runs (on the writer thread), so that set_commit_listener() returns only
  // once the previous listener is no longer running.
  std::mutex listener_mu;
  std::function<void(std::vector<JournalCommit>)> listener;
  std::jthread thread;  // joined by stop(), before any other member goes

  template <typename F>
  void enqueue(F&& add) {
    enqueue_if([&](Batch& b) {
      add(b);
      return true;
    });
  }

  // As enqueue(), when add() may refuse (returns false): then nothing was queued.
  template <typename F>
  bool enqueue_if(F&& add) {
    auto start = Clock::now();
    bool queued;
    {
      std::lock_guard lk(mu);
      queued = add(*pending);
      if (queued) ++enqueued_seq;
    }
    if (queued) work_cv.notify_one();
    std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    std::int64_t seen = longest_enqueue_ns.load(std::memory_order_relaxed);
    while (ns > seen && !longest_enqueue_ns.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
    }
    return queued;
  }

  void after_journal_commit(const CommitResult& result);  // mu held
  void notify_listener(std::vector<JournalCommit> commits);
  void sweep(std::unique_lock<std::mutex>& lk);
  std::string read_error(const char* what);  // reader_mu held
  void record_error(std::string message);    // neither mutex held

  void run_writer();
  void stop();
  void record_read_error(const char* what);
  std::optional<PeerRow> stored_peer(std::string_view session, PeerKey key);  // mu held
  std::optional<PeerRow> peer(std::string_view session, PeerKey key);         // mu held
  bool stored_rows_visible(std::string_view session) const {                  // mu held
    return !inflight->removed.contains(session) && !pending->removed.contains(session);
  }
};

void Store::Impl::run_writer() {
  std::chrono::milliseconds backoff{100};
  std::unique_lock lk(mu);
  for (;;) {
    if (inflight->empty()) {
      if (!work_cv.wait_until(lk, next_sweep, [&] { return !pending->empty() || stopping; })) {
        sweep(lk);
        continue;
      }
      if (pending->empty()) break;   // stopping, nothing left
      std::swap(pending, inflight);  // pending takes the empty one (already reset)
      inflight_seq = enqueued_seq;
    }
    const JournalLimits commit_limits = limits;
    lk.unlock();
    auto start = Clock::now();
    CommitResult result =
        writer.commit(*inflight, commit_limits, static_cast<std::int64_t>(std::time(nullptr)));
    auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
    lk.lock();
    if (result.committed) {
      std::uint64_t rows =
          inflight->rows() - result.skipped - result.dropped_units.size() - result.dropped_entries;
      ++stats.batches;
      stats.writes += rows;
      stats.max_batch = std::max<std::uint64_t>(stats.max_batch, rows);
      stats.longest_commit = std::max(stats.longest_commit, took);
      if (result.skipped || !result.dropped_units.empty()) {
        stats.skipped += result.skipped;
        stats.last_error = result.skip_error;
        spdlog::warn(
            "store: {} write(s) and {} journal append(s) refused by the database, the rest committed; "
            "first: {}",
            result.skipped, result.dropped_units.size(), result.skip_error);
      }
      if (backoff > std::chrono::milliseconds{100})
        spdlog::info("store: commits work again ({} rows committed)", rows);
      backoff = std::chrono::milliseconds{100};
      std::vector<JournalCommit> commits;
      if (!inflight->journal.empty() || !inflight->removed.empty()) {
        after_journal_commit(result);
        for (const auto& [session, unit] : inflight->journal) {
          if (!unit.entries.empty() && std::find(result.dropped_units.begin(), result.dropped_units.end(),
                                                 session) == result.dropped_units.end())
            commits.push_back({session, unit.last_seq});
        }
      }
      // The listener runs before flush() returns: once flushed, everything committed was announced.
      if (!commits.empty()) {
        lk.unlock();
        notify_listener(std::move(commits));
        lk.lock();
      }
      committed_seq = inflight_seq;
      // The rows leave the lookups' view as they are committed. The batch is emptied (key bytes
      // wiped) outside the mutex that the write calls need, to be the next `pending`.
      std::swap(spare, inflight);
      lk.unlock();
      done_cv.notify_all();
      spare->reset();
      lk.lock();
      continue;
    }
    ++stats.failed_commits;
    stats.last_error = result.error;
    done_cv.notify_all();
    if (stopping && backoff > std::chrono::milliseconds{100}) {
      // Already retried since the stop request: give up rather than hang the shutdown.
      spdlog::error("store: closing with {} row(s) not committed (lost): {}",
                    inflight->rows() + pending->rows(), result.error);
      inflight->reset();
      pending->reset();
      break;
    }
    spdlog::error("store: commit of {} row(s) failed, retrying in {} ms: {}", inflight->rows(),
                  backoff.count(), result.error);
    work_cv.wait_for(lk, backoff, [&] { return stopping; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds{5000});
  }
  writer_exited = true;
  done_cv.notify_all();
}

// The journal's bookkeeping after a commit: the committed tails move on, and a unit the database
// dropped sets its session's tail back to what is committed (the queued calls that continued it
// cannot be journaled any more: they are dropped too, unless the session's removal is queued, which
// restarted its seqs anyway).
void Store::Impl::after_journal_commit(const CommitResult& result) {
  {
    std::lock_guard jl(journal_mu);
    for (const std::string& name : inflight->removed) committed_tail.erase(name);
    for (const auto& [session, unit] : inflight->journal) {
      if (std::find(result.dropped_units.begin(), result.dropped_units.end(), session) !=
          result.dropped_units.end())
        continue;
      auto it = committed_tail.find(session);
      if (it == committed_tail.end()) {
        committed_tail.emplace(session, unit.last_seq);
      } else {
        it->second = unit.last_seq;
      }
    }
  }
  stats.journal_entries += result.journal_entries;
  stats.journal_trimmed += static_cast<std::uint64_t>(result.trimmed);
  for (const std::string& session : result.dropped_units) {
    ++stats.journal_refused;
    if (pending->removed.contains(session)) continue;
    std::int64_t committed = 0;
    {
      std::lock_guard jl(journal_mu);
      if (auto it = committed_tail.find(session); it != committed_tail.end()) committed = it->second;
    }
    queued_tail[session] = committed;
    if (pending->journal.contains(session)) {
      std::size_t lost = pending->drop_journal(session);
      ++stats.journal_refused;
      spdlog::warn("store: dropped {} queued update(s) of session '{}' that continued a refused append", lost,
                   session);
    }
  }
}

void Store::Impl::notify_listener(std::vector<JournalCommit> commits) {
  std::lock_guard ll(listener_mu);
  if (listener) listener(std::move(commits));
}

// The hourly age trim of every journal (a session that gets no updates is trimmed by no append).
void Store::Impl::sweep(std::unique_lock<std::mutex>& lk) {
  const JournalLimits sweep_limits = limits;
  lk.unlock();
  auto result = writer.sweep(sweep_limits, static_cast<std::int64_t>(std::time(nullptr)));
  lk.lock();
  next_sweep = Clock::now() + std::chrono::hours(1);
  if (auto* trimmed = std::get_if<std::int64_t>(&result)) {
    stats.journal_trimmed += static_cast<std::uint64_t>(*trimmed);
  } else {
    stats.last_error = std::get<std::string>(result);
    spdlog::error("store: {}", stats.last_error);
  }
}

std::string Store::Impl::read_error(const char* what) {
  std::string message = std::string("store: ") + what + ": " + reader.error();
  spdlog::error("{}", message);
  return message;
}

void Store::Impl::record_error(std::string message) {
  std::lock_guard lk(mu);
  stats.last_error = std::move(message);
}

void Store::Impl::stop() {
  {
    std::lock_guard lk(mu);
    stopping = true;
  }
  work_cv.notify_all();
  if (thread.joinable()) thread.join();
}

void Store::Impl::record_read_error(const char* what) {
  std::string message = std::string("store: ") + what + ": " + reader.error();
  spdlog::error("{}", message);
  stats.last_error = std::move(message);
}

std::optional<PeerRow> Store::Impl::stored_peer(std::string_view session, PeerKey key) {
  std::lock_guard rl(reader_mu);
  auto& s = peer_by_key;
  sqlite::ResetOnExit reset(s);
  s.bind(1, session);
  s.bind(2, static_cast<std::int64_t>(key.kind));
  s.bind(3, key.id);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) {
    record_read_error("peer lookup failed");
    return std::nullopt;
  }
  PeerRow row;
  row.kind = key.kind;
  row.id = key.id;
  row.access_hash = s.column_int64(0);
  row.min = s.column_int64(1) != 0;
  row.username = s.column_text(2);
  row.updated_at = s.column_int64(3);
  return row;
}

// The stored row with the queued rows folded over it (merge_into is associative), or the queued rows
// alone when the session's removal is queued.
std::optional<PeerRow> Store::Impl::peer(std::string_view session, PeerKey key) {
  std::optional<PeerRow> row;
  if (stored_rows_visible(session)) row = stored_peer(session, key);
  for (const Batch* batch : {inflight.get(), pending.get()}) {
    if (batch->removed.contains(session)) row.reset();
    if (const QueuedPeer* queued = batch->find_peer(session, key)) {
      if (row) {
        merge_into(*row, *queued);
      } else {
        row = queued->row(key);
      }
    }
  }
  return row;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() { impl_->stop(); }

std::variant<std::unique_ptr<Store>, StoreError> Store::open(const std::filesystem::path& state_dir,
                                                             StoreOptions options) {
  if (auto e = make_state_dir(state_dir)) return StoreError{*e};
  auto locked = StateDirLock::acquire(state_dir);
  if (auto* e = std::get_if<StoreError>(&locked)) return std::move(*e);
  auto impl = std::make_unique<Impl>(std::move(std::get<StateDirLock>(locked)));
  impl->db_path = state_dir / "tgd.db";
  const std::filesystem::path& path = impl->db_path;
  const std::string name = path.string();

  // The file exists with mode 0600 before SQLite opens it; SQLite gives -wal and -shm the same mode.
  if (auto e = make_private_file(path)) return StoreError{*e};
  if (auto e = tighten_side_files(path)) return StoreError{*e};

  sqlite::Db db;
  if (auto e = sqlite::Db::open(path, db)) return StoreError{"cannot open " + name + ": " + *e};
  {
    // Persistent: set once, the file stays in WAL mode. Readers and the writer never block each
    // other, and a commit is one append to the WAL.
    sqlite::Statement wal = db.prepare("PRAGMA journal_mode = WAL");
    if (!wal || wal.step() != SQLITE_ROW) return StoreError{"cannot open " + name + ": " + db.error()};
    if (std::string mode = wal.column_text(0); mode != "wal")
      return StoreError{"cannot put " + name + " in WAL mode (journal_mode is " + mode + ")"};
  }
  if (auto e = migrate(db, migrations(), name)) return StoreError{*e};
  if (auto e = Writer::setup(std::move(db), impl->writer, options)) return StoreError{name + ": " + *e};
  if (auto e = Checkpointer::start(path, impl->writer.connection(), kCheckpointPages, impl->checkpointer))
    return StoreError{name + ": " + *e};

  sqlite::Db& reader = impl->reader;
  if (auto e = sqlite::Db::open(path, reader)) return StoreError{"cannot open " + name + ": " + *e};
  // query_only: this connection must never write (the writer thread does). A WAL reader waits only
  // while another connection runs WAL recovery, which is short: a small busy_timeout.
  if (reader.exec("PRAGMA query_only = ON; PRAGMA busy_timeout = 100;") != SQLITE_OK)
    return StoreError{"cannot configure the read connection to " + name + ": " + reader.error()};
  impl->peer_by_key = reader.prepare(
      "SELECT access_hash, min, username, updated_at FROM peers WHERE session = ?1 AND kind = ?2 AND id = "
      "?3");
  // Uses the partial index peers_by_username (`username = ?` implies username IS NOT NULL).
  impl->peers_by_username = reader.prepare(
      "SELECT kind, id FROM peers WHERE session = ?1 AND username = ?2 COLLATE NOCASE "
      "ORDER BY updated_at DESC LIMIT 8");
  impl->all_sessions = reader.prepare(
      "SELECT name, kind, state, logout_reason, main_dc, self_user_id, settings_json, dc_options_json "
      "FROM sessions ORDER BY name");
  impl->all_keys = reader.prepare(
      "SELECT session, dc_id, key, server_salt, time_offset FROM auth_keys ORDER BY session, dc_id");
  impl->journal_after = reader.prepare(
      "SELECT seq, date, update_json FROM update_journal WHERE session = ?1 AND seq > ?2 ORDER BY seq LIMIT "
      "?3");
  // One statement, so both come from the same snapshot.
  impl->journal_bounds = reader.prepare(
      "SELECT (SELECT last_seq FROM update_state WHERE session = ?1), "
      "(SELECT seq FROM update_journal WHERE session = ?1 ORDER BY seq LIMIT 1)");
  impl->state_of = reader.prepare("SELECT state_json FROM update_state WHERE session = ?1");
  if (!impl->peer_by_key || !impl->peers_by_username || !impl->all_sessions || !impl->all_keys ||
      !impl->journal_after || !impl->journal_bounds || !impl->state_of)
    return StoreError{"cannot prepare the read statements on " + name + ": " + reader.error()};
  {
    // Where every journal ends: append_updates() continues from there.
    sqlite::Statement tails = reader.prepare("SELECT session, last_seq FROM update_state");
    int rc;
    while (tails && (rc = tails.step()) == SQLITE_ROW)
      impl->queued_tail.emplace(tails.column_text(0), tails.column_int64(1));
    if (!tails || rc != SQLITE_DONE)
      return StoreError{"cannot read the update states in " + name + ": " + reader.error()};
    impl->committed_tail = impl->queued_tail;
  }
  impl->limits = options.journal_limits;
  if (auto e = tighten_side_files(path)) return StoreError{*e};

  Impl* raw = impl.get();
  impl->thread = std::jthread([raw] { raw->run_writer(); });
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

std::variant<std::vector<SessionSnapshot>, StoreError> Store::load_sessions() {
  Impl& m = *impl_;
  std::lock_guard rl(m.reader_mu);
  // One read transaction: the sessions and the keys come from the same snapshot.
  if (m.reader.exec("BEGIN") != SQLITE_OK) return StoreError{"cannot read the sessions: " + m.reader.error()};
  struct End {
    sqlite::Db& db;
    ~End() { db.exec("COMMIT"); }
  } end{m.reader};
  std::vector<SessionSnapshot> sessions;
  {
    auto& s = m.all_sessions;
    sqlite::ResetOnExit reset(s);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      SessionRow row;
      row.name = s.column_text(0);
      row.kind = s.column_text(1);
      row.state = s.column_text(2);
      row.logout_reason = s.column_text(3);
      row.main_dc = static_cast<std::int32_t>(s.column_int64(4));
      if (!s.column_is_null(5)) row.self_user_id = s.column_int64(5);
      row.settings_json = s.column_text(6);
      row.dc_options_json = s.column_text(7);
      sessions.push_back({std::move(row), {}});
    }
    if (rc != SQLITE_DONE) return StoreError{"cannot read the sessions: " + m.reader.error()};
  }
  {
    auto& s = m.all_keys;
    sqlite::ResetOnExit reset(s);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      std::string session = s.column_text(0);
      // Both lists are sorted by name (the same BINARY collation), so a binary search finds it.
      auto it =
          std::lower_bound(sessions.begin(), sessions.end(), session,
                           [](const SessionSnapshot& a, const std::string& b) { return a.session.name < b; });
      if (it == sessions.end() || it->session.name != session) continue;  // cannot happen (foreign key)
      AuthKeyRow key;
      key.dc_id = static_cast<std::int32_t>(s.column_int64(1));
      auto blob = s.column_blob(2);
      key.key.assign(blob.begin(), blob.end());
      key.server_salt = s.column_int64(3);
      key.time_offset = s.column_int64(4);
      it->auth_keys.push_back(std::move(key));
    }
    if (rc != SQLITE_DONE) return StoreError{"cannot read the auth keys: " + m.reader.error()};
  }
  return sessions;
}

void Store::save_session(SessionRow row) {
  impl_->enqueue([&](Batch& b) { b.add(SaveSessionOp{std::move(row)}); });
}

void Store::remove_session(std::string name) {
  impl_->enqueue([&](Batch& b) {
    // Its journal goes with it: a session of that name starts again at seq 1.
    if (auto it = impl_->queued_tail.find(name); it != impl_->queued_tail.end()) impl_->queued_tail.erase(it);
    b.add(RemoveSessionOp{std::move(name)});
  });
}

void Store::save_auth_key(std::string session, AuthKeyRow row) {
  impl_->enqueue([&](Batch& b) { b.add(SaveAuthKeyOp{std::move(session), std::move(row)}); });
}

void Store::remove_auth_key(std::string session, std::int32_t dc_id) {
  impl_->enqueue([&](Batch& b) { b.add(RemoveAuthKeyOp{std::move(session), dc_id}); });
}

void Store::save_peers(std::string session, std::vector<PeerRow> peers) {
  if (peers.empty()) return;
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  for (PeerRow& p : peers) {
    if (p.updated_at == 0) p.updated_at = now;
    if (!p.username.empty() && p.username.front() == '@') p.username.erase(0, 1);
  }
  impl_->enqueue([&](Batch& b) {
    for (const PeerRow& p : peers) b.add_peer(session, p);
  });
}

std::optional<PeerRow> Store::find_peer(std::string_view session, PeerKind kind, std::int64_t id) {
  std::lock_guard lk(impl_->mu);
  return impl_->peer(session, PeerKey{kind, id});
}

std::optional<PeerRow> Store::find_peer_by_username(std::string_view session, std::string_view username) {
  if (!username.empty() && username.front() == '@') username.remove_prefix(1);
  if (username.empty()) return std::nullopt;
  Impl& m = *impl_;
  std::lock_guard lk(m.mu);
  // Candidates: queued rows with that username, and stored ones. Each is then looked at as a whole
  // (stored row + queued rows): a queued rename may have taken the username away from a stored row.
  std::vector<PeerKey> candidates;
  for (const Batch* batch : {m.inflight.get(), m.pending.get()}) {
    auto it = batch->peers.find(session);
    if (it == batch->peers.end()) continue;
    for (const auto& [key, row] : it->second) {
      if (same_username(row.username, username)) candidates.push_back(key);
    }
  }
  if (m.stored_rows_visible(session)) {
    std::lock_guard rl(m.reader_mu);
    auto& s = m.peers_by_username;
    sqlite::ResetOnExit reset(s);
    s.bind(1, session);
    s.bind(2, username);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      candidates.push_back(PeerKey{static_cast<PeerKind>(s.column_int64(0)), s.column_int64(1)});
    if (rc != SQLITE_DONE) m.record_read_error("username lookup failed");
  }
  std::optional<PeerRow> best;
  for (const PeerKey& key : candidates) {
    std::optional<PeerRow> row = m.peer(session, key);
    if (!row || !same_username(row->username, username)) continue;
    if (!best || row->updated_at > best->updated_at) best = std::move(row);
  }
  return best;
}

bool Store::append_updates(std::string session, std::string state_json, std::vector<JournalEntry> entries) {
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  for (JournalEntry& e : entries) {
    if (e.date == 0) e.date = now;
  }
  Impl& m = *impl_;
  std::int64_t expected = 0, bad = 0;
  bool queued = m.enqueue_if([&](Batch& b) {
    auto it = m.queued_tail.find(session);
    const std::int64_t tail = it == m.queued_tail.end() ? 0 : it->second;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].seq != tail + 1 + static_cast<std::int64_t>(i)) {
        expected = tail + 1 + static_cast<std::int64_t>(i);
        bad = entries[i].seq;
        ++m.stats.journal_refused;
        m.stats.last_error = "store: append_updates of session '" + session + "' refused: seq " +
                             std::to_string(bad) + " where " + std::to_string(expected) + " was due";
        return false;
      }
    }
    const std::int64_t last = tail + static_cast<std::int64_t>(entries.size());
    if (it == m.queued_tail.end()) {
      m.queued_tail.emplace(session, last);
    } else {
      it->second = last;
    }
    b.add_journal(session, std::move(state_json), std::move(entries), last);
    return true;
  });
  if (!queued)
    spdlog::warn("store: append_updates of session '{}' refused (nothing queued): seq {} where {} was due",
                 session, bad, expected);
  return queued;
}

std::int64_t Store::last_journal_seq(std::string_view session) const {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->queued_tail.find(session);
  return it == impl_->queued_tail.end() ? 0 : it->second;
}

void Store::set_commit_listener(std::function<void(std::vector<JournalCommit>)> listener) {
  std::lock_guard ll(impl_->listener_mu);
  impl_->listener = std::move(listener);
}

std::int64_t Store::committed_journal_seq(std::string_view session) const {
  std::lock_guard jl(impl_->journal_mu);
  auto it = impl_->committed_tail.find(session);
  return it == impl_->committed_tail.end() ? 0 : it->second;
}

std::variant<std::vector<JournalEntry>, StoreError> Store::read_journal(std::string_view session,
                                                                        std::int64_t after_seq,
                                                                        std::size_t limit) {
  Impl& m = *impl_;
  std::vector<JournalEntry> entries;
  if (limit == 0) return entries;
  std::string error;
  {
    std::lock_guard rl(m.reader_mu);
    auto& s = m.journal_after;
    sqlite::ResetOnExit reset(s);
    s.bind(1, session);
    s.bind(2, after_seq);
    s.bind(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    entries.reserve(std::min<std::size_t>(limit, 1024));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
      entries.push_back({s.column_int64(0), s.column_int64(1), s.column_text(2)});
    if (rc != SQLITE_DONE) error = m.read_error("reading the update journal failed");
  }
  if (!error.empty()) {
    m.record_error(error);
    return StoreError{std::move(error)};
  }
  return entries;
}

std::variant<JournalRange, StoreError> Store::journal_range(std::string_view session) {
  Impl& m = *impl_;
  JournalRange range;
  std::string error;
  {
    std::lock_guard rl(m.reader_mu);
    auto& s = m.journal_bounds;
    sqlite::ResetOnExit reset(s);
    s.bind(1, session);
    if (s.step() == SQLITE_ROW) {
      range.last = s.column_is_null(0) ? 0 : s.column_int64(0);
      // The journal is one range ending at last_seq (appends are consecutive, trimming takes the oldest).
      range.first = s.column_is_null(1) ? range.last + 1 : s.column_int64(1);
      range.count = range.last - range.first + 1;
    } else {
      error = m.read_error("reading the update journal's bounds failed");
    }
  }
  if (!error.empty()) {
    m.record_error(error);
    return StoreError{std::move(error)};
  }
  return range;
}

std::variant<std::optional<std::string>, StoreError> Store::load_update_state(std::string_view session) {
  Impl& m = *impl_;
  std::optional<std::string> state;
  std::string error;
  {
    std::lock_guard rl(m.reader_mu);
    auto& s = m.state_of;
    sqlite::ResetOnExit reset(s);
    s.bind(1, session);
    int rc = s.step();
    if (rc == SQLITE_ROW) {
      state = s.column_text(0);
    } else if (rc != SQLITE_DONE) {
      error = m.read_error("reading the update state failed");
    }
  }
  if (!error.empty()) {
    m.record_error(error);
    return StoreError{std::move(error)};
  }
  return state;
}

void Store::set_journal_limits(JournalLimits limits) {
  std::lock_guard lk(impl_->mu);
  impl_->limits = limits;
}

JournalLimits Store::journal_limits() const {
  std::lock_guard lk(impl_->mu);
  return impl_->limits;
}

bool Store::flush() {
  Impl& m = *impl_;
  std::unique_lock lk(m.mu);
  const std::uint64_t target = m.enqueued_seq;
  const std::uint64_t failures = m.stats.failed_commits;
  m.done_cv.wait(
      lk, [&] { return m.committed_seq >= target || m.stats.failed_commits > failures || m.writer_exited; });
  return m.committed_seq >= target;
}

Store::Stats Store::stats() const {
  const Impl& m = *impl_;
  std::lock_guard lk(m.mu);
  Stats s = m.stats;
  s.queued = m.pending->rows() + m.inflight->rows();
  s.longest_enqueue = std::chrono::nanoseconds(m.longest_enqueue_ns.load(std::memory_order_relaxed));
  if (m.checkpointer) {
    Checkpointer::Stats c = m.checkpointer->stats();
    s.checkpoints = c.checkpoints;
    s.writer_checkpoints = c.writer_checkpoints;
    s.longest_checkpoint = c.longest;
    if (s.last_error.empty()) s.last_error = std::move(c.last_error);
  }
  return s;
}

const std::filesystem::path& Store::database_path() const { return impl_->db_path; }

}  // namespace tgd::store
