// Helpers in the manner of MadelineProto (issue #8): getFullInfo, getDialogs / getDialogIds with the
// pagination done here, getHistory paging messages.getHistory, and sendMessage answering the sent
// message instead of Telegram's Updates.
//
// Every Telegram call goes down the TL methods' own path (call_tl, through call_in): the session by
// name, peer references and random_id filled in, Telegram's errors as typed JSON-RPC errors, a
// session not logged in said so. Answers are read with the shared parser in synchronous blocks;
// what a later page needs is copied out before the next co_await.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "protocol/crypto/random.hpp"
#include "protocol/tl/json_fields.hpp"
#include "protocol/tl/json_out.hpp"
#include "rpc/methods/errors.hpp"
#include "rpc/methods/json_builder.hpp"
#include "rpc/methods/methods_impl.hpp"
#include "rpc/methods/parse_mode.hpp"

namespace tgd::rpc {

using boost::asio::awaitable;
using methods::Args;
using methods::JsonArray;
using methods::JsonObject;
using methods::ResolvedPeer;
using session::Session;
using simdjson::dom::element;
using store::PeerKind;

namespace {

// Telegram's largest page for messages.getHistory and messages.getDialogs (more is cut to it).
constexpr std::int64_t kPageSize = 100;
// One helper call reads at most this many messages or dialogs (100 pages), so it cannot run on
// for ever; past it the caller pages on with next_offset_id (getHistory).
constexpr std::int64_t kMaxTotal = 10'000;
constexpr std::int64_t kDefaultHistory = 100;
constexpr std::int64_t kDefaultDialogs = 1'000;
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int32_t>::max();

// An integer param within [low, high]; `fallback` when absent.
std::variant<std::int64_t, Error> int_param(const Args& args, std::string_view name, std::int64_t low,
                                            std::int64_t high, std::int64_t fallback) {
  const auto n = args.number(name);
  if (!n) return fallback;
  if (*n != std::floor(*n) || *n < static_cast<double>(low) || *n > static_cast<double>(high)) {
    return methods::invalid_params("params." + std::string(name) + ": an integer from " +
                                   std::to_string(low) + " to " + std::to_string(high) + " expected");
  }
  return static_cast<std::int64_t>(*n);
}

std::string_view constructor(const element& o) {
  std::string_view name;
  return o["_"].get(name) == simdjson::SUCCESS ? name : std::string_view{};
}

// A Peer (peerUser / peerChat / peerChannel) as its kind and id.
std::optional<std::pair<PeerKind, std::int64_t>> peer_of(const element& peer) {
  const std::string_view name = constructor(peer);
  std::optional<std::int64_t> id;
  if (name == "peerUser") {
    if ((id = tl::int64_field(peer, "user_id"))) return std::pair{PeerKind::User, *id};
  } else if (name == "peerChat") {
    if ((id = tl::int64_field(peer, "chat_id"))) return std::pair{PeerKind::Chat, *id};
  } else if (name == "peerChannel") {
    if ((id = tl::int64_field(peer, "channel_id"))) return std::pair{PeerKind::Channel, *id};
  }
  return std::nullopt;
}

// A User / Chat / Channel object's Bot-API id (user and chat ids may coincide; these do not).
std::optional<std::int64_t> object_id(const element& o) {
  const std::string_view name = constructor(o);
  const auto id = tl::int64_field(o, "id");
  if (!id) return std::nullopt;
  if (name.starts_with("user")) return methods::bot_api_id(PeerKind::User, *id);
  if (name.starts_with("chat")) return methods::bot_api_id(PeerKind::Chat, *id);
  if (name.starts_with("channel")) return methods::bot_api_id(PeerKind::Channel, *id);
  return std::nullopt;
}

std::string_view kind_name(PeerKind kind) {
  return kind == PeerKind::User ? "user" : kind == PeerKind::Chat ? "chat" : "channel";
}

// A user's first and last name, or a chat's title; nullopt when the object has neither.
std::optional<std::string> name_of(const element& o) {
  std::string_view first, last, title;
  if (o["title"].get(title) == simdjson::SUCCESS) return std::string(title);
  if (o["first_name"].get(first) != simdjson::SUCCESS) return std::nullopt;
  std::string name(first);
  if (o["last_name"].get(last) == simdjson::SUCCESS && !last.empty())
    name += (name.empty() ? "" : " ") + std::string(last);
  return name;
}

// The users or the chats of several pages, each once (its first copy), in the order they came.
class ObjectList {
 public:
  void add(const element& page, std::string_view key) {
    simdjson::dom::array list;
    if (page[key].get(list) != simdjson::SUCCESS) return;
    for (element o : list) {
      const auto id = object_id(o);
      if (!id || !seen_.insert(*id).second) continue;
      json_.raw(simdjson::minify(o));
    }
  }
  std::string done() { return json_.done(); }

