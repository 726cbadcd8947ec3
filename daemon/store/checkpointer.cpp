#include "daemon/store/checkpointer.hpp"

#include <spdlog/spdlog.h>

namespace tgd::store {

std::optional<std::string> Checkpointer::start(const std::filesystem::path& db_file, sqlite::Db& writer,
                                               int wal_pages, std::unique_ptr<Checkpointer>& out) {
  std::unique_ptr<Checkpointer> c(new Checkpointer());
  if (auto e = sqlite::Db::open(db_file, c->db_)) return "cannot open the checkpoint connection: " + *e;
  // The same WAL size limit as the writer's: whoever resets the WAL truncates it back to it.
  if (c->db_.exec("PRAGMA journal_size_limit = 67108864; PRAGMA synchronous = NORMAL;") != SQLITE_OK)
    return "cannot configure the checkpoint connection: " + c->db_.error();
  c->threshold_ = wal_pages;
  // Replaces the automatic checkpoints (sqlite3_wal_autocheckpoint is itself a WAL hook).
  sqlite3_wal_hook(writer.handle(), &Checkpointer::on_wal_commit, c.get());
  Checkpointer* raw = c.get();
  c->thread_ = std::jthread([raw] { raw->run(); });
  out = std::move(c);
  return std::nullopt;
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Checkpointer::Stats Checkpointer::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

// On the writer thread, after each commit: records the size and wakes the thread.
int Checkpointer::on_wal_commit(void* self, sqlite3* db, const char* schema, int pages) {
  auto* c = static_cast<Checkpointer*>(self);
  if (pages >= c->threshold_ * kWriterTakesOver) {
    // SQLite answers BUSY at once, without the busy handler, when another connection holds the
    // checkpoint lock: wait for this thread's checkpoint to end (and keep it from starting another),
    // so that the RESTART runs and the bound holds however long that checkpoint took.
    {
      std::unique_lock lk(c->mu_);
      c->writer_turn_ = true;
      c->idle_.wait(lk, [&] { return !c->running_; });
    }
    // RESTART waits, within the writer's busy_timeout, for readers of old snapshots; the WAL is then
    // reused from its start.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    std::lock_guard lk(c->mu_);
    c->writer_turn_ = false;
    ++c->stats_.writer_checkpoints;
    c->wal_pages_ = 0;
    return SQLITE_OK;
  }
  bool due;
  {
    std::lock_guard lk(c->mu_);
    c->wal_pages_ = pages;
    due = pages >= c->threshold_;
  }
  if (due) c->wake_.notify_one();
  return SQLITE_OK;
}

void Checkpointer::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    wake_.wait(lk, [&] { return stopping_ || (wal_pages_ >= threshold_ && !writer_turn_); });
    if (stopping_) return;
    wal_pages_ = 0;  // the next commit reports the size again
    running_ = true;
    lk.unlock();
    const auto start = std::chrono::steady_clock::now();
    int rc = sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    const auto took = std::chrono::steady_clock::now() - start;
    // BUSY: another checkpoint (the writer's) was running — nothing wrong, the next one goes on.
    const int primary = rc & 0xff;
    std::string error =
        rc == SQLITE_OK || primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? std::string() : db_.error();
    if (!error.empty()) spdlog::warn("store: WAL checkpoint failed: {}", error);
    lk.lock();
    running_ = false;
    idle_.notify_all();
    ++stats_.checkpoints;
    stats_.longest = std::max(stats_.longest, std::chrono::duration_cast<std::chrono::nanoseconds>(took));
    if (!error.empty()) stats_.last_error = std::move(error);
  }
}

}  // namespace tgd::store
