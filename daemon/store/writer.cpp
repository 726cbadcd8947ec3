#include "daemon/store/writer.hpp"

#include <utility>
#include <vector>

namespace tgd::store {
namespace {

// THE RULE of PeerRow::min in SQL (peer_merge.hpp says the same in C++). In DO UPDATE, `peers.x` is
// the stored value and `excluded.x` the incoming one; every right-hand side sees the stored row.
constexpr const char* kUpsertPeer = R"sql(
INSERT INTO peers (session, kind, id, access_hash, min, username, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (session, kind, id) DO UPDATE SET
  access_hash = CASE WHEN excluded.min AND (NOT peers.min OR excluded.access_hash = 0)
                     THEN peers.access_hash ELSE excluded.access_hash END,
  min = peers.min AND excluded.min,
  username = CASE WHEN excluded.min AND excluded.username IS NULL
                  THEN peers.username ELSE excluded.username END,
  updated_at = excluded.updated_at
)sql";

// An upsert, not INSERT OR REPLACE: REPLACE deletes the old row first, and with it (ON DELETE
// CASCADE) the session's keys and peers.
constexpr const char* kUpsertSession = R"sql(
INSERT INTO sessions
  (name, kind, state, logout_reason, main_dc, self_user_id, settings_json, dc_options_json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (name) DO UPDATE SET
  kind = excluded.kind, state = excluded.state, logout_reason = excluded.logout_reason,
  main_dc = excluded.main_dc, self_user_id = excluded.self_user_id,
  settings_json = excluded.settings_json, dc_options_json = excluded.dc_options_json
)sql";

constexpr const char* kUpsertState = R"sql(
INSERT INTO update_state (session, state_json, last_seq) VALUES (?1, ?2, ?3)
ON CONFLICT (session) DO UPDATE SET state_json = excluded.state_json, last_seq = excluded.last_seq
)sql";

// The entries older than the cutoff (?2) at the start of the journal: everything before the first
// entry dated at or after it (all when none is, ?3 = last seq + 1). The subquery walks the session's
// rows in seq order and stops at the first recent one, so when nothing is due this is two b-tree
// descents. An old entry after a newer one (the clock went back) waits for the newer to expire:
// the journal stays one range with no holes.
constexpr const char* kTrimAge = R"sql(
DELETE FROM update_journal WHERE session = ?1 AND seq < coalesce(
  (SELECT seq FROM update_journal WHERE session = ?1 AND date >= ?2 ORDER BY seq LIMIT 1), ?3)
)sql";

// A statement error that refuses this one row (the transaction goes on without it), as opposed to
// one that dooms the transaction (I/O error, disk full, ...), after which the batch is retried.
bool refuses_only_the_row(int code) {
  int primary = code & 0xff;
  return primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG ||
         primary == SQLITE_RANGE;
}

}  // namespace