 private:
  std::set<std::int64_t> seen_;
  JsonArray json_;
};

// The page's users and chats by Bot-API id (elements of the document being read).
std::map<std::int64_t, element> objects_by_id(const element& page) {
  std::map<std::int64_t, element> out;
  for (std::string_view key : {"users", "chats"}) {
    simdjson::dom::array list;
    if (page[key].get(list) != simdjson::SUCCESS) continue;
    for (element o : list) {
      if (const auto id = object_id(o)) out.emplace(*id, o);
    }
  }
  return out;
}

std::string peer_json(PeerKind kind, std::int64_t id) {
  const std::string quoted = tl::json_quoted(std::to_string(id));
  switch (kind) {
    case PeerKind::User:
      return R"({"_":"peerUser","user_id":)" + quoted + "}";
    case PeerKind::Chat:
      return R"({"_":"peerChat","chat_id":)" + quoted + "}";
    case PeerKind::Channel:
      return R"({"_":"peerChannel","channel_id":)" + quoted + "}";
  }
  return {};
}

PeerKind store_kind(const ResolvedPeer& p) {
  return p.kind == ResolvedPeer::Kind::Chat      ? PeerKind::Chat
         : p.kind == ResolvedPeer::Kind::Channel ? PeerKind::Channel
                                                 : PeerKind::User;
}

}  // namespace

awaitable<Outcome> Methods::Impl::call_in(std::string session, std::string method, std::string fields) {
  const tl::Combinator* c = schema.find(method);
  if (c == nullptr || !c->is_function)
    co_return Error{codes::kInternalError, method + " is not a method of this layer", {}};
  // The session by name, as a caller's own "session" field picks it.
  std::string params = R"({"session":)" + tl::json_quoted(session);
  params += fields.size() > 2 ? "," + fields.substr(1) : "}";
  co_return co_await call_tl(*c, std::move(params));
}

awaitable<Outcome> Methods::Impl::get_full_info(Args args) {
  auto opened = co_await session_and_peer(args);
  if (auto* e = std::get_if<Error>(&opened)) co_return std::move(*e);
  const auto s = std::move(std::get<SessionAndPeer>(opened).session);
  const ResolvedPeer peer = std::move(std::get<SessionAndPeer>(opened).peer);
  const PeerKind kind = store_kind(peer);
  std::string method, fields;
  switch (kind) {
    case PeerKind::User:
      method = "users.getFullUser";
      fields = R"({"id":)" + methods::render(peer, methods::PeerTarget::InputUser).json + "}";
      break;
    case PeerKind::Chat:
      method = "messages.getFullChat";
      fields = R"({"chat_id":)" + tl::json_quoted(std::to_string(peer.id)) + "}";
      break;
    case PeerKind::Channel:
      method = "channels.getFullChannel";
      fields = R"({"channel":)" + methods::render(peer, methods::PeerTarget::InputChannel).json + "}";
      break;
  }
  Outcome r = co_await call_in(s->name(), method, std::move(fields));
  if (auto* e = std::get_if<Error>(&r)) co_return std::move(*e);
  // Synchronous: the answer is read from the shared parser.
  element root, full;
  const char* full_key = kind == PeerKind::User ? "full_user" : "full_chat";
  if (parser.parse(std::get<std::string>(r)).get(root) != simdjson::SUCCESS ||
      root[full_key].get(full) != simdjson::SUCCESS)
    co_return Error{codes::kInternalError, method + " answered no " + full_key, {}};
  // The full object's id is the peer's (the way to learn it for "me" without the cache).
  const std::int64_t id = tl::int64_field(full, "id").value_or(peer.id);
  const std::int64_t bot_api_id = methods::bot_api_id(kind, id);
  const auto objects = objects_by_id(root);
  const auto object = objects.find(bot_api_id);
  element users, chats;
  JsonObject out;
  out.num("bot_api_id", bot_api_id);
  out.str("kind", kind_name(kind));
  out.raw("full", simdjson::minify(full));
  out.raw("object", object == objects.end() ? std::string("null") : simdjson::minify(object->second));
  out.raw("users", root["users"].get(users) == simdjson::SUCCESS ? simdjson::minify(users) : "[]");
  out.raw("chats", root["chats"].get(chats) == simdjson::SUCCESS ? simdjson::minify(chats) : "[]");
  co_return out.done();
}

awaitable<Outcome> Methods::Impl::get_history(Args args) {
  const auto limit = int_param(args, "limit", 1, kMaxTotal, kDefaultHistory);
  const auto offset_id = int_param(args, "offset_id", 0, kMaxInt, 0);
  const auto min_id = int_param(args, "min_id", 0, kMaxInt, 0);
  const auto max_id = int_param(args, "max_id", 0, kMaxInt, 0);
  for (const auto* checked : {&limit, &offset_id, &min_id, &max_id}) {
    if (const auto* e = std::get_if<Error>(checked)) co_return *e;
  }
  const std::int64_t wanted = std::get<std::int64_t>(limit);
  const std::int64_t min = std::get<std::int64_t>(min_id);
  const std::int64_t max = std::get<std::int64_t>(max_id);
  const bool reverse = args.flag("reverse").value_or(false);
  auto opened = co_await session_and_peer(args);
  if (auto* e = std::get_if<Error>(&opened)) co_return std::move(*e);
  const auto s = std::move(std::get<SessionAndPeer>(opened).session);
  const std::string input_peer =
      methods::render(std::get<SessionAndPeer>(opened).peer, methods::PeerTarget::InputPeer).json;

  // The exclusive bound the next page starts from: newest first, the id below which messages are
  // wanted (0: the newest); reverse, the id above which they are (0: the oldest). max_id is the
  // first upper bound (as an offset_id it pages the same way), min_id the first lower one.
  const std::int64_t offset = std::get<std::int64_t>(offset_id);
  std::int64_t bound = reverse                 ? std::max(offset, min)
                       : offset > 0 && max > 0 ? std::min(offset, max)
                                               : std::max(offset, max);
  const std::string method = "messages.getHistory";
  std::vector<std::string> messages;
  std::optional<std::int64_t> count;
  ObjectList users, chats;
  bool ended = false;
  while (!ended && static_cast<std::int64_t>(messages.size()) < wanted) {
    const std::int64_t want = std::min(kPageSize, wanted - static_cast<std::int64_t>(messages.size()));
    JsonObject fields;
    fields.raw("peer", input_peer);
    if (reverse) {
      // The `want` messages just above the bound: offset_id one above it, shifted back by a page.
      fields.num("offset_id", bound + 1).num("offset_date", 0).num("add_offset", -want).num("limit", want);
      fields.num("max_id", 0).num("min_id", 0);
    } else {
      fields.num("offset_id", bound).num("offset_date", 0).num("add_offset", 0).num("limit", want);
      fields.num("max_id", 0).num("min_id", min);
    }
    fields.str("hash", "0");
    std::string request = fields.done();
    Outcome r = co_await call_in(s->name(), method, std::move(request));
    if (auto* e = std::get_if<Error>(&r)) co_return std::move(*e);
    // Synchronous: the page is read from the shared parser.
    element root;
    simdjson::dom::array list;
    if (parser.parse(std::get<std::string>(r)).get(root) != simdjson::SUCCESS)
      co_return Error{codes::kInternalError, "messages.getHistory: an unreadable answer", {}};
    if (root["messages"].get(list) != simdjson::SUCCESS) break;  // messagesNotModified: nothing here
    if (!count) {
      std::int64_t total = 0;
      count = root["count"].get(total) == simdjson::SUCCESS ? total : static_cast<std::int64_t>(list.size());
    }
    users.add(root, "users");
    chats.add(root, "chats");
    std::vector<std::pair<std::int64_t, std::string>> page;
    std::int64_t past_bound = 0;  // reverse: the messages above the bound, before max_id is applied
    bool reached_max = false;
    for (element m : list) {
      const std::int64_t id = tl::int64_field(m, "id").value_or(0);
      if (reverse) {
        // A page near the newest end also holds older messages (the window cannot pass the end).
        if (id <= bound) continue;
        ++past_bound;
        if (max > 0 && id >= max) {
          reached_max = true;
          continue;
        }
      } else if ((bound > 0 && id >= bound) || (min > 0 && id <= min)) {
        continue;
      }
      page.emplace_back(id, simdjson::minify(m));
    }
    std::sort(page.begin(), page.end(),
              [&](const auto& a, const auto& b) { return reverse ? a.first < b.first : a.first > b.first; });
    // A short page is the end of the chat (or of the ids wanted); so is one that moved nowhere.
    ended = page.empty() || reached_max ||
            (reverse ? past_bound < want : static_cast<std::int64_t>(list.size()) < want);
    for (auto& [id, json] : page) {
      if (static_cast<std::int64_t>(messages.size()) == wanted) {
        ended = false;  // cut by the limit: more may follow
        break;
      }
      messages.push_back(std::move(json));
      bound = id;
    }
  }
  JsonArray list;
  for (std::string& m : messages) list.raw(m);
  JsonObject out;
  out.raw("messages", list.done());
  out.raw("count", count ? std::to_string(*count) : "null");
  out.raw("next_offset_id", ended || messages.empty() ? std::string("null") : std::to_string(bound));
  out.raw("users", users.done());
  out.raw("chats", chats.done());
  co_return out.done();
}

awaitable<Outcome> Methods::Impl::get_dialogs(Args args) {
  co_return co_await dialogs(std::move(args), false);
}

awaitable<Outcome> Methods::Impl::get_dialog_ids(Args args) {
  co_return co_await dialogs(std::move(args), true);
}

awaitable<Outcome> Methods::Impl::dialogs(Args args, bool ids_only) {
  const auto limit = int_param(args, "limit", 1, kMaxTotal, kDefaultDialogs);
  if (const auto* e = std::get_if<Error>(&limit)) co_return *e;
  const auto folder_id = int_param(args, "folder_id", 0, kMaxInt, -1);
  if (const auto* e = std::get_if<Error>(&folder_id)) co_return *e;
  const std::int64_t wanted = std::get<std::int64_t>(limit);
  const std::int64_t folder = std::get<std::int64_t>(folder_id);
  const bool exclude_pinned = args.flag("exclude_pinned").value_or(false);
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto s = std::get<std::shared_ptr<Session>>(std::move(picked));

  // Each page goes on from the last dialog of the one before: its top message's date and id, and
  // its peer. A dialog may come twice (pinned ones, equal dates): it is kept once.
  std::int32_t offset_date = 0;
  std::int64_t offset_id = 0;
  std::string offset_peer = R"({"_":"inputPeerEmpty"})";
  const std::string method = "messages.getDialogs";
  std::set<std::int64_t> seen;
  JsonArray entries;
  ObjectList users, chats;
  std::optional<std::int64_t> count;
  bool complete = false;
  while (!complete && static_cast<std::int64_t>(seen.size()) < wanted) {
    const std::int64_t want = std::min(kPageSize, wanted - static_cast<std::int64_t>(seen.size()));
    JsonObject fields;
    if (exclude_pinned) fields.boolean("exclude_pinned", true);
    if (folder >= 0) fields.num("folder_id", folder);
    fields.num("offset_date", offset_date).num("offset_id", offset_id).raw("offset_peer", offset_peer);
    fields.num("limit", want).str("hash", "0");
    std::string request = fields.done();
    Outcome r = co_await call_in(s->name(), method, std::move(request));
    if (auto* e = std::get_if<Error>(&r)) co_return std::move(*e);
    // Synchronous: the page is read from the shared parser.
    element root;
    simdjson::dom::array dialogs, messages;
    if (parser.parse(std::get<std::string>(r)).get(root) != simdjson::SUCCESS)
      co_return Error{codes::kInternalError, "messages.getDialogs: an unreadable answer", {}};
    const std::string_view kind = constructor(root);
    std::int64_t total = 0;
    if (root["count"].get(total) == simdjson::SUCCESS) count = total;
    if (root["dialogs"].get(dialogs) != simdjson::SUCCESS ||
        root["messages"].get(messages) != simdjson::SUCCESS)
      break;  // dialogsNotModified
    if (kind == "messages.dialogs") count = static_cast<std::int64_t>(dialogs.size());
    if (!ids_only) {
      users.add(root, "users");
      chats.add(root, "chats");
    }
    const auto objects = objects_by_id(root);
    std::map<std::pair<std::int64_t, std::int64_t>, element> tops;  // (peer, message id) → message
    for (element m : messages) {
      element peer;
      if (m["peer_id"].get(peer) != simdjson::SUCCESS) continue;
      const auto p = peer_of(peer);
      const auto id = tl::int64_field(m, "id");
      if (p && id) tops.emplace(std::pair{methods::bot_api_id(p->first, p->second), *id}, m);
    }
    std::size_t added = 0;
    std::optional<std::pair<std::int64_t, std::int64_t>> last;  // the last dialog with its top message
    for (element d : dialogs) {
      element peer;
      if (d["peer"].get(peer) != simdjson::SUCCESS) continue;
      const auto p = peer_of(peer);
      if (!p) continue;
      const std::int64_t id = methods::bot_api_id(p->first, p->second);
      const auto top = tops.find({id, tl::int64_field(d, "top_message").value_or(0)});
      if (top != tops.end()) last = top->first;
      // A folder (the archive, in the main list) is not a chat; folder_id 1 lists its chats.
      if (constructor(d) != "dialog" || static_cast<std::int64_t>(seen.size()) == wanted) continue;
      if (!seen.insert(id).second) continue;
      ++added;
      if (ids_only) {
        entries.raw(std::to_string(id));
        continue;
      }
      const auto object = objects.find(id);
      const auto name = object == objects.end() ? std::nullopt : name_of(object->second);
      JsonObject entry;
      entry.num("bot_api_id", id).str("kind", kind_name(p->first));
      if (name) {
        entry.str("name", *name);
      } else {
        entry.null("name");
      }
      entry.raw("dialog", simdjson::minify(d));
      entry.raw("message", top == tops.end() ? std::string("null") : simdjson::minify(top->second));
      entry.raw("object", object == objects.end() ? std::string("null") : simdjson::minify(object->second));
      entries.raw(entry.done());
    }
    // messages.dialogs is the whole list; a short page or one with nothing new is its end.
    complete = kind == "messages.dialogs" || static_cast<std::int64_t>(dialogs.size()) < want || added == 0 ||
               (count && static_cast<std::int64_t>(seen.size()) >= *count);
    if (complete || static_cast<std::int64_t>(seen.size()) >= wanted) break;
    if (!last) break;  // no top message to go on from: the list ends here, not complete
    const element top = tops.at(*last);
    std::int64_t date = 0;
    if (top["date"].get(date) != simdjson::SUCCESS) break;
    offset_date = static_cast<std::int32_t>(date);
    offset_id = last->second;
    offset_peer = R"({"_":"inputPeerEmpty"})";
    const auto object = objects.find(last->first);
    const auto target = methods::from_bot_api_id(last->first);
    if (object != objects.end()) {
      if (auto p = methods::peer_from_object(object->second))
        offset_peer = methods::render(*p, methods::PeerTarget::InputPeer).json;
    } else if (target && target->first == PeerKind::Chat) {
      offset_peer =
          R"({"_":"inputPeerChat","chat_id":)" + tl::json_quoted(std::to_string(target->second)) + "}";
    }
  }
  if (ids_only) co_return entries.done();
  JsonObject out;
  out.raw("dialogs", entries.done());
  out.raw("count", count ? std::to_string(*count) : "null");
  out.boolean("complete", complete);
  out.raw("users", users.done());
  out.raw("chats", chats.done());
  co_return out.done();
}

awaitable<Outcome> Methods::Impl::send_message(Args args) {
  const auto schedule_date = int_param(args, "schedule_date", 1, kMaxInt, 0);
  if (const auto* e = std::get_if<Error>(&schedule_date)) co_return *e;
  const tl::Combinator* send = schema.find("messages.sendMessage");
  if (send == nullptr)
    co_return Error{codes::kInternalError, "messages.sendMessage is not in this layer", {}};
  auto opened = co_await session_and_peer(args);
  if (auto* e = std::get_if<Error>(&opened)) co_return std::move(*e);
  const auto s = std::move(std::get<SessionAndPeer>(opened).session);
  const ResolvedPeer peer = std::move(std::get<SessionAndPeer>(opened).peer);
  const std::optional<std::int64_t> self_id = s->self_user_id();
  const PeerKind kind = store_kind(peer);
  const std::int64_t peer_id =
      peer.kind == ResolvedPeer::Kind::Self && peer.id == 0 ? self_id.value_or(0) : peer.id;
  // Ours rather than the rewriter's: the answer's updateMessageID is found by it.
  const auto random_id = static_cast<std::int64_t>(crypto::random_u64());

  JsonObject fields;
  fields.raw("peer", methods::render(peer, methods::PeerTarget::InputPeer).json);
  for (std::string_view flag : {"no_webpage", "silent", "noforwards", "clear_draft"}) {
    if (args.flag(flag).value_or(false)) fields.boolean(flag, true);
  }
  fields.str("message", *args.text("message"));
  fields.str("random_id", std::to_string(random_id));
  std::string reply_header;  // the message's reply_to, from what was asked
  if (const std::string* reply_to = args.text("reply_to")) {
    // Synchronous: read with the shared parser.
    element value;
    std::int64_t msg_id = 0;
    if (parser.parse(*reply_to).get(value) != simdjson::SUCCESS)
      co_return methods::invalid_params("params.reply_to: not valid JSON");
    if (value.get(msg_id) == simdjson::SUCCESS) {
      if (msg_id <= 0 || msg_id > kMaxInt)
        co_return methods::invalid_params("params.reply_to: a message id (a positive integer) expected");
      fields.raw("reply_to",
                 R"({"_":"inputReplyToMessage","reply_to_msg_id":)" + std::to_string(msg_id) + "}");
    } else if (value.is_object()) {
      fields.raw("reply_to", *reply_to);  // an InputReplyTo, checked by the codec
      if (constructor(value) == "inputReplyToMessage")
        msg_id = tl::int64_field(value, "reply_to_msg_id").value_or(0);
    } else {
      co_return methods::invalid_params("params.reply_to: a message id or an InputReplyTo object expected");
    }
    if (msg_id > 0) {
      JsonObject header;
      header.str("_", "messageReplyHeader").num("reply_to_msg_id", msg_id);
      if (const auto top = tl::int64_field(value, "top_msg_id")) header.num("reply_to_top_id", *top);
      reply_header = header.done();
    }
  }
  if (const std::string* markup = args.text("reply_markup")) fields.raw("reply_markup", *markup);
  if (const std::string* entities = args.text("entities")) fields.raw("entities", *entities);
  if (const std::string* mode = args.text("parse_mode")) fields.str("parse_mode", *mode);
  if (const std::int64_t date = std::get<std::int64_t>(schedule_date)) fields.num("schedule_date", date);
  if (const std::string* send_as = args.text("send_as")) fields.raw("send_as", *send_as);
  std::string params = fields.done();

  std::string text, entities;  // as sent, for the message built from updateShortSentMessage
  {
    // Synchronous: parse_mode applied exactly as on the TL method, then what will be sent read back.
    element root;
    if (parser.parse(params).get(root) != simdjson::SUCCESS)
      co_return Error{codes::kInternalError, "sendMessage: params not valid JSON", {}};
    auto formatted = methods::apply_parse_mode(*send, root);
    if (auto* e = std::get_if<Error>(&formatted)) co_return std::move(*e);
    if (auto& applied = std::get<std::optional<std::string>>(formatted)) params = std::move(*applied);
    std::string_view message;
    element list;
    if (parser.parse(params).get(root) != simdjson::SUCCESS ||
        root["message"].get(message) != simdjson::SUCCESS)
      co_return Error{codes::kInternalError, "sendMessage: params not valid JSON", {}};
    text = std::string(message);
    if (root["entities"].get(list) == simdjson::SUCCESS) entities = simdjson::minify(list);
  }
  Outcome r = co_await call_in(s->name(), send->name, std::move(params));
  if (auto* e = std::get_if<Error>(&r)) co_return std::move(*e);
  const std::string& answer = std::get<std::string>(r);

  // Synchronous: the answer is read from the shared parser.
  element root;
  if (parser.parse(answer).get(root) != simdjson::SUCCESS)
    co_return Error{codes::kInternalError, "messages.sendMessage: an unreadable answer", {}};
  const std::string_view name = constructor(root);
  if (name == "updateShortSentMessage") {
    // Private chats and basic groups: Telegram answers only the id, date, pts and what it made of the
    // text (media of a link, entities it found); the rest is what was sent (as Telethon builds it).
    bool out_flag = false;
    std::int64_t id = 0, date = 0;
    element media, answer_entities, ttl;
    if (root["id"].get(id) != simdjson::SUCCESS) id = 0;
    if (root["date"].get(date) != simdjson::SUCCESS) date = 0;
    JsonObject m;
    m.str("_", "message");
    if (root["out"].get(out_flag) == simdjson::SUCCESS && out_flag) m.boolean("out", true);
    if (args.flag("silent").value_or(false)) m.boolean("silent", true);
    if (args.flag("noforwards").value_or(false)) m.boolean("noforwards", true);
    m.num("id", id);
    // Groups name the sender; private chats do not (the dialog and `out` say who wrote it).
    if (kind == PeerKind::Chat && self_id) m.raw("from_id", peer_json(PeerKind::User, *self_id));
    m.raw("peer_id", peer_json(kind, peer_id));
    if (!reply_header.empty()) m.raw("reply_to", reply_header);
    m.num("date", date);
    m.str("message", text);
    if (root["media"].get(media) == simdjson::SUCCESS) m.raw("media", simdjson::minify(media));
    if (root["entities"].get(answer_entities) == simdjson::SUCCESS) {
      m.raw("entities", simdjson::minify(answer_entities));
    } else if (!entities.empty() && entities != "[]") {
      m.raw("entities", entities);
    }
    if (root["ttl_period"].get(ttl) == simdjson::SUCCESS) m.raw("ttl_period", simdjson::minify(ttl));
    co_return m.done();
  }
  // updates / updatesCombined (updateShort holds one update): updateMessageID maps our random_id
  // to the message's id, and the new-message update with that id holds the message.
  std::vector<element> updates;
  simdjson::dom::array list;
  element one;
  if (root["updates"].get(list) == simdjson::SUCCESS) {
    for (element u : list) updates.push_back(u);
  } else if (root["update"].get(one) == simdjson::SUCCESS) {
    updates.push_back(one);
  }
  std::optional<std::int64_t> id;
  for (const element& u : updates) {
    if (constructor(u) == "updateMessageID" && tl::int64_field(u, "random_id") == random_id)
      id = tl::int64_field(u, "id");
  }
  std::vector<element> candidates;
  for (const element& u : updates) {
    const std::string_view type = constructor(u);
    element message;
    if ((type == "updateNewMessage" || type == "updateNewChannelMessage" ||
         type == "updateNewScheduledMessage") &&
        u["message"].get(message) == simdjson::SUCCESS) {
      if (id && tl::int64_field(message, "id") == id) co_return simdjson::minify(message);
      candidates.push_back(message);
    }
  }
  // Telegram always sends both; should the id come without its message, or a lone message without
  // the id, the caller still gets the one message there is.
  if (!id && candidates.size() == 1) co_return simdjson::minify(candidates.front());
  co_return Error{codes::kInternalError,
                  "messages.sendMessage: sent, but the answer holds no message for random_id " +
                      std::to_string(random_id) + " (the raw Updates are in data.updates)",
                  JsonObject().str("random_id", std::to_string(random_id)).raw("updates", answer).done()};
}

}  // namespace tgd::rpc
