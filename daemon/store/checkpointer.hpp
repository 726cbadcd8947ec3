#pragma once
// WAL checkpoints on a thread of their own. Internal to daemon/store/.
//
// Why: with SQLite's automatic checkpoints, the commit that takes the WAL past 1,000 pages copies
// the WAL back into the database and fsyncs both, inside the writer thread's commit. Update
// delivery waits for journal commits, so those commits (15–100 ms on a loaded VM) were the p99 of
// update latency. Here the writer's automatic checkpoints are off; its WAL hook reports the WAL's
// size after each commit, and this thread runs PASSIVE checkpoints on its own connection, which in
// WAL mode proceed alongside the writer's commits and the readers (they copy what no reader still
// needs and never wait for a lock). Durability is unchanged: a checkpoint still fsyncs the WAL
// before copying and the database before the WAL can be reused.
//
// The WAL is reused from its start only once a checkpoint has copied all of it and no commit came
// in between; under a sustained stream of commits that may not happen, so past kWriterTakesOver ×
// the threshold the writer runs a RESTART checkpoint inline after its commit. That stall is short
// (this thread has already copied all but the last frames) and rare; it keeps the WAL file (whose
// size is its high-water mark) near 16 MiB.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "daemon/store/sqlite.hpp"

namespace tgd::store {

class Checkpointer {
 public:
  struct Stats {
    std::uint64_t checkpoints = 0;         // by this thread
    std::uint64_t writer_checkpoints = 0;  // inline by the writer (the WAL grew past the bound)
    std::chrono::nanoseconds longest{0};
    std::string last_error;
  };

  // Opens its connection to `db_file` and installs itself as `writer`'s WAL hook (which turns the
  // writer's automatic checkpoints off). `wal_pages` is the WAL size that starts a checkpoint.
  static std::optional<std::string> start(const std::filesystem::path& db_file, sqlite::Db& writer,
                                          int wal_pages, std::unique_ptr<Checkpointer>& out);
  ~Checkpointer();  // stops the thread (a checkpoint under way finishes first)

  Stats stats() const;

 private:
  static constexpr int kWriterTakesOver = 4;
  Checkpointer() = default;
  static int on_wal_commit(void* self, sqlite3* db, const char* schema, int pages);
  void run();

  sqlite::Db db_;
  int threshold_ = 1000;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;  // the thread's checkpoint ended
  int wal_pages_ = 0;             // as the last commit left it
  bool stopping_ = false;
  bool running_ = false;      // the thread is checkpointing (it holds SQLite's checkpoint lock)
  bool writer_turn_ = false;  // the writer's RESTART is due or under way: the thread waits
  Stats stats_;
  std::jthread thread_;
};

}  // namespace tgd::store