std::optional<std::string> Writer::setup(sqlite::Db db, Writer& out, const StoreOptions& options) {
  const std::optional<std::int64_t>& max_page_count = options.max_page_count;
  out.journal_fsync_ = options.journal_fsync;
  // Rows of a session reference it; the cascade removes them with it.
  // journal_size_limit: after a burst, the WAL is truncated back to 64 MiB at the next checkpoint.
  // busy_timeout: only the read connection shares the file, and WAL readers do not block writers;
  // this covers the brief exclusive locks of WAL recovery and checkpoints.
  // secure_delete = FAST: a removed auth key is overwritten on the page it leaves, so its bytes do
  // not linger in the file's free space (FAST: when that costs no extra I/O, i.e. nearly always).
  if (db.exec("PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 67108864; PRAGMA busy_timeout = 5000; "
              "PRAGMA secure_delete = FAST;") != SQLITE_OK)
    return "cannot configure the writer connection: " + db.error();
  if (max_page_count) {
    std::string sql = "PRAGMA max_page_count = " + std::to_string(*max_page_count);
    db.exec(sql.c_str());
  }
  out.db_ = std::move(db);
  out.upsert_session_ = out.db_.prepare(kUpsertSession);
  out.delete_session_ = out.db_.prepare("DELETE FROM sessions WHERE name = ?1");
  out.upsert_key_ = out.db_.prepare(
      "INSERT OR REPLACE INTO auth_keys (session, dc_id, key, server_salt, time_offset) VALUES (?1, ?2, ?3, "
      "?4, ?5)");
  out.delete_key_ = out.db_.prepare("DELETE FROM auth_keys WHERE session = ?1 AND dc_id = ?2");
  out.upsert_peer_ = out.db_.prepare(kUpsertPeer);
  out.upsert_state_ = out.db_.prepare(kUpsertState);
  out.insert_entry_ =
      out.db_.prepare("INSERT INTO update_journal (session, seq, date, update_json) VALUES (?1, ?2, ?3, ?4)");
  out.trim_count_ = out.db_.prepare("DELETE FROM update_journal WHERE session = ?1 AND seq <= ?2");
  out.trim_age_ = out.db_.prepare(kTrimAge);
  out.all_states_ = out.db_.prepare("SELECT session, last_seq FROM update_state");
  out.savepoint_ = out.db_.prepare("SAVEPOINT journal_unit");
  out.release_ = out.db_.prepare("RELEASE journal_unit");
  out.rollback_to_ = out.db_.prepare("ROLLBACK TO journal_unit");
  if (!out.upsert_session_ || !out.delete_session_ || !out.upsert_key_ || !out.delete_key_ ||
      !out.upsert_peer_ || !out.upsert_state_ || !out.insert_entry_ || !out.trim_count_ || !out.trim_age_ ||
      !out.all_states_ || !out.savepoint_ || !out.release_ || !out.rollback_to_)
    return "cannot prepare the writer's statements: " + out.db_.error();
  return std::nullopt;
}

