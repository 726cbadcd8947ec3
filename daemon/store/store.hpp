#pragma once
// The daemon's persistence: one SQLite database, <state_dir>/tgd.db, for every session tgd holds.
//
//   auto opened = Store::open("/var/lib/tgd");            // locks the directory, migrates the schema
//   if (auto* e = std::get_if<StoreError>(&opened)) { fail(e->message); }
//   Store& store = *std::get<std::unique_ptr<Store>>(opened);
//   auto sessions = store.load_sessions();                 // once, at start-up
//   store.save_auth_key("alice", {2, key, salt, offset});  // from the event loop: an enqueue, ~µs
//   store.save_peers("alice", peers_from(users, chats));   // every users/chats vector received
//   auto peer = store.find_peer("alice", PeerKind::User, 777000);
//
// What it keeps, per session: the session row (kind, state and logout reason, main DC, own user id,
// settings and DC options as opaque JSON text), one auth key per DC with its server salt and time
// offset, and the peer cache (access hashes and usernames of every user, chat and channel seen).
//
// Threading. tgd runs one event loop on one thread, and nothing may stall it. So every write call
// here only moves its arguments into an in-memory queue under a mutex (no I/O, no SQLite) and
// returns; ONE writer thread (owned by the Store) takes everything queued, commits it in one
// transaction, and sleeps until more arrives. Under load the batches grow by themselves: the
// writer is never more than one commit behind. Peer rows are coalesced in the queue (the same
// peer saved ten times before a commit is written once). Reads (find_peer*, load_sessions) run
// synchronously on the caller's thread on a second connection: an indexed lookup in WAL mode takes
// microseconds and never waits for the writer. They see queued writes too (read-your-writes):
// the lookup merges the rows still in the queue, with the same min rule as the SQL.
// Every member function may be called from any thread.
//
// Durability. A write is committed once the writer's transaction containing it has committed;
// flush() waits for that. kill -9 at any moment loses at most what was not yet committed (the
// batch being written, and the queue that would have been the next one), never corrupts the
// database, and what it holds is always a prefix of the write calls, in call order. See writer.cpp
// for the synchronous modes (and what a power cut may lose).
//
// Secrets. The database holds auth keys (full access to the accounts): it is created with mode 0600,
// and so are its -wal and -shm files and the lock file, whatever the umask. Key bytes are never
// logged or put in error messages.
//
// Errors. open() and load_sessions() return a StoreError. Write failures happen later, on the
// writer thread: they are logged (spdlog), kept in stats().last_error, and never crash the daemon.
// A write the database refuses (e.g. peers of a session never saved) is skipped; a failed commit
// (disk full, I/O error) is retried with the batch kept, after 0.1 s, then doubling up to 5 s.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/store/store_error.hpp"
#include "protocol/base/bytes.hpp"

