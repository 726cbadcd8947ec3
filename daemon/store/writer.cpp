#include "daemon/store/writer.hpp"

#include <utility>

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

// A statement error that refuses this one row (the transaction goes on without it), as opposed to
// one that dooms the transaction (I/O error, disk full, ...), after which the batch is retried.
bool refuses_only_the_row(int code) {
  int primary = code & 0xff;
  return primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG ||
         primary == SQLITE_RANGE;
}

}  // namespace

std::optional<std::string> Writer::setup(sqlite::Db db, Writer& out,
                                         std::optional<std::int64_t> max_page_count) {
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
  if (!out.upsert_session_ || !out.delete_session_ || !out.upsert_key_ || !out.delete_key_ ||
      !out.upsert_peer_)
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
bool Writer::set_synchronous(bool full) {
  if (synchronous_full_ == static_cast<int>(full)) return true;
  if (db_.exec(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL") != SQLITE_OK) return false;
  synchronous_full_ = full;
  return true;
}

CommitResult Writer::commit(const Batch& batch) {
  CommitResult result;
  if (!set_synchronous(batch.has_ops())) {
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
  if (ok && db_.exec("COMMIT") != SQLITE_OK) {
    ok = false;
    result.error = "cannot commit: " + db_.error();
  }
  if (!ok) {
    db_.exec("ROLLBACK");  // fails harmlessly when SQLite already rolled back
    result.skipped = 0;
    result.skip_error.clear();
    return result;
  }
  result.committed = true;
  return result;
}

}  // namespace tgd::store
