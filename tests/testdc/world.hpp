#pragma once
// The state every DC of one TestDc shares: accounts, authorizations (which auth key on which DC is
// logged in as whom), channels and messages, plus the controls tests drive (injected rpc errors,
// revocation, direct account creation). Plain std containers: it is a test server. Single-threaded
// like the rest of the test DC. Account conventions: tests/testdc/README.md.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "tests/testdc/api_error.hpp"
#include "tests/testdc/file_store.hpp"
#include "tests/testdc/pushes.hpp"
#include "tests/testdc/srp_server.hpp"
#include "tests/testdc/update_log.hpp"

namespace tgd::tl {
class JsonToTl;
class Schema;
struct TypeRef;
}  // namespace tgd::tl

namespace tgd::testdc {

// Who makes a call: the DC serving it, the MTProto session it came in and its msg_id (0 when not
// known: the call then cannot be named by invokeAfterMsg).
struct CallContext {
  int dc = 0;
  std::uint64_t auth_key_id = 0;
  std::int64_t session_id = 0;
  std::uint64_t msg_id = 0;
};

struct PeerRef {
  enum class Kind : std::uint8_t { kUser, kChannel };
  Kind kind = Kind::kUser;
  std::int64_t id = 0;
  friend auto operator<=>(const PeerRef&, const PeerRef&) = default;
};

struct Message {
  int id = 0;
  PeerRef peer;              // the dialog it is in (the other user, self, or the channel)
  std::int64_t from_id = 0;  // sender shown (0: none, as in private chats and broadcast posts)
  std::int64_t author = 0;   // who sent it (channels: `out` is author == viewer)
  bool out = false;          // private chats: sent by the box's owner
  bool silent = false;
  bool post = false;  // a broadcast channel post
  std::int32_t date = 0;
  std::int32_t edit_date = 0;  // 0: never edited
  std::string text;
  // The MessageEntity vector as tgd JSON ("[...]"), as the sender gave it (api/entities.cpp checks
  // it), shown wherever the message is; "" when there are none.
  std::string entities;
  std::optional<std::string> channel_created;  // messageService with messageActionChannelCreate(title)
  // A photo or document in World::files() (0: none); `text` is then its caption.
  std::int64_t media_id = 0;
  MediaKind media_kind = MediaKind::kDocument;
  int pair_id = 0;  // private chats: the id of the same message in the other account's box
};

struct Account {
  std::int64_t id = 0;
  bool bot = false;
  std::string phone;  // digits, users only
  std::string first_name;
  std::string last_name;
  std::string username;    // "" when none
  int home_dc = 0;         // users: from the phone number; bots: DC of the first login
  std::string bot_secret;  // bots: the part of the token after ':'
  std::optional<SrpPassword> password;
  std::optional<SrpAttempt> srp_attempt;  // the challenge of the last account.getPassword
  // The account's own message box (private chats): ids and pts are per account, as in Telegram.
  // `messages` stays sorted by id. The update state (facts §7.2): pts counts the box's events, seq
  // the pushed `updates` containers that carry one, date the last event's; qts stays 0 (no secret
  // chats or bot qts updates here).
  int pts = 0;
  int qts = 0;
  int seq = 0;
  std::int32_t date = 0;
  int last_message_id = 0;
  std::vector<Message> messages;
  UpdateLog log;
  std::set<std::int64_t> random_ids;  // of messages this account sent (RANDOM_ID_DUPLICATE)
};

struct Channel {
  std::int64_t id = 0;
  std::string title;
  std::string about;
  std::string username;
  bool broadcast = false;
  bool megagroup = false;
  std::int64_t creator = 0;
  std::int32_t date = 0;
  std::set<std::int64_t> members;
  int pts = 0;
  std::int32_t last_event_date = 0;
  int last_message_id = 0;
  std::vector<Message> messages;  // sorted by id
  UpdateLog log;
};

// The bounds of the update machinery (TestDc Options::updates; World::set_update_options).
struct UpdateOptions {
  // Events kept per account box and per channel for getDifference / getChannelDifference; older
  // pts get differenceTooLong / channelDifferenceTooLong.
  std::size_t account_log_limit = 100000;
  std::size_t channel_log_limit = 100000;
  // Events per updates.difference at most (a smaller pts_limit lowers it): beyond it the answer is
  // updates.differenceSlice.
  int difference_slice = 100;
  // channelDifference*.timeout, seconds.
  int channel_difference_timeout = 30;
};

// The parameters of the last initConnection seen on an auth key.
struct ConnectionInit {
  std::int32_t layer = 0;
  std::int32_t api_id = 0;
  std::string device_model;
  std::string system_version;
  std::string app_version;
  std::string system_lang_code;
  std::string lang_pack;
  std::string lang_code;
};

class World {
 public:
  // dc_count: DCs 1..dc_count exist (phone numbers name one of them).
  explicit World(int dc_count, UpdateOptions update_options = {});
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int dc_count() const { return dc_count_; }
  static std::int32_t now();

