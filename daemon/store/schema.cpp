#include "daemon/store/schema.hpp"

#include <string>

namespace tgd::store {
namespace {

// Version 1. Notes on the choices:
// - Rows of a session reference it by name with ON DELETE CASCADE, so removing a session removes
//   its keys and peers in the same statement (connections run with PRAGMA foreign_keys=ON).
// - WITHOUT ROWID with the natural keys as primary keys: lookups by (session, kind, id) are one
//   b-tree descent, and the peer rows are stored clustered by session.
// - Peers are keyed by (kind, id): Telegram user, chat and channel ids are separate spaces and do
//   collide numerically.
// - usernames are ASCII ([A-Za-z0-9_]), so COLLATE NOCASE is exactly Telegram's case-insensitivity;
//   the partial index holds only peers that have one, and with updated_at (and the primary key,
//   which every index of a WITHOUT ROWID table carries) it covers the lookup, newest first.
constexpr const char* kV1 = R"sql(
CREATE TABLE sessions (
  name            TEXT PRIMARY KEY NOT NULL,
  kind            TEXT NOT NULL,
  state           TEXT NOT NULL,
  logout_reason   TEXT NOT NULL DEFAULT '',
  main_dc         INTEGER NOT NULL,
  self_user_id    INTEGER,
  settings_json   TEXT NOT NULL DEFAULT '{}',
  dc_options_json TEXT NOT NULL DEFAULT '[]'
) WITHOUT ROWID;

CREATE TABLE auth_keys (
  session     TEXT NOT NULL REFERENCES sessions(name) ON DELETE CASCADE,
  dc_id       INTEGER NOT NULL,
  key         BLOB NOT NULL,
  server_salt INTEGER NOT NULL,
  time_offset INTEGER NOT NULL,
  PRIMARY KEY (session, dc_id)
) WITHOUT ROWID;

CREATE TABLE peers (
  session     TEXT NOT NULL REFERENCES sessions(name) ON DELETE CASCADE,
  kind        INTEGER NOT NULL,
  id          INTEGER NOT NULL,
  access_hash INTEGER NOT NULL,
  min         INTEGER NOT NULL,
  username    TEXT,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (session, kind, id)
) WITHOUT ROWID;

CREATE INDEX peers_by_username ON peers (session, username COLLATE NOCASE, updated_at)
  WHERE username IS NOT NULL;
)sql";

// Version 2: the update journal (issue #6).
// - update_journal is a rowid table with the (session, seq) primary key as its index, not WITHOUT
//   ROWID: its rows are large (~400 bytes of JSON, and more), so that a WITHOUT ROWID b-tree would
//   hold ~9 of them per leaf and split leaves in the middle of the tree at each session's end,
//   while a rowid table appends at the right edge of the table b-tree (SQLite's quick-balance path)
//   and keeps ~100 small (session, seq, rowid) entries per index page. bench_store measured both:
//   equal within the VM's noise for one session, the rowid table ahead in most runs (see
//   bench/RESULTS.md); with many sessions interleaving, the append path favours it further. Reading
//   a session's range costs a rowid lookup per row instead, which replays can afford.
// - update_state.last_seq is the last seq ever journaled: trimming may empty the journal, and
//   seqs must never be reused. It is written in the same transaction as the entries.
constexpr const char* kV2 = R"sql(
CREATE TABLE update_state (
  session    TEXT PRIMARY KEY NOT NULL REFERENCES sessions(name) ON DELETE CASCADE,
  state_json TEXT NOT NULL,
  last_seq   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE update_journal (
  session     TEXT NOT NULL REFERENCES sessions(name) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  date        INTEGER NOT NULL,
  update_json TEXT NOT NULL,
  PRIMARY KEY (session, seq)
);
)sql";

constexpr Migration kMigrations[] = {
    {1, kV1},
    {2, kV2},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

std::optional<std::string> migrate(sqlite::Db& db, std::span<const Migration> steps,
                                   const std::string& what) {
  const int latest = steps.empty() ? 0 : steps.back().version;
  // BEGIN IMMEDIATE takes the write lock before reading the version, so two processes can never
  // both decide to run the same step (the state directory lock already prevents that; belt and braces).
  if (db.exec("BEGIN IMMEDIATE") != SQLITE_OK)
    return what + ": cannot start the schema migration: " + db.error();
  auto fail = [&](std::string message) -> std::optional<std::string> {
    db.exec("ROLLBACK");
    return message;
  };
  auto version = db.query_int("PRAGMA user_version");
  auto app_id = db.query_int("PRAGMA application_id");
  if (!version || !app_id) return fail(what + ": cannot read the schema version: " + db.error());
  if (*app_id != 0 && *app_id != kApplicationId)
    return fail(what + ": not a tgd database (application_id " + std::to_string(*app_id) + ")");
  if (*version > latest)
    return fail(what + ": schema version " + std::to_string(*version) + " is newer than this tgd supports (" +
                std::to_string(latest) +
                "); it was written by a newer tgd: run that version, or move the state directory aside");
  if (*version == latest && *app_id == kApplicationId) {
    db.exec("COMMIT");
    return std::nullopt;
  }
  for (const Migration& step : steps) {
    if (step.version <= *version) continue;
    if (db.exec(step.sql) != SQLITE_OK)
      return fail(what + ": schema migration to version " + std::to_string(step.version) +
                  " failed: " + db.error());
  }
  std::string set = "PRAGMA user_version = " + std::to_string(latest) +
                    "; PRAGMA application_id = " + std::to_string(kApplicationId) + ";";
  if (db.exec(set.c_str()) != SQLITE_OK || db.exec("COMMIT") != SQLITE_OK)
    return fail(what + ": cannot record schema version " + std::to_string(latest) + ": " + db.error());
  return std::nullopt;
}

}  // namespace tgd::store
