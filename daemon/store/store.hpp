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
// the lookup merges the rows still in the queue, with the same min rule as the SQL. The journal
// reads are the exception: committed rows only (see below); they take only the read connection's
// mutex, never the queue's, so a long read_journal() holds up no write call and not the writer.
// Every member function may be called from any thread.
//
// Durability. A write is committed once the writer's transaction containing it has committed;
// flush() waits for that. kill -9 at any moment loses at most what was not yet committed (the
// batch being written, and the queue that would have been the next one), never corrupts the
// database, and what it holds is always a prefix of the write calls, in call order. See writer.cpp
// for the synchronous modes (and what a power cut may lose). For the journal: a commit carrying
// only journal entries and peers uses synchronous=NORMAL unless StoreOptions::journal_fsync is
// set. kill -9 of the process loses nothing committed either way; a power cut (or kernel crash)
// may roll back the last commits since the WAL's previous fsync (a checkpoint, or a commit of
// sessions/keys) — the journal and its state always together, so the session re-fetches from the
// older state, but subscribers may already have seen the lost seqs, which are then reused for what
// the session fetches again. journal_fsync (synchronous=FULL: an fsync per commit) closes that.
//
// Secrets. The database holds auth keys (full access to the accounts): it is created with mode 0600,
// and so are its -wal and -shm files and the lock file, whatever the umask. Key bytes are never
// logged or put in error messages.
//
// The update journal (issue #6). Every update a session emits gets a per-session sequence number
// (1, 2, 3..., never reused, even after trimming or a restart) and is journaled together with the
// session's update state (opaque JSON: pts, qts, date, seq of Telegram's update engine):
//
//   store.set_commit_listener([&](std::vector<JournalCommit> c) { post(loop, push(std::move(c))); });
//   auto state = store.load_update_state("alice");        // at start-up: where the engine resumes
//   auto next = store.last_journal_seq("alice") + 1;
//   store.append_updates("alice", state_json, {{next, 0, update_json}, ...});   // an enqueue, ~µs
//   // ... the listener runs on the writer thread once they are committed; on the event loop:
//   auto entries = store.read_journal("alice", subscriber_seq, 1000);   // then, committed_journal_seq()
//
// - Atomic: the state and the entries of one append_updates() call are committed in the same
//   transaction, or not at all. A call is queued whole into one batch, a failed commit is retried
//   with the same batch, and the database refusing part of it (a session that is not saved) drops
//   all of it (a savepoint per session and batch). Calls for a session queued in the same batch
//   are merged (their entries in order, the last state): the same result as committing them one
//   by one, since no one can see between them.
// - Consecutive: the entries of a call must have seqs last+1, last+2, ... where last is the
//   session's last seq (journaled or queued). Anything else is refused whole, at the call: it
//   returns false, logs a warning, counts in stats().journal_refused and sets last_error. The
//   journal therefore never has a gap: it is always the range [first, last].
// - Visible only when durable: read_journal(), journal_range() and load_update_state() read
//   committed rows only (never the queue), so nothing a subscriber is given can be lost by a
//   crash of the process (see Durability for a power cut). committed_journal_seq() and the commit
//   listener say when new entries are there.
// - Bounded: per session, at most JournalLimits::max_entries entries and none older than max_age
//   (by their date), trimmed from the oldest by the writer in the transactions that append (a
//   range delete at the start of the session's rows; no scan), and for quiet sessions by a sweep
//   of every journal right after open() and then hourly.
//   The last seq survives trimming (update_state.last_seq), so seqs are never reused.
//
// Errors. open(), load_sessions() and the journal reads return a StoreError. Write failures happen
// later, on the writer thread: they are logged (spdlog), kept in stats().last_error, and never crash
// the daemon. A write the database refuses (e.g. peers of a session never saved) is skipped (for
// the journal: the whole unit, see above, and the session's seqs go back to its committed last,
// which last_journal_seq() then says); a failed commit (disk full, I/O error) is retried with the
// batch kept, after 0.1 s, then doubling up to 5 s.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
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

