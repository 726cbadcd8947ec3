#pragma once
// Helpers for the store tests: a private temporary state directory, opening a store that must open,
// and sample rows.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <variant>

#include "daemon/store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace tgd::store::test {

class TempDir : public tgd::test::TempDir {
 public:
  TempDir() : tgd::test::TempDir("tgd-store-test") {}
  std::filesystem::path state() const { return path() / "state"; }
};

inline std::unique_ptr<Store> open_ok(const std::filesystem::path& dir, StoreOptions options = {}) {
  auto opened = Store::open(dir, options);
  if (auto* e = std::get_if<StoreError>(&opened)) FAIL("Store::open failed: " << e->message);
  return std::move(std::get<std::unique_ptr<Store>>(opened));
}

inline std::string open_error(const std::filesystem::path& dir) {
  auto opened = Store::open(dir);
  auto* e = std::get_if<StoreError>(&opened);
  REQUIRE(e != nullptr);
  return e->message;
}

inline SessionRow session(std::string name, std::string kind = "user") {
  SessionRow row;
  row.name = std::move(name);
  row.kind = std::move(kind);
  row.state = "ready";
  row.main_dc = 2;
  row.self_user_id = 123456789;
  row.settings_json = R"({"dcs":"test"})";
  row.dc_options_json = R"([{"id":1,"ip":"127.0.0.1","port":443}])";
  return row;
}

inline AuthKeyRow auth_key(std::int32_t dc, std::uint8_t fill) {
  AuthKeyRow row;
  row.dc_id = dc;
  row.key.assign(256, fill);
  row.key[0] = static_cast<std::uint8_t>(dc);
  row.server_salt = 0x1122334455667788 + dc;
  row.time_offset = -dc;
  return row;
}

inline PeerRow peer(std::int64_t id, PeerKind kind, std::int64_t hash, bool min, std::string username = {},
                    std::int64_t updated_at = 1700000000) {
  PeerRow row;
  row.id = id;
  row.kind = kind;
  row.access_hash = hash;
  row.min = min;
  row.username = std::move(username);
  row.updated_at = updated_at;
  return row;
}

inline std::vector<SessionSnapshot> load(Store& store) {
  auto loaded = store.load_sessions();
  if (auto* e = std::get_if<StoreError>(&loaded)) FAIL("load_sessions failed: " << e->message);
  return std::move(std::get<std::vector<SessionSnapshot>>(loaded));
}

// A raw connection for inspecting or preparing a database by hand.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& file) {
    REQUIRE(sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) ==
            SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  void exec(const std::string& sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << message);
  }
  // Column `column` of every row, joined with newlines.
  std::string text(const std::string& sql, int column = 0) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      if (!out.empty()) out += '\n';
      if (sqlite3_column_text(stmt, column))
        out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  std::int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace tgd::store::test
