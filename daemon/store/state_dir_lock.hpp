#pragma once
// One tgd per state directory. Two daemons writing the same sessions would use the same auth keys
// from two places (Telegram then drops one connection after the other) and fight over the database,
// so the second one must stop at start-up with a message that says who holds the directory.
//
// The lock is flock(LOCK_EX | LOCK_NB) on <state>/tgd.lock, which the kernel releases when the
// holder exits however it exits (kill -9 included): no stale lock to clean up by hand. The file
// holds the holder's pid, for the error message only; the flock is the truth. The file is never
// deleted (deleting a lock file lets a third process lock a new inode while the second still holds
// the old one).
#include <filesystem>
#include <variant>

#include "daemon/store/store_error.hpp"

namespace tgd::store {

class StateDirLock {
 public:
  // Locks <state_dir>/tgd.lock (created with mode 0600). Fails when another process (or another
  // StateDirLock of this one: flock locks belong to the open file) holds it, with a message naming
  // the holder's pid as written in the file, e.g.
  //   "state directory /var/lib/tgd is in use by another tgd (pid 1234; lock file /var/lib/tgd/tgd.lock)"
  static std::variant<StateDirLock, StoreError> acquire(const std::filesystem::path& state_dir);

  StateDirLock(StateDirLock&& other) noexcept;
  StateDirLock& operator=(StateDirLock&& other) noexcept;
  StateDirLock(const StateDirLock&) = delete;
  StateDirLock& operator=(const StateDirLock&) = delete;
  ~StateDirLock();  // empties the pid, then unlocks

  const std::filesystem::path& path() const { return path_; }

 private:
  StateDirLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  void release();
  int fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace tgd::store
