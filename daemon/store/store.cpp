#include "daemon/store/store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>
#include <utility>

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

  // The read connection and its statements; used under `mu`.
  sqlite::Db reader;
  sqlite::Statement peer_by_key, peers_by_username, all_sessions, all_keys;

  Writer writer;  // the writer thread's only

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
  std::jthread thread;  // joined by stop(), before any other member goes

  template <typename F>
  void enqueue(F&& add) {
    auto start = Clock::now();
    {
      std::lock_guard lk(mu);
      add(*pending);
      ++enqueued_seq;
    }
    work_cv.notify_one();
    std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    std::int64_t seen = longest_enqueue_ns.load(std::memory_order_relaxed);
    while (ns > seen && !longest_enqueue_ns.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
    }
  }

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
      work_cv.wait(lk, [&] { return !pending->empty() || stopping; });
      if (pending->empty()) break;   // stopping, nothing left
      std::swap(pending, inflight);  // pending takes the empty one (already reset)
      inflight_seq = enqueued_seq;
    }
    lk.unlock();
    auto start = Clock::now();
    CommitResult result = writer.commit(*inflight);
    auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
    lk.lock();
    if (result.committed) {
      std::uint64_t rows = inflight->rows() - result.skipped;
      ++stats.batches;
      stats.writes += rows;
      stats.max_batch = std::max<std::uint64_t>(stats.max_batch, rows);
      stats.longest_commit = std::max(stats.longest_commit, took);
      if (result.skipped) {
        stats.skipped += result.skipped;
        stats.last_error = result.skip_error;
        spdlog::warn("store: {} write(s) refused by the database, the rest committed; first: {}",
                     result.skipped, result.skip_error);
      }
      if (backoff > std::chrono::milliseconds{100})
        spdlog::info("store: commits work again ({} rows committed)", rows);
      backoff = std::chrono::milliseconds{100};
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
  if (auto e = Writer::setup(std::move(db), impl->writer, options.max_page_count))
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
  if (!impl->peer_by_key || !impl->peers_by_username || !impl->all_sessions || !impl->all_keys)
    return StoreError{"cannot prepare the read statements on " + name + ": " + reader.error()};
  if (auto e = tighten_side_files(path)) return StoreError{*e};

  Impl* raw = impl.get();
  impl->thread = std::jthread([raw] { raw->run_writer(); });
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

std::variant<std::vector<SessionSnapshot>, StoreError> Store::load_sessions() {
  Impl& m = *impl_;
  std::lock_guard lk(m.mu);
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
  impl_->enqueue([&](Batch& b) { b.add(RemoveSessionOp{std::move(name)}); });
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
  return s;
}

const std::filesystem::path& Store::database_path() const { return impl_->db_path; }

}  // namespace tgd::store