  // --- test controls ---

  // The next `count` calls of `method` (TL name, e.g. "messages.sendMessage"; "" = any method) that
  // pass the CONNECTION_NOT_INITED check fail with `error` instead of running, on DC `dc` (0 = any).
  void inject_error(std::string method, ApiError error, int count = 1, int dc = 0);
  // Also clears the injected connection drops.
  void clear_injected_errors() {
    faults_.clear();
    drops_.clear();
  }
  // Called by Api: the error to answer instead of running the call, if one is injected.
  std::optional<ApiError> take_injected_error(std::string_view method, int dc);
  // Every `every`-th call of `method` ("" = any) on DC `dc` (0 = any), `count` times: the call runs,
  // then the connection it came on is closed before its answer is given, so the answer waits in its
  // session and leaves on the client's next connection (like FileFaults::drop_after_parts, for any
  // method: a client's resending and ordering across reconnections).
  void inject_drop(std::string method, int every, int count = 1, int dc = 0);
  // Called by Api once per call that ran: whether to drop its connection.
  bool take_drop(std::string_view method, int dc);

  // Revokes every authorization of `user_id` (as "terminate all sessions" does): the next call on
  // each such key needing an account gets 401 SESSION_REVOKED, later ones AUTH_KEY_UNREGISTERED.
  void revoke_authorizations(std::int64_t user_id);

  // Creates a user directly (phone "99966XYYYY" → home DC X). Throws std::invalid_argument if the
  // phone is not a test number or is taken.
  Account& create_user(std::string_view phone, std::string first_name, std::string last_name = {});
  // Creates a bot from a token "<bot_id>:<secret>" with home DC `home_dc` (no login needed).
  Account& create_bot(std::string_view token, int home_dc, std::string first_name = "Test bot");
  // Sets (or with an empty password, removes) the account's 2FA password directly.
  void set_password(std::int64_t user_id, std::string_view password, std::string hint = {});
  // Logs `auth_key_id` on `dc` in as `user_id` directly.
  void authorize(int dc, std::uint64_t auth_key_id, std::int64_t user_id);

  Account* find_account(std::int64_t id);
  Account* find_by_phone(std::string_view phone);
  Account* find_by_username(std::string_view username);  // case-insensitive
  Channel* find_channel(std::int64_t id);
  Channel* find_channel_by_username(std::string_view username);
  std::vector<const Account*> accounts() const;
  const std::map<std::int64_t, Channel>& channels() const { return channels_; }

  // --- files (file_store.hpp): uploads, photos and documents, file references, file faults ---
  FileStore& files() { return files_; }
  // Every file reference handed out so far expires (FILE_REFERENCE_EXPIRED); re-fetching the
  // message gives a fresh one.
  void expire_file_references() { files_.references().expire_all(); }

  // --- updates (pushes.hpp; the C++ controls of pushed updates are pushes().faults(user) etc.) ---
  Pushes& pushes() { return pushes_; }
  const UpdateOptions& update_options() const { return update_options_; }
  void set_update_options(UpdateOptions options) { update_options_ = options; }
  // The API schema, for encoding pushes (the Api attaches it; idempotent).
  void attach_schema(const tl::Schema& api);
  // A pushed Updates object in tgd's JSON form, encoded (throws std::logic_error if it does not
  // match the schema: a bug of the test DC).
  Bytes encode_updates(std::string_view json);
  // A Vector<User> in tgd's JSON form, encoded (for pushes written directly, push_encoding.hpp).
  Bytes encode_users(std::string_view json);
  // Records an event of the account's box (advancing pts by event.pts_count, and date); returns
  // the new pts. Same for a channel.
  int log_event(Account& a, BoxEvent event);
  int log_event(Channel& ch, BoxEvent event);

