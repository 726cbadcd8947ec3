#pragma once
// The store's schema, versioned with PRAGMA user_version, and the migration runner.
//
// Each Migration lifts a database from version `version - 1` to `version`; kMigrations lists them
// in order starting at 1 (a fresh file has user_version 0). To change the schema, append a step:
// never edit a released one, since databases out there were built by it. The steps a database
// still needs run in one transaction together with the new user_version, so a crash mid-migration
// leaves the old version intact. A database whose user_version is above the last step was written
// by a newer tgd and is refused (it may hold data this version would misread or drop).
#include <optional>
#include <span>
#include <string>

#include "daemon/store/sqlite.hpp"

namespace tgd::store {

struct Migration {
  int version;      // the user_version after this step
  const char* sql;  // one or more statements
};

// tgd's steps, oldest first.
std::span<const Migration> migrations();

// PRAGMA application_id of a tgd store ('tgd1'): refuses to migrate some other SQLite file that
// happens to sit at the same path.
inline constexpr int kApplicationId = 0x74676431;

// Brings `db` to the last version of `steps` (tests pass their own list). Returns the error message,
// naming `what` (the file) and both versions when the database is newer than `steps` know.
std::optional<std::string> migrate(sqlite::Db& db, std::span<const Migration> steps, const std::string& what);

}  // namespace tgd::store
