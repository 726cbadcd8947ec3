#pragma once
// The writer's connection and its statements: commits one Batch in one transaction. Used only by the
// Store's writer thread (after being set up by open()). Internal to daemon/store/.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/store/sqlite.hpp"
#include "daemon/store/write_queue.hpp"

namespace tgd::store {

struct CommitResult {
  bool committed = false;
  std::string error;        // why not committed
  std::size_t skipped = 0;  // rows the database refused (the rest is committed)
  std::string skip_error;   // the first refusal, for the log and stats
  // Sessions whose journal unit the database refused (dropped whole; see store.hpp), with their
  // entries count, and the entries committed and trimmed.
  std::vector<std::string> dropped_units;
  std::size_t dropped_entries = 0;
  std::size_t journal_entries = 0;
  std::int64_t trimmed = 0;
};

class Writer {
 public:
  // Takes an open, migrated connection; sets its pragmas and prepares the statements.
  static std::optional<std::string> setup(sqlite::Db db, Writer& out, const StoreOptions& options);

  // `limits` and `now` (unix seconds) bound the journals of the sessions the batch appends to.
  CommitResult commit(const Batch& batch, const JournalLimits& limits, std::int64_t now);

  // Trims every session's journal by age, for the sessions no append trims: its own transaction.
  // The entries removed, or the error.
  std::variant<std::int64_t, std::string> sweep(const JournalLimits& limits, std::int64_t now);

  sqlite::Db& connection() { return db_; }  // for the Checkpointer's WAL hook (set up before use)

 private:
  bool set_synchronous(bool full);
  // Trims one session's journal whose last seq is `last_seq`; false when the transaction is doomed.
  bool trim(std::string_view session, std::int64_t last_seq, const JournalLimits& limits, std::int64_t now,
            std::int64_t& trimmed);
  sqlite::Db db_;
  sqlite::Statement upsert_session_, delete_session_, upsert_key_, delete_key_, upsert_peer_;
  sqlite::Statement upsert_state_, insert_entry_, trim_count_, trim_age_, all_states_;
  sqlite::Statement savepoint_, release_, rollback_to_;
  bool journal_fsync_ = false;
  int synchronous_full_ = -1;  // unknown
};

}  // namespace tgd::store