// Synchronous modes (the database is in WAL mode):
// - NORMAL for batches of peers only. A commit then appends to the WAL with write(2) and fsyncs only
//   at checkpoints. kill -9 loses nothing committed (the kernel has the bytes), and no crash, power
//   loss included, can corrupt the database: WAL frames are checksummed and a transaction counts
//   only when its commit frame is intact, so recovery drops exactly the unfinished tail. A power
//   loss may roll back the last commits since the previous fsync; for the peer cache that is fine
//   (the next users/chats vector brings the peers back).
// - FULL for batches that carry sessions or auth keys: the commit fsyncs the WAL. Forgetting a
//   freshly created key or a login after a power cut would mean a new login for the user (or a
//   key the server no longer knows), so those commits are made durable. They are rare (logins,
//   salt and DC changes), and the fsync costs the writer thread, never the event loop.
// - Journal entries go with NORMAL too, unless StoreOptions::journal_fsync asks for FULL. In both,
//   an update's state and its entries are in the same transaction, so whatever a crash or power
//   cut rolls back, it rolls back both: the session then re-fetches from the older state. What
//   NORMAL risks on a power cut is only that subscribers were given seqs that are gone (store.hpp).
bool Writer::set_synchronous(bool full) {
  if (synchronous_full_ == static_cast<int>(full)) return true;
  if (db_.exec(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL") != SQLITE_OK) return false;
  synchronous_full_ = full;
  return true;
}

bool Writer::trim(std::string_view session, std::int64_t last_seq, const JournalLimits& limits,
                  std::int64_t now, std::int64_t& trimmed) {
  if (limits.max_entries > 0 && last_seq > limits.max_entries) {
    auto& s = trim_count_;
    s.bind(1, session);
    s.bind(2, last_seq - limits.max_entries);
    int rc = s.step();
    s.reset();
    if (rc != SQLITE_DONE) return false;
    trimmed += db_.changes();
  }
  if (limits.max_age.count() > 0) {
    auto& s = trim_age_;
    s.bind(1, session);
    s.bind(2, now - limits.max_age.count());
    s.bind(3, last_seq + 1);
    int rc = s.step();
    s.reset();
    if (rc != SQLITE_DONE) return false;
    trimmed += db_.changes();
  }
  return true;
}

std::variant<std::int64_t, std::string> Writer::sweep(const JournalLimits& limits, std::int64_t now) {
  if (limits.max_age.count() <= 0) return std::int64_t{0};
  if (!set_synchronous(false) || db_.exec("BEGIN IMMEDIATE") != SQLITE_OK)
    return "cannot begin the journal sweep: " + db_.error();
  std::vector<std::pair<std::string, std::int64_t>> sessions;
  int rc;
  while ((rc = all_states_.step()) == SQLITE_ROW)
    sessions.emplace_back(all_states_.column_text(0), all_states_.column_int64(1));
  all_states_.reset();
  std::int64_t trimmed = 0;
  bool ok = rc == SQLITE_DONE;
  // Only the age bound: the count bound is kept by every append.
  JournalLimits by_age{0, limits.max_age};
  for (const auto& [session, last_seq] : sessions) {
    if (!ok) break;
    ok = trim(session, last_seq, by_age, now, trimmed);
  }
  if (ok && db_.exec("COMMIT") == SQLITE_OK) return trimmed;
  std::string error = "journal sweep failed: " + db_.error();
  db_.exec("ROLLBACK");
  return error;
}

CommitResult Writer::commit(const Batch& batch, const JournalLimits& limits, std::int64_t now) {
  CommitResult result;
  if (!set_synchronous(batch.has_ops() || (journal_fsync_ && batch.journal_entries > 0))) {
    result.error = "cannot set the synchronous mode: " + db_.error();
    return result;
  }
  if (int rc = db_.exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
    result.error = "cannot begin a transaction: " + db_.error();
    return result;
  }
  // Runs one statement; false when the transaction is doomed.
  auto run = [&](sqlite::Statement& s, auto&& describe_row) {
    int rc = s.step();
    std::string message = rc == SQLITE_DONE ? std::string() : db_.error();
    s.reset();
    if (rc == SQLITE_DONE) return true;
    if (refuses_only_the_row(rc)) {
      if (result.skipped++ == 0) result.skip_error = describe_row() + ": " + message;
      return true;
    }
    result.error = describe_row() + ": " + message;
    return false;
  };
  bool ok = true;
  for (const Op& op : batch.ops) {
    if (!ok) break;
    if (const auto* save = std::get_if<SaveSessionOp>(&op)) {
      const SessionRow& r = save->row;
      auto& s = upsert_session_;
      s.bind(1, r.name);
      s.bind(2, r.kind);
      s.bind(3, r.state);
      s.bind(4, r.logout_reason);
      s.bind(5, std::int64_t{r.main_dc});
      if (r.self_user_id) {
        s.bind(6, *r.self_user_id);
      } else {
        s.bind_null(6);
      }
      s.bind(7, r.settings_json);
      s.bind(8, r.dc_options_json);
      ok = run(s, [&] { return "saving session '" + r.name + "'"; });
    } else if (const auto* remove = std::get_if<RemoveSessionOp>(&op)) {
      delete_session_.bind(1, remove->name);
      ok = run(delete_session_, [&] { return "removing session '" + remove->name + "'"; });
    } else if (const auto* key = std::get_if<SaveAuthKeyOp>(&op)) {
      auto& s = upsert_key_;
      s.bind(1, key->session);
      s.bind(2, std::int64_t{key->row.dc_id});
      s.bind_blob(3, key->row.key);
      s.bind(4, key->row.server_salt);
      s.bind(5, key->row.time_offset);
      // Names the key by session and DC only: its bytes are a secret.
      ok = run(s, [&] {
        return "saving the auth key of session '" + key->session + "' for DC " +
               std::to_string(key->row.dc_id);
      });
    } else if (const auto* remove_key = std::get_if<RemoveAuthKeyOp>(&op)) {
      delete_key_.bind(1, remove_key->session);
      delete_key_.bind(2, std::int64_t{remove_key->dc_id});
      ok = run(delete_key_, [&] {
        return "removing the auth key of session '" + remove_key->session + "' for DC " +
               std::to_string(remove_key->dc_id);
      });
    }
  }
  for (const auto& [session, peers] : batch.peers) {
    if (!ok) break;
    for (const auto& [key, row] : peers) {
      auto& s = upsert_peer_;
      s.bind(1, session);
      s.bind(2, static_cast<std::int64_t>(key.kind));
      s.bind(3, key.id);
      s.bind(4, row.access_hash);
      s.bind(5, std::int64_t{row.min});
      if (row.username.empty()) {
        s.bind_null(6);
      } else {
        s.bind(6, row.username);
      }
      s.bind(7, row.updated_at);
      ok = run(s, [&] { return "saving peers of session '" + std::string(session) + "'"; });
      if (!ok) break;
    }
  }
  // Each session's unit in a savepoint: the database refusing a row of it (a session that was never
  // saved or was removed) drops the whole unit, state included, and the rest of the batch commits.
  // Any other error dooms the transaction, and the batch is retried whole.
  for (const auto& [session, unit] : batch.journal) {
    if (!ok) break;
    auto step = [&](sqlite::Statement& s) {
      int rc = s.step();
      s.reset();
      return rc;
    };
    if (int rc = step(savepoint_); rc != SQLITE_DONE) {
      ok = false;
      result.error = "cannot open a savepoint: " + db_.error();
      break;
    }
    int rc = SQLITE_DONE;
    {
      auto& s = upsert_state_;
      s.bind(1, session);
      s.bind_static(2, unit.state_json);
      s.bind(3, unit.last_seq);
      rc = step(s);
    }
    for (const JournalEntry& e : unit.entries) {
      if (rc != SQLITE_DONE) break;
      auto& s = insert_entry_;
      s.bind(1, session);
      s.bind(2, e.seq);
      s.bind(3, e.date);
      s.bind_static(4, e.update_json);
      rc = step(s);
    }
    std::string message = rc == SQLITE_DONE ? std::string() : db_.error();
    if (rc != SQLITE_DONE && refuses_only_the_row(rc)) {
      if (step(rollback_to_) != SQLITE_DONE || step(release_) != SQLITE_DONE) {
        ok = false;
        result.error = "cannot roll back to a savepoint: " + db_.error();
        break;
      }
      if (result.skip_error.empty())
        result.skip_error = "journaling " + std::to_string(unit.entries.size()) + " update(s) of session '" +
                            session + "' (dropped with its state): " + message;
      result.dropped_units.push_back(session);
      result.dropped_entries += unit.entries.size();
      continue;
    }
    if (rc != SQLITE_DONE) {
      ok = false;
      result.error = "journaling updates of session '" + session + "': " + message;
      break;
    }
    if (step(release_) != SQLITE_DONE) {
      ok = false;
      result.error = "cannot release a savepoint: " + db_.error();
      break;
    }
    result.journal_entries += unit.entries.size();
    if (!unit.entries.empty() && !trim(session, unit.last_seq, limits, now, result.trimmed)) {
      ok = false;
      result.error = "trimming the journal of session '" + session + "': " + db_.error();
    }
  }
  if (ok && db_.exec("COMMIT") != SQLITE_OK) {
    ok = false;
    result.error = "cannot commit: " + db_.error();
  }
  if (!ok) {
    db_.exec("ROLLBACK");  // fails harmlessly when SQLite already rolled back
    CommitResult failed;
    failed.error = std::move(result.error);
    return failed;
  }
  result.committed = true;
  return result;
}

}  // namespace tgd::store
