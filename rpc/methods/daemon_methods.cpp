// The daemon's own methods: their table (dispatch and `help`), parameter checking, sessions and
// logins. getSelf, getInfo, status, sleep and help are in info_methods.cpp.
#include <cmath>

#include "rpc/methods/errors.hpp"
#include "rpc/methods/json_builder.hpp"
#include "rpc/methods/methods_impl.hpp"
#include "rpc/methods/parse_mode.hpp"

namespace tgd::rpc {

using boost::asio::awaitable;
using methods::Arg;
using methods::Args;
using methods::ArgSpec;
using methods::ArgType;
using methods::JsonObject;
using session::CallError;
using session::Session;
using session::SessionState;

namespace methods {

std::string_view to_string(ArgType type) {
  switch (type) {
    case ArgType::String:
      return "string";
    case ArgType::Number:
      return "number";
    case ArgType::Bool:
      return "boolean";
    case ArgType::PeerRef:
      return "peer reference";
    case ArgType::List:
      return "array (or one value)";
    case ArgType::Json:
      return "JSON value";
  }
  return "?";
}

}  // namespace methods

namespace {

constexpr std::string_view kSessionDoc = "the session's name; may be left out when there is only one";
constexpr std::string_view kFileDoc =
    "what holds the media: an update, an Updates result, a message, a MessageMedia, a Document, a Photo, or "
    "an InputFileLocation";
constexpr std::string_view kMarkupMessageDoc =
    "the text (a string, with entities), or an object with message and entities fields: a message, an update "
    "holding one, parseText's answer";
constexpr std::string_view kMarkupEntitiesDoc =
    "with a text message: its MessageEntity objects (as parseText answers them and messages carry them); "
    "default none";
constexpr std::string_view kProgressDoc =
    "true: notifications {\"method\":\"progress\",\"params\":{transfer, done, total, rate, final}} to "
    "this connection, a few per second (not over HTTP)";

}  // namespace

const std::vector<Methods::Impl::DaemonMethod>& Methods::Impl::daemon_methods() {
  static const std::vector<DaemonMethod> table{
      {"listSessions",
       {},
       "Every session: name, state, kind, own user id, main DC, network, logout reason.",
       "{}",
       &Impl::list_sessions},
      {"addSession",
       {{"name", ArgType::String, true, "1-64 of A-Z a-z 0-9 _ . -"},
        {"network", ArgType::String, false,
         "\"production\", \"test\" (Telegram's test DCs), or \"default\" / \"custom\": the daemon's "
         "configured "
         "target (the default)"}},
       "Adds a session in state new; log it in with botLogin or phoneLogin.",
       R"({"name":"alice"})",
       &Impl::add_session},
      {"removeSession",
       {{"name", ArgType::String, true, "the session to forget"}},
       "Forgets a session and its auth keys (here and in the state directory). Log out first to end it on "
       "Telegram's side too.",
       R"({"name":"alice"})",
       &Impl::remove_session},
      {"botLogin",
       {{"session", ArgType::String, false, kSessionDoc},
        {"token", ArgType::String, true, "the bot token from @BotFather"}},
       "Logs a bot in (state new or logged_out → ready).",
       R"({"session":"bot","token":"123456:AAE..."})",
       &Impl::bot_login},
      {"phoneLogin",
       {{"session", ArgType::String, false, kSessionDoc},
        {"phone", ArgType::String, true, "international format; spaces, dashes and + are ignored"}},
       "Sends a login code to the phone (→ waiting_code); then completePhoneLogin.",
       R"({"session":"alice","phone":"+9996621234"})",
       &Impl::phone_login},
      {"completePhoneLogin",
       {{"session", ArgType::String, false, kSessionDoc},
        {"code", ArgType::String, true, "the code received"}},
       "Completes a phone login: → ready, or waiting_password (then complete2faLogin), or waiting_signup "
       "(then completeSignup). A wrong code can be retried.",
       R"({"session":"alice","code":"22222"})",
       &Impl::complete_phone_login},
      {"complete2faLogin",
       {{"session", ArgType::String, false, kSessionDoc},
        {"password", ArgType::String, true, "the account's 2FA password"}},
       "Completes a login with the 2FA password (SRP): → ready. A wrong password can be retried.",
       R"({"session":"alice","password":"hunter2"})",
       &Impl::complete_2fa_login},
      {"completeSignup",
       {{"session", ArgType::String, false, kSessionDoc},
        {"first_name", ArgType::String, true, "the new account's first name"},
        {"last_name", ArgType::String, false, "its last name"}},
       "Creates the account for a new phone number: → ready.",
       R"({"session":"alice","first_name":"Alice"})",
       &Impl::complete_signup},
      {"logout",
       {{"session", ArgType::String, false, kSessionDoc}},
       "Logs out on Telegram's side (auth.logOut) → logged_out; the session stays until removeSession.",
       R"({"session":"alice"})",
       &Impl::logout},
      {"getSelf",
       {{"session", ArgType::String, false, kSessionDoc}},
       "The session's own user object (users.getUsers with inputUserSelf).",
       R"({"session":"alice"})",
       &Impl::get_self},
      {"getInfo",
       {{"session", ArgType::String, false, kSessionDoc},
        {"peer", ArgType::PeerRef, true,
         "\"me\", \"@username\", a Bot-API id (-100… for channels), a Peer/User/Chat/Channel/InputPeer "
         "object, "
         "a message or an update holding one"},
        {"fetch", ArgType::Bool, false,
         "fetch the user/chat/channel object for its name when the reference did not carry it (default "
         "true)"}},
       "A peer's ids and InputPeer: {bot_api_id, id, kind, input_peer, input_user | input_channel, username, "
       "name, object}. From the peer cache when possible, else contacts.resolveUsername.",
       R"({"peer":"@durov"})",
       &Impl::get_info},
      {"getFullInfo",
       {{"session", ArgType::String, false, kSessionDoc},
        {"peer", ArgType::PeerRef, true,
         "\"me\", \"@username\", a Bot-API id, a Peer/User/Chat/Channel/InputPeer object, a message or an "
         "update holding one"}},
       "A peer's full info: users.getFullUser, messages.getFullChat or channels.getFullChannel by its kind. "
       "Answers {bot_api_id, kind, full: the userFull / chatFull / channelFull, object: the User / Chat / "
       "Channel, users, chats}.",
       R"({"peer":"@durov"})",
       &Impl::get_full_info},
      {"getDialogs",
       {{"session", ArgType::String, false, kSessionDoc},
        {"limit", ArgType::Number, false, "how many dialogs at most (1-10000, default 1000)"},
        {"folder_id", ArgType::Number, false, "0: the main list, 1: the archive (default: as Telegram)"},
        {"exclude_pinned", ArgType::Bool, false, "leave pinned dialogs out"}},
       "The dialog list, paged through messages.getDialogs for you (100 a page, each from the last dialog's "
       "top message), each dialog once, newest first: {dialogs: [{bot_api_id, kind, name, dialog, message: "
       "its top message, object: the User/Chat/Channel}], count: Telegram's total, complete: false when cut "
       "by limit, users, chats}.",
       R"({"limit":200})",
       &Impl::get_dialogs},
      {"getDialogIds",
       {{"session", ArgType::String, false, kSessionDoc},
        {"limit", ArgType::Number, false, "how many dialogs at most (1-10000, default 1000)"},
        {"folder_id", ArgType::Number, false, "0: the main list, 1: the archive (default: as Telegram)"},
        {"exclude_pinned", ArgType::Bool, false, "leave pinned dialogs out"}},
       "getDialogs' Bot-API ids only, in the same order: [777000, -1001234567890, …].",
       R"({})",
       &Impl::get_dialog_ids},
      {"getHistory",
       {{"session", ArgType::String, false, kSessionDoc},
        {"peer", ArgType::PeerRef, true, "the chat: \"me\", \"@username\", a Bot-API id, an object"},
        {"limit", ArgType::Number, false, "how many messages at most (1-10000, default 100)"},
        {"offset_id", ArgType::Number, false,
         "start after this message: older ones (newer ones with reverse); default: the newest (oldest)"},
        {"min_id", ArgType::Number, false, "only messages with a greater id"},
        {"max_id", ArgType::Number, false, "only messages with a smaller id"},
        {"reverse", ArgType::Bool, false, "oldest first (default: newest first)"}},
       "A chat's messages, paged through messages.getHistory for you (100 a page) up to limit: {messages, "
       "count: Telegram's total for the chat, next_offset_id: give it as offset_id (same reverse) for the "
       "next ones, null when the history ended, users, chats}. The raw messages.getMessages / "
       "channels.getMessages stay callable by their TL names.",
       R"({"peer":"@durov","limit":500})",
       &Impl::get_history},
      {"sendMessage",
       {{"session", ArgType::String, false, kSessionDoc},
        {"peer", ArgType::PeerRef, true, "the chat: \"me\", \"@username\", a Bot-API id, an object"},
        {"message", ArgType::String, true, "the text"},
        {"parse_mode", ArgType::String, false,
         "\"HTML\", \"Markdown\" / \"MarkdownV2\", or none (as on messages.sendMessage)"},
        {"entities", ArgType::Json, false, "MessageEntity objects, instead of a parse_mode"},
        {"reply_to", ArgType::Json, false, "the message id to reply to, or an InputReplyTo object"},
        {"silent", ArgType::Bool, false, "no notification sound"},
        {"no_webpage", ArgType::Bool, false, "no link preview"},
        {"noforwards", ArgType::Bool, false, "the message cannot be forwarded or saved"},
        {"clear_draft", ArgType::Bool, false, "clear the chat's draft"},
        {"schedule_date", ArgType::Number, false, "a unix time to send it at (a scheduled message)"},
        {"reply_markup", ArgType::Json, false, "a ReplyMarkup (bots)"},
        {"send_as", ArgType::PeerRef, false, "the channel to send as"}},
       "messages.sendMessage answering the sent message object (as getHistory shows it) instead of the "
       "Updates: built from updateShortSentMessage (private chats, basic groups), or the updateNewMessage / "
       "updateNewChannelMessage whose id updateMessageID gives for this call's random_id.",
       R"({"peer":"@durov","message":"<b>hi</b>","parse_mode":"HTML"})",
       &Impl::send_message},
      {"status",
       {},
       "Sessions with their states, open connections, calls in flight, per-method counters and update "
       "engine counters (pushes, requests, published, journal seqs); subscriptions (active, and since the "
       "start: notified, paced, lagged, dropped); transfers (active, and since the start: downloads, "
       "uploads, "
       "failed, cancelled, bytes each way, part retries, reference refreshes); the log level in use.",
       "{}",
       &Impl::status},
      {"sleep",
       {{"seconds", ArgType::Number, true, "how long (fractions allowed), up to the configured maximum"}},
       "Waits, without blocking anything else; for scripts and tests. Answers {\"slept\": seconds}.",
       R"({"seconds":1.5})",
       &Impl::sleep},
      {"setLogLevel",
       {{"level", ArgType::String, true, "trace, debug, info, warn, error, critical or off"}},
       "Changes the running daemon's log level at once, without a reload; a later SIGHUP reload applies "
       "the configuration's log.level again. Answers {\"level\": new, \"previous\": old}.",
       R"({"level":"debug"})",
       &Impl::set_log_level},
      {"help",
       {{"method", ArgType::String, false,
         "a daemon method, a TL method, a TL constructor or a TL type; left out: the list of daemon "
         "methods"}},
       "This help, or a method's parameters with their types and docs.",
       R"({"method":"messages.sendMessage"})",
       &Impl::help},
      {"subscribe",
       {{"sessions", ArgType::List, false, "session names (default: every session, also ones added later)"},
        {"types", ArgType::List, false,
         "Update constructor names (\"updateNewMessage\") and marker names (\"tgd.updatesGap\"); default: "
         "all"},
        {"peers", ArgType::List, false,
         "chats whose updates you want: Bot-API ids (777000, -123, -100…), \"@username\", \"me\", "
         "Peer/User/Chat "
         "objects; default: all. tgd.* markers naming no chat always pass"},
        {"since", ArgType::Json, false,
         "resume: the last seq you have, a number (one session) or {\"session\": seq}; the journal after it "
         "is "
         "replayed, then live. Left out: live from now"}},
       "Pushes the sessions' updates to this connection (UNIX socket or WebSocket; HTTP: use getUpdates) as "
       "notifications {\"method\":\"update\",\"params\":{\"subscription\",\"session\",\"seq\",\"update\"}}, "
       "each once, in order per session, only once journaled. A since older than the journal first gets "
       "\"trimmed\" {subscription, session, after, first_available}. Past the configured buffer "
       "(updates.subscriber_buffer) unread, delivery waits for the reader; one that does not drain half "
       "of it within updates.lag_timeout gets \"lagged\" {subscription, session, resume_after, since} and "
       "the subscription ends: subscribe again with that since. Answers {\"subscription\": id}.",
       R"({"sessions":["alice"],"types":["updateNewMessage"],"since":{"alice":41}})",
       &Impl::subscribe},
      {"unsubscribe",
       {{"subscription", ArgType::Number, true, "the id subscribe answered (on this connection)"}},
       "Ends a subscription of this connection (closing the connection ends them all).",
       R"({"subscription":1})",
       &Impl::unsubscribe},
      {"getUpdates",
       {{"session", ArgType::String, false, kSessionDoc},
        {"offset", ArgType::Number, false,
         "the first seq wanted (your last + 1); default: the next new one; negative: the last -offset ones"},
        {"limit", ArgType::Number, false, "1-1000, default 100"},
        {"timeout", ArgType::Number, false,
         "seconds (0-50, default 0) to wait for the first update when there is none yet"}},
       "Pulls journaled updates, like the Bot API's getUpdates: "
       "{\"updates\":[{\"session\",\"seq\",\"update\"}],"
       "\"next_offset\"} (+ \"first_available\" when offset was older than the journal). Works over HTTP.",
       R"({"session":"alice","offset":42,"timeout":30})",
       &Impl::get_updates},
      {"getDownloadInfo",
       {{"file", ArgType::Json, true, kFileDoc}},
       "What downloading params.file would fetch, without the network: {kind, location, dc_id, size, "
       "file_name, "
       "mime_type, id, origin}.",
       R"({"file":{"_":"updateNewMessage","message":{…}}})",
       &Impl::get_download_info},
      {"downloadToFile",
       {{"session", ArgType::String, false, kSessionDoc},
        {"file", ArgType::Json, true, kFileDoc},
        {"path", ArgType::String, true,
         "the destination, an absolute path; an existing file there is replaced"},
        {"offset", ArgType::Number, false, "the first byte wanted (default 0)"},
        {"length", ArgType::Number, false, "how many bytes (default: to the end)"},
        {"progress", ArgType::Bool, false, kProgressDoc}},
       "Downloads the media to a file, several parts at once, written to a temporary file beside it and "
       "renamed into place only when complete (a failure or cancel leaves nothing there). Answers {path, "
       "bytes, seconds, transfer}.",
       R"({"file":{"_":"messageMediaDocument",…},"path":"/tmp/report.pdf"})",
       &Impl::download_to_file},
      {"downloadToDir",
       {{"session", ArgType::String, false, kSessionDoc},
        {"file", ArgType::Json, true, kFileDoc},
        {"dir", ArgType::String, true, "an absolute directory; the media's file name is used, made unique"},
        {"progress", ArgType::Bool, false, kProgressDoc}},
       "Downloads the media into a directory under its own file name (\"name (1).ext\" when taken). Answers "
       "{path, bytes, seconds, transfer}.",
       R"({"file":{"_":"updateNewMessage","message":{…}},"dir":"/tmp/downloads"})",
       &Impl::download_to_dir},
      {"uploadFile",
       {{"session", ArgType::String, false, kSessionDoc},
        {"path", ArgType::String, true, "the file to upload, an absolute path"},
        {"name", ArgType::String, false, "the file name Telegram gets (default: the path's)"},
        {"progress", ArgType::Bool, false, kProgressDoc}},
       "Uploads a file in parts (upload.saveFilePart, or saveBigFilePart past 10 MiB), several at once. "
       "Answers "
       "{file: the InputFile for inputMediaUploadedDocument/Photo, bytes, big, seconds, transfer}.",
       R"({"path":"/tmp/report.pdf"})",
       &Impl::upload_file},
      {"parseText",
       {{"text", ArgType::String, true, "the formatted text"},
        {"parse_mode", ArgType::String, false,
         "\"HTML\" (default), \"Markdown\" or \"MarkdownV2\" (both Telegram's MarkdownV2), or \"none\""}},
       "What a parse_mode turns the text into, without the network (as TDLib's parseTextEntities): "
       "{message, entities} — entities' offsets and lengths in UTF-16 code units. Bad markup: -32602 with "
       "the byte position.",
       R"({"text":"<b>bold</b> and <a href=\"https://t.me\">a link</a>"})",
       &Impl::parse_text},
      {"messageToHtml",
       {{"message", ArgType::Json, true, kMarkupMessageDoc},
        {"entities", ArgType::Json, false, kMarkupEntitiesDoc}},
       "The way back from parse_mode \"HTML\", without the network: text + entities → {text: HTML} that "
       "parse_mode \"HTML\" turns into the same text and entities. Entities HTML has no tag for (URLs, "
       "hashtags, …) are left for Telegram to find again. Bad entities: -32602 naming their JSON path.",
       R"({"message":"bold and a link","entities":[{"_":"messageEntityBold","offset":0,"length":4}]})",
       &Impl::message_to_html},
      {"messageToMarkdown",
       {{"message", ArgType::Json, true, kMarkupMessageDoc},
        {"entities", ArgType::Json, false, kMarkupEntitiesDoc}},
       "The way back from parse_mode \"MarkdownV2\", without the network: text + entities → {text: "
       "MarkdownV2, every reserved character escaped} that parse_mode \"MarkdownV2\" turns into the same "
       "text and entities. A block quote covers whole lines in MarkdownV2: one starting or ending mid-line "
       "is widened. Bad entities: -32602 naming their JSON path.",
       R"({"message":{"_":"updateNewMessage","message":{…}}})",
       &Impl::message_to_markdown},
      {"cancelTransfer",
       {{"transfer", ArgType::Number, true, "the id from a progress notification"}},
       "Cancels a running download or upload: its call answers -32003 and nothing is left at the "
       "destination.",
       R"({"transfer":7})",
       &Impl::cancel_transfer},
  };
  return table;
}

