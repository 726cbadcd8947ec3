#pragma once
// The writer's connection and its statements: commits one Batch in one transaction. Used only by the
// Store's writer thread (after being set up by open()). Internal to daemon/store/.
#include <cstddef>
#include <optional>
#include <string>

#include "daemon/store/sqlite.hpp"
#include "daemon/store/write_queue.hpp"

namespace tgd::store {

struct CommitResult {
  bool committed = false;
  std::string error;        // why not committed
  std::size_t skipped = 0;  // rows the database refused (the rest is committed)
  std::string skip_error;   // the first refusal, for the log and stats
};

class Writer {
 public:
  // Takes an open, migrated connection; sets its pragmas and prepares the statements.
  static std::optional<std::string> setup(sqlite::Db db, Writer& out,
                                          std::optional<std::int64_t> max_page_count);

  CommitResult commit(const Batch& batch);

 private:
  bool set_synchronous(bool full);
  sqlite::Db db_;
  sqlite::Statement upsert_session_, delete_session_, upsert_key_, delete_key_, upsert_peer_;
  int synchronous_full_ = -1;  // unknown
};

}  // namespace tgd::store