// One journaled update.
struct JournalEntry {
  std::int64_t seq = 0;   // the session's sequence number: 1, 2, 3...
  std::int64_t date = 0;  // unix seconds when emitted; 0 in append_updates() means now
  std::string update_json;
  bool operator==(const JournalEntry&) const = default;
};

// The committed journal of a session: the entries first..last, all of them (count = last-first+1),
// or none (count 0, first = last+1). last is the last seq ever journaled (0: none yet), also when
// trimming removed every entry. A subscriber resuming after seq s lost entries when s+1 < first.
struct JournalRange {
  std::int64_t first = 1;
  std::int64_t last = 0;
  std::int64_t count = 0;
  bool operator==(const JournalRange&) const = default;
};

// Sessions whose journal grew in one commit, with their last committed seq. See set_commit_listener().
struct JournalCommit {
  std::string session;
  std::int64_t last_seq = 0;
};

// The bounds of every session's journal (0: no bound). Suggested config keys:
// updates.journal_max_entries, updates.journal_max_age (seconds or a duration).
struct JournalLimits {
  std::int64_t max_entries = 100'000;
  std::chrono::seconds max_age{7 * 24 * 3600};
  bool operator==(const JournalLimits&) const = default;
};

struct StoreOptions {
  // Tests only: caps the database size (PRAGMA max_page_count on the writer's connection, pages of
  // 4 KiB), to make a full disk happen on demand.
  std::optional<std::int64_t> max_page_count;
  JournalLimits journal_limits{};
  // Commits carrying journal entries fsync the WAL (synchronous=FULL), so that a power cut loses
  // nothing a subscriber may have been given. Off: NORMAL, which only kill -9 cannot hurt (see
  // Durability). Suggested config key: updates.journal_fsync.
  bool journal_fsync = false;
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

  // The update journal (see above). append_updates(): one atomic unit of the state after the
  // entries and the entries (possibly none: a state change only). An enqueue, like the writes;
  // false (nothing queued) when the seqs do not continue the session's journal.
  bool append_updates(std::string session, std::string state_json, std::vector<JournalEntry> entries);

  // Called on the writer thread after every commit that added journal entries, with the sessions
  // concerned and their last committed seq (committed_journal_seq() already returns it), before
  // flush() returns. Keep it short (post to the event loop): the next commit waits for it. It must
  // not call set_commit_listener(), flush() or the destructor; anything else is fine. An empty
  // function removes it; set_commit_listener() returns once the previous one is no longer running.
  void set_commit_listener(std::function<void(std::vector<JournalCommit>)> listener);
  // The session's last committed seq (0: none). From memory (a mutex only the writer's bookkeeping
  // takes, no SQL): cheap from the event loop.
  std::int64_t committed_journal_seq(std::string_view session) const;
  // The session's last seq counting the queue: the next append_updates() starts at this + 1.
  std::int64_t last_journal_seq(std::string_view session) const;

  // Committed rows only (see above), on the read connection; a few µs plus the rows.
  // The entries with seq > after_seq, in seq order, at most `limit`.
  std::variant<std::vector<JournalEntry>, StoreError> read_journal(std::string_view session,
                                                                   std::int64_t after_seq, std::size_t limit);
  std::variant<JournalRange, StoreError> journal_range(std::string_view session);
  // The state committed with the last append_updates(), or nullopt when none was.
  std::variant<std::optional<std::string>, StoreError> load_update_state(std::string_view session);

  // Applied from the next commit on (the store starts with StoreOptions::journal_limits).
  void set_journal_limits(JournalLimits limits);
  JournalLimits journal_limits() const;

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
    std::uint64_t journal_entries = 0;            // journal entries committed
    std::uint64_t journal_refused = 0;     // append_updates() calls refused (bad seqs) or dropped (by the DB)
    std::uint64_t journal_trimmed = 0;     // entries removed by the bounds
    std::uint64_t checkpoints = 0;         // WAL checkpoints by the checkpoint thread
    std::uint64_t writer_checkpoints = 0;  // by the writer itself, when the WAL outgrew its bound
    std::chrono::nanoseconds longest_checkpoint{0};
    std::string last_error;  // empty until something failed
  };
  Stats stats() const;

  const std::filesystem::path& database_path() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tgd::store
