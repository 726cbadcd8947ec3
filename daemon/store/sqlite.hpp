#pragma once
// Thin RAII over the SQLite C API for daemon/store/ (internal; not part of the Store API). A Db owns
// one connection, a Statement one prepared statement. Errors are values: the calls return the SQLite
// result code and Db::error() the message, so the Store decides what is fatal and what is not.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tgd::store::sqlite {

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  explicit operator bool() const { return stmt_ != nullptr; }

  // Parameters are 1-based, as in SQL (?1, ?2...). Text and blobs are copied (SQLITE_TRANSIENT), so
  // the arguments need not outlive the call.
  void bind(int index, std::int64_t value);
  void bind(int index, std::string_view text);
  // Not copied: `text` must stay valid until the statement is reset (bulk rows that outlive it).
  void bind_static(int index, std::string_view text);
  void bind_blob(int index, std::span<const std::uint8_t> blob);
  void bind_null(int index);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Ends the statement's use (and with it an implicit read transaction) and clears the bindings.
  void reset();

  std::int64_t column_int64(int index) const;
  bool column_is_null(int index) const;
  std::string column_text(int index) const;
  std::span<const std::uint8_t> column_blob(int index) const;

 private:
  friend class Db;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  Db() = default;
  Db(Db&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Opens (never creates: the Store creates the file itself, with its mode) one connection for use
  // by one thread at a time (SQLITE_OPEN_NOMUTEX). Returns the error message on failure.
  static std::optional<std::string> open(const std::filesystem::path& file, Db& out);

  // Runs SQL text without results (one or several statements). Returns the SQLite result code.
  int exec(const char* sql);
  // Prepares one persistent statement; an empty Statement on failure (see error()).
  Statement prepare(std::string_view sql);
  // One integer from a single-row query such as "PRAGMA user_version"; nullopt on failure.
  std::optional<std::int64_t> query_int(const char* sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;

  std::string error() const;  // the last error message of this connection
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// "disk I/O error (SQLITE_IOERR_WRITE)"-like text for a result code.
std::string describe(int code);

// A statement's reset on every exit path: read statements end their read transaction promptly, so
// that the writer's checkpoints are never held back by an idle reader.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& s) : s_(s) {}
  ~ResetOnExit() { s_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& s_;
};

}  // namespace tgd::store::sqlite