const Methods::Impl::DaemonMethod* Methods::Impl::find_daemon_method(std::string_view name) {
  for (const DaemonMethod& m : daemon_methods()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

awaitable<Outcome> Methods::Impl::call_daemon(const DaemonMethod& method, std::string params,
                                              std::shared_ptr<Caller> caller) {
  Args args;
  args.caller = std::move(caller);
  {
    // Synchronous: the parsed document lives in the shared parser.
    const std::string where = "params";
    simdjson::dom::element root;
    simdjson::dom::object fields;
    if (parser.parse(params).get(root) != simdjson::SUCCESS)
      co_return methods::invalid_params("params: not valid JSON");
    if (root.get(fields) != simdjson::SUCCESS) {
      co_return methods::invalid_params("params: an object expected, e.g. " + std::string(method.example));
    }
    for (auto [key, value] : fields) {
      const ArgSpec* spec = nullptr;
      for (const ArgSpec& s : method.params) {
        if (s.name == key) spec = &s;
      }
      if (spec == nullptr) {
        std::string known;
        for (const ArgSpec& s : method.params) known += (known.empty() ? "" : ", ") + std::string(s.name);
        co_return methods::invalid_params("params: unknown field \"" + std::string(key) + "\" for " +
                                          std::string(method.name) +
                                          (known.empty() ? " (it takes none)" : " (it takes " + known + ")"));
      }
      if (value.is_null() && !spec->required) continue;  // null: as absent
      Arg arg;
      arg.type = spec->type;
      const std::string path = where + "." + std::string(key);
      std::string_view text;
      switch (spec->type) {
        case ArgType::String:
          if (value.get(text) != simdjson::SUCCESS)
            co_return methods::invalid_params(path + ": a string expected");
          arg.text = std::string(text);
          break;
        case ArgType::Number:
          if (value.get(arg.number) != simdjson::SUCCESS || !std::isfinite(arg.number))
            co_return methods::invalid_params(path + ": a number expected");
          break;
        case ArgType::Bool:
          if (value.get(arg.flag) != simdjson::SUCCESS)
            co_return methods::invalid_params(path + ": true or false expected");
          break;
        case ArgType::PeerRef:
        case ArgType::List:
        case ArgType::Json:
          arg.text = simdjson::minify(value);
          break;
      }
      args.values.emplace(std::string(key), std::move(arg));
    }
    for (const ArgSpec& s : method.params) {
      if (s.required && !args.values.contains(s.name)) {
        co_return methods::invalid_params(where + "." + std::string(s.name) + ": required (" +
                                          std::string(methods::to_string(s.type)) + ") — " +
                                          std::string(s.doc));
      }
    }
  }
  co_return co_await (this->*method.handler)(std::move(args));
}

std::string Methods::Impl::session_json(Session& s) {
  JsonObject o;
  o.str("name", s.name());
  o.str("state", session::to_string(s.state()));
  if (s.kind().empty()) {
    o.null("kind");
  } else {
    o.str("kind", s.kind());
  }
  if (auto id = s.self_user_id()) {
    o.str("self_id", std::to_string(*id));
  } else {
    o.null("self_id");
  }
  o.num("main_dc", s.invoker().main_dc());
  switch (s.invoker().target().network()) {
    case session::DcNetwork::Production:
      o.str("network", "production");
      break;
    case session::DcNetwork::Test:
      o.str("network", "test");
      break;
    case session::DcNetwork::Custom:
      o.str("network", "custom");
      break;
  }
  if (s.state() == SessionState::LoggedOut) {
    o.str("logout_reason", s.logout_reason());
  } else {
    o.null("logout_reason");
  }
  return o.done();
}

awaitable<Outcome> Methods::Impl::list_sessions(Args) {
  methods::JsonArray list;
  for (Session* s : manager.sessions()) list.raw(session_json(*s));
  co_return list.done();
}

awaitable<Outcome> Methods::Impl::add_session(Args args) {
  const std::string& name = *args.text("name");
  const std::string* network = args.text("network");
  // "default" and "custom": the daemon's configured target (its custom DC list, when it has one).
  std::optional<session::DcTarget> target = options.default_target;
  if (network != nullptr && *network != "default" && *network != "custom") {
    if (*network == "production") {
      target = session::DcTarget::production();
    } else if (*network == "test") {
      target = session::DcTarget::telegram_test();
    } else {
      co_return methods::invalid_params(
          "params.network: \"production\", \"test\", \"custom\" or \"default\" expected");
    }
  }
  if (manager.find(name) != nullptr)
    co_return Error{codes::kSessionExists, "session '" + name + "' exists already",
                    JsonObject().str("name", name).done()};
  if (!session::SessionManager::valid_name(name))
    co_return methods::invalid_params("params.name: '" + name + "': use 1-64 of A-Z a-z 0-9 _ . -");
  auto added = manager.add(name, std::move(target));
  if (auto* e = std::get_if<std::string>(&added)) co_return methods::invalid_params("params.name: " + *e);
  co_return session_json(*std::get<Session*>(added));
}

awaitable<Outcome> Methods::Impl::remove_session(Args args) {
  const std::string& name = *args.text("name");
  if (manager.find(name) == nullptr) {
    const std::string* named = &name;
    auto picked = pick_session(named);  // the error that lists the sessions
    co_return std::get<Error>(picked);
  }
  if (auto error = manager.remove(name)) co_return Error{codes::kUnknownSession, *error, {}};
  co_return JsonObject().str("removed", name).done();
}

Outcome Methods::Impl::login_outcome(Session& s, const Session::LoginResult& r, std::string_view what) {
  if (const auto* e = std::get_if<CallError>(&r)) return methods::to_rpc_error(*e, what, s.name());
  return session_json(s);
}

namespace {

// The state a login step needs, or the -32008 error saying what would be needed.
std::optional<Error> require_state(Session& s, bool ok, std::string_view what, std::string_view hint) {
  if (ok) return std::nullopt;
  return Error{codes::kWrongLoginState,
               std::string(what) + ": session '" + s.name() + "' is " +
                   std::string(session::to_string(s.state())) + "; " + std::string(hint),
               JsonObject().str("session", s.name()).str("state", session::to_string(s.state())).done()};
}

}  // namespace

awaitable<Outcome> Methods::Impl::bot_login(Args args) {
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto s = std::get<std::shared_ptr<Session>>(std::move(picked));
  if (auto e = require_state(*s, s->state() != SessionState::Ready, "botLogin", "log out first"))
    co_return std::move(*e);
  std::string token = *args.text("token");
  const Session::LoginResult r = co_await s->bot_login(std::move(token));
  co_return login_outcome(*s, r, "botLogin");
}

awaitable<Outcome> Methods::Impl::phone_login(Args args) {
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto s = std::get<std::shared_ptr<Session>>(std::move(picked));
  if (auto e = require_state(*s, s->state() != SessionState::Ready, "phoneLogin", "log out first"))
    co_return std::move(*e);
  std::string phone = *args.text("phone");
  const Session::LoginResult r = co_await s->phone_login(std::move(phone));
  co_return login_outcome(*s, r, "phoneLogin");
}

awaitable<Outcome> Methods::Impl::complete_phone_login(Args args) {
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto s = std::get<std::shared_ptr<Session>>(std::move(picked));
  if (auto e = require_state(*s, s->state() == SessionState::WaitingCode, "completePhoneLogin",
                             "no login code is expected (phoneLogin first)"))
    co_return std::move(*e);
  std::string code = *args.text("code");
  const Session::LoginResult r = co_await s->complete_phone_login(std::move(code));
  co_return login_outcome(*s, r, "completePhoneLogin");
}

awaitable<Outcome> Methods::Impl::complete_2fa_login(Args args) {
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto s = std::get<std::shared_ptr<Session>>(std::move(picked));
  if (auto e = require_state(*s, s->state() == SessionState::WaitingPassword, "complete2faLogin",
                             "no 2FA password is expected"))
    co_return std::move(*e);
  std::string password = *args.text("password");
  const Session::LoginResult r = co_await s->complete_2fa(std::move(password));
  co_return login_outcome(*s, r, "complete2faLogin");
}

awaitable<Outcome> Methods::Impl::complete_signup(Args args) {
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto s = std::get<std::shared_ptr<Session>>(std::move(picked));
  if (auto e = require_state(*s, s->state() == SessionState::WaitingSignUp, "completeSignup",
                             "no sign-up is expected"))
    co_return std::move(*e);
  std::string first = *args.text("first_name");
  const std::string* last_arg = args.text("last_name");
  std::string last = last_arg != nullptr ? *last_arg : std::string();
  const Session::LoginResult r = co_await s->complete_signup(std::move(first), std::move(last));
  co_return login_outcome(*s, r, "completeSignup");
}

awaitable<Outcome> Methods::Impl::logout(Args args) {
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto s = std::get<std::shared_ptr<Session>>(std::move(picked));
  const Session::LoginResult r = co_await s->logout();
  co_return login_outcome(*s, r, "logout");
}

awaitable<Outcome> Methods::Impl::parse_text(Args args) {
  const std::string* mode = args.text("parse_mode");
  auto formatted = methods::parse_text(*args.text("text"), mode != nullptr ? *mode : "HTML", "params.text");
  if (auto* e = std::get_if<Error>(&formatted)) co_return std::move(*e);
  co_return std::move(std::get<std::string>(formatted));
}

awaitable<Outcome> Methods::Impl::message_to_html(Args args) {
  auto markup = methods::message_to_markup(parser, *args.text("message"), args.text("entities"),
                                           methods::Markup::kHtml);
  if (auto* e = std::get_if<Error>(&markup)) co_return std::move(*e);
  co_return std::move(std::get<std::string>(markup));
}

awaitable<Outcome> Methods::Impl::message_to_markdown(Args args) {
  auto markup = methods::message_to_markup(parser, *args.text("message"), args.text("entities"),
                                           methods::Markup::kMarkdown);
  if (auto* e = std::get_if<Error>(&markup)) co_return std::move(*e);
  co_return std::move(std::get<std::string>(markup));
}

}  // namespace tgd::rpc