  // --- state the API layer reads and changes ---

  // The account `auth_key_id` on `dc` is logged in as, if any (revoked keys: none).
  std::optional<std::int64_t> authorized_user(int dc, std::uint64_t auth_key_id) const;
  // SESSION_REVOKED is reported once per key; true if the key was revoked and not yet reported.
  bool take_revoked(int dc, std::uint64_t auth_key_id);
  void log_out(int dc, std::uint64_t auth_key_id);
  // destroy_auth_key: the key's authorization, revocation mark and initConnection are gone.
  void forget_auth_key(int dc, std::uint64_t auth_key_id);
  // Keys that passed the code step of an account with 2FA (SESSION_PASSWORD_NEEDED was answered).
  void set_password_pending(int dc, std::uint64_t auth_key_id, std::int64_t user_id);
  std::optional<std::int64_t> password_pending(int dc, std::uint64_t auth_key_id) const;

  void set_connection_init(int dc, std::uint64_t auth_key_id, ConnectionInit init);
  const ConnectionInit* connection_init(int dc, std::uint64_t auth_key_id) const;

  // Login codes sent by auth.sendCode: the latest phone_code_hash per phone number.
  struct PendingCode {
    std::string hash;
    bool verified = false;  // auth.signIn accepted the code (sign-up may follow)
  };
  std::map<std::string, PendingCode, std::less<>>& pending_codes() { return pending_codes_; }

  // auth.exportAuthorization's tokens.
  struct ExportedAuth {
    std::int64_t user_id = 0;
    int dc = 0;  // the DC it may be imported on
    Bytes bytes;
  };
  std::map<std::int64_t, ExportedAuth>& exported() { return exported_; }

  // The access hash `viewer` must present for `peer` (per viewer, as in Telegram: one account's
  // hashes fail for another).
  std::int64_t access_hash(std::int64_t viewer, PeerRef peer) const;

  Account& new_user(std::string phone, std::string first_name, std::string last_name);
  Channel& new_channel(std::int64_t creator, std::string title, std::string about, bool megagroup);

 private:
  using KeyRef = std::pair<int, std::uint64_t>;
  struct Fault {
    std::string method;
    int dc = 0;
    ApiError error;
    int remaining = 0;
  };

  int dc_count_;
  UpdateOptions update_options_;
  Pushes pushes_;
  FileStore files_;
  std::unique_ptr<tl::JsonToTl> encoder_;
  const tl::TypeRef* updates_type_ = nullptr;
  const tl::TypeRef* users_type_ = nullptr;
  Bytes hash_secret_;
  std::int64_t next_user_id_ = 100000001;
  std::int64_t next_channel_id_ = 1000000001;
  std::map<std::int64_t, Account> accounts_;
  std::map<std::int64_t, Channel> channels_;
  std::map<KeyRef, std::int64_t> authorizations_;
  std::set<KeyRef> revoked_;
  std::map<KeyRef, std::int64_t> password_pending_;
  std::map<KeyRef, ConnectionInit> inits_;
  std::map<std::string, PendingCode, std::less<>> pending_codes_;
  std::map<std::int64_t, ExportedAuth> exported_;
  std::vector<Fault> faults_;
  struct Drop {
    std::string method;
    int dc = 0;
    int every = 1;
    int remaining = 0;  // drops left
    int seen = 0;       // calls since the last drop
  };
  std::vector<Drop> drops_;
};

// Test-number conventions (README): "99966XYYYY" lives on DC X (1..dc_count); its code is X five
// times. Returns the DC, or 0 if `phone` (digits only) is not such a number.
int test_phone_dc(std::string_view phone, int dc_count);
std::string test_phone_code(int dc);
// A bot token "<bot_id>:<secret>" (bot_id 1..2^40-1, secret at least 8 of [A-Za-z0-9_-]).
struct BotToken {
  std::int64_t bot_id = 0;
  std::string secret;
};
std::optional<BotToken> parse_bot_token(std::string_view token);
// The message with this id in a box sorted by id, or nullptr.
Message* find_message(std::vector<Message>& box, int id);
// Telegram's username rule: 5..32 of [A-Za-z0-9_], starting with a letter, not ending with '_'.
bool valid_username(std::string_view username);

}  // namespace tgd::testdc
