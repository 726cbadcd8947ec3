// Schema versions: fresh databases get the latest version, older ones are migrated step by step in one
// transaction, newer or foreign ones are refused with a clear message.
#include <doctest/doctest.h>

#include "daemon/store/schema.hpp"
#include "tests/daemon/store/store_test_util.hpp"

using namespace tgd::store;
using namespace tgd::store::test;

namespace {

std::int64_t latest() { return migrations().back().version; }

}  // namespace

TEST_CASE("schema: a new database gets the latest user_version, WAL mode and tgd's application_id") {
  TempDir dir;
  std::filesystem::path file;
  {
    auto store = open_ok(dir.state());
    file = store->database_path();
  }
  RawDb raw(file);
  CHECK(raw.integer("PRAGMA user_version") == latest());
  CHECK(raw.integer("PRAGMA application_id") == kApplicationId);
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
}

TEST_CASE("schema: a database from a newer tgd is refused, naming both versions, and left untouched") {
  TempDir dir;
  std::filesystem::create_directories(dir.state());
  const std::int64_t newer = latest() + 1;
  {
    RawDb raw(dir.state() / "tgd.db");
    raw.exec("CREATE TABLE future (x); PRAGMA user_version = " + std::to_string(newer));
  }
  std::string message = open_error(dir.state());
  CHECK(message.find("schema version " + std::to_string(newer)) != std::string::npos);
  CHECK(message.find("newer than this tgd supports (" + std::to_string(latest()) + ")") != std::string::npos);
  CHECK(message.find("tgd.db") != std::string::npos);
  RawDb raw(dir.state() / "tgd.db");
  CHECK(raw.integer("PRAGMA user_version") == newer);
  CHECK(raw.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'future'") == 1);
}

TEST_CASE("schema: another application's SQLite file is refused") {
  TempDir dir;
  std::filesystem::create_directories(dir.state());
  {
    RawDb raw(dir.state() / "tgd.db");
    raw.exec("PRAGMA application_id = 42");
  }
  CHECK(open_error(dir.state()).find("not a tgd database") != std::string::npos);
}

TEST_CASE("schema: migrate runs only the missing steps, keeps the data and records the version") {
  TempDir dir;
  const Migration steps[] = {
      {1, "CREATE TABLE t (a INTEGER);"},
      {2, "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'two';"},
      {3, "CREATE INDEX t_by_b ON t (b);"},
  };
  std::filesystem::path file = dir.path() / "m.db";
  {  // A version 1 database, as an older tgd left it.
    RawDb raw(file);
    raw.exec("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (7); PRAGMA user_version = 1");
  }
  sqlite::Db db;
  REQUIRE_FALSE(sqlite::Db::open(file, db));
  auto error = migrate(db, steps, file.string());
  REQUIRE_MESSAGE(!error, *error);
  RawDb raw(file);
  CHECK(raw.integer("PRAGMA user_version") == 3);
  CHECK(raw.text("SELECT a || b FROM t") == "7two");
  CHECK(raw.integer("SELECT count(*) FROM sqlite_schema WHERE name = 't_by_b'") == 1);
  CHECK_FALSE(migrate(db, steps, file.string()));  // nothing left to do
}

TEST_CASE("schema: a failing migration step rolls back every step and the version") {
  TempDir dir;
  const Migration steps[] = {
      {1, "CREATE TABLE t (a INTEGER);"},
      {2, "CREATE TABLE u (x);"},
      {3, "THIS IS NOT SQL;"},
  };
  std::filesystem::path file = dir.path() / "m.db";
  {
    RawDb raw(file);
    raw.exec("CREATE TABLE t (a INTEGER); PRAGMA user_version = 1");
  }
  sqlite::Db db;
  REQUIRE_FALSE(sqlite::Db::open(file, db));
  auto error = migrate(db, steps, file.string());
  REQUIRE(error);
  CHECK(error->find("migration to version 3 failed") != std::string::npos);
  RawDb raw(file);
  CHECK(raw.integer("PRAGMA user_version") == 1);
  CHECK(raw.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'u'") == 0);
}