namespace tgd::store {

enum class PeerKind : std::uint8_t { User = 0, Chat = 1, Channel = 2 };

// One entry of the peer cache. Telegram's user, chat and channel ids are separate spaces (the same
// number can be a user and a channel), so a peer is identified by (kind, id).
struct PeerRow {
  std::int64_t id = 0;
  PeerKind kind = PeerKind::User;
  std::int64_t access_hash = 0;  // 0 for basic chats, which have none
  // Set when the object came as a "min" constructor: its access hash is only valid in the context
  // it was seen in. THE RULE: a min row never replaces the hash of a full (non-min) one, nor any
  // hash with 0; its other fields (username, updated_at) still update, except that a min row without
  // a username does not erase a known one (min objects may omit fields).
  bool min = false;
  std::string username;         // without '@'; empty when none
  std::int64_t updated_at = 0;  // unix seconds when last seen; 0 in save_peers() means now
  bool operator==(const PeerRow&) const = default;
};

struct AuthKeyRow {
  std::int32_t dc_id = 0;
  Bytes key;  // 256 bytes; a secret
  std::int64_t server_salt = 0;
  std::int64_t time_offset = 0;  // server time minus local time, seconds
  bool operator==(const AuthKeyRow&) const = default;
};

struct SessionRow {
  std::string name;  // the session's name in tgd's API; primary key
  std::string kind;  // "user" | "bot"
  std::string state;
  std::string logout_reason;  // empty unless logged out
  std::int32_t main_dc = 0;
  std::optional<std::int64_t> self_user_id;
  std::string settings_json = "{}";    // opaque to the store (e.g. which DC set the session targets)
  std::string dc_options_json = "[]";  // opaque to the store (the last help.getConfig dc_options)
  bool operator==(const SessionRow&) const = default;
};

struct SessionSnapshot {
  SessionRow session;
  std::vector<AuthKeyRow> auth_keys;  // by dc_id
};

struct StoreOptions {
  // Tests only: caps the database size (PRAGMA max_page_count on the writer's connection, pages of
  // 4 KiB), to make a full disk happen on demand.
  std::optional<std::int64_t> max_page_count;
};

class Store {
 public:
  // Creates the state directory when missing (mode 0700), locks it (StateDirLock: a second tgd on
  // the same directory gets an error naming the holder's pid), creates or opens <state_dir>/tgd.db
  // (mode 0600, WAL), brings its schema to this version (refusing a database from a newer tgd) and
  // starts the writer thread.
  static std::variant<std::unique_ptr<Store>, StoreError> open(const std::filesystem::path& state_dir,
                                                               StoreOptions options = {});

  // Commits everything queued (as flush()), stops the writer, closes the database and unlocks the
  // directory. If the final commit fails, the lost writes are counted in the log.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Every session with its auth keys, by name. A synchronous read for start-up, before serving;
  // it reads committed rows only (call flush() first if writes were queued).
  std::variant<std::vector<SessionSnapshot>, StoreError> load_sessions();

  // Writes: cheap enqueues (see Threading above), applied in the order they were called.
  // A session must be saved before its keys and peers (they reference it).
  void save_session(SessionRow row);                        // insert or replace the whole row
  void remove_session(std::string name);                    // and, with it, its auth keys and peers
  void save_auth_key(std::string session, AuthKeyRow row);  // insert or replace (session, dc_id)
  void remove_auth_key(std::string session, std::int32_t dc_id);
  // Insert or update every peer, with THE RULE of PeerRow::min. Feed it every users/chats vector.
  void save_peers(std::string session, std::vector<PeerRow> peers);

  // The cached peer, or nullopt. Synchronous: the queue, then one primary-key lookup on the read
  // connection (a few µs; WAL readers never wait for the writer).
  std::optional<PeerRow> find_peer(std::string_view session, PeerKind kind, std::int64_t id);
  // The peer whose username this is (case-insensitive, a leading '@' ignored), or nullopt. If stale
  // rows share it (a username that moved), the most recently updated one wins. Synchronous, indexed.
  std::optional<PeerRow> find_peer_by_username(std::string_view session, std::string_view username);

  // Blocks until everything enqueued before the call is committed: true; false if the writer is
  // failing (see stats().last_error). For shutdown and tests, never on the event loop.
  bool flush();

  struct Stats {
    std::uint64_t batches = 0;    // committed transactions
    std::uint64_t writes = 0;     // rows written by them (after coalescing)
    std::uint64_t max_batch = 0;  // rows in the largest batch
    std::uint64_t skipped = 0;    // writes refused by the database (see last_error)
    std::uint64_t failed_commits = 0;
    std::uint64_t queued = 0;                     // rows waiting or being written now
    std::chrono::nanoseconds longest_commit{0};   // on the writer thread
    std::chrono::nanoseconds longest_enqueue{0};  // the longest write call: the stall the caller saw
    std::string last_error;                       // empty until something failed
  };
  Stats stats() const;

  const std::filesystem::path& database_path() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tgd::store
