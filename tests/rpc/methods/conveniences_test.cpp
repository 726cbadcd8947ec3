// Unit tests of the pieces under rpc::Methods that need no network: Bot-API ids, peer references,
// the params walk (peers, random_id, "session"), and the mapping of call errors to JSON-RPC errors.
#include <doctest/doctest.h>
#include <simdjson.h>

#include "protocol/tl/embedded_schema.hpp"
#include "rpc/methods/errors.hpp"
#include "rpc/methods/param_rewriter.hpp"
#include "rpc/methods/parse_mode.hpp"
#include "rpc/methods/peers.hpp"

using namespace tgd;
using namespace tgd::rpc::methods;
using store::PeerKind;

namespace {

const tl::Schema& api() {
  static const tl::Schemas s = tl::load_embedded_schemas();
  return s.api;
}

struct Walker {
  PeerClassifier peers{api(), nullptr};
  ParamRewriter rewriter{api(), peers};
  simdjson::dom::parser parser;

  ParamRewriter::Result rewrite(std::string_view method, const std::string& params,
                                std::optional<std::int64_t> self = 42) {
    const tl::Combinator* c = api().find(method);
    REQUIRE(c != nullptr);
    simdjson::dom::element root;
    REQUIRE(parser.parse(params).get(root) == simdjson::SUCCESS);
    return rewriter.rewrite(*c, root, "s", self);
  }

  Classified classify(const std::string& json, const tl::Type* target = nullptr) {
    simdjson::dom::element root;
    REQUIRE(parser.parse(json).get(root) == simdjson::SUCCESS);
    return peers.classify(root, "s", 42, target);
  }
};

std::string field(const std::string& json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root, e;
  REQUIRE(parser.parse(json).get(root) == simdjson::SUCCESS);
  if (root.at_pointer(pointer).get(e) != simdjson::SUCCESS) return "<missing>";
  std::string_view s;
  if (e.get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(e);
}

}  // namespace

TEST_CASE("Bot-API ids: users as they are, basic chats negative, channels -100 followed by the id") {
  CHECK(bot_api_id(PeerKind::User, 777000) == 777000);
  CHECK(bot_api_id(PeerKind::Chat, 123) == -123);
  CHECK(bot_api_id(PeerKind::Channel, 1000000001) == -1001000000001);
  CHECK(from_bot_api_id(777000) == std::pair{PeerKind::User, std::int64_t{777000}});
  CHECK(from_bot_api_id(-123) == std::pair{PeerKind::Chat, std::int64_t{123}});
  CHECK(from_bot_api_id(-999999999999) == std::pair{PeerKind::Chat, std::int64_t{999999999999}});
  CHECK(from_bot_api_id(-1001000000001) == std::pair{PeerKind::Channel, std::int64_t{1000000001}});
  CHECK(from_bot_api_id(-1000000000001) == std::pair{PeerKind::Channel, std::int64_t{1}});
  CHECK_FALSE(from_bot_api_id(0));
  CHECK_FALSE(from_bot_api_id(-1000000000000));
}

TEST_CASE("usernames: @name, name, t.me links — not numbers, spaces or too short") {
  CHECK(PeerClassifier::username_of("@durov") == "durov");
  CHECK(PeerClassifier::username_of("durov") == "durov");
  CHECK(PeerClassifier::username_of("https://t.me/durov") == "durov");
  CHECK(PeerClassifier::username_of("t.me/Some_Bot") == "Some_Bot");
  CHECK_FALSE(PeerClassifier::username_of("@1abc"));
  CHECK_FALSE(PeerClassifier::username_of("no such"));
  CHECK_FALSE(PeerClassifier::username_of("@ab"));
  CHECK_FALSE(PeerClassifier::username_of(""));
}

TEST_CASE("peer references without a cache: me, chats, objects with their hash, messages and updates") {
  Walker w;
  auto peer = [](const Classified& c) {
    REQUIRE(std::holds_alternative<ResolvedPeer>(c));
    return std::get<ResolvedPeer>(c);
  };
  CHECK(peer(w.classify(R"("me")")).kind == ResolvedPeer::Kind::Self);
  CHECK(peer(w.classify(R"("SELF")")).id == 42);
  const ResolvedPeer chat = peer(w.classify("-123"));
  CHECK(chat.kind == ResolvedPeer::Kind::Chat);
  CHECK(chat.id == 123);
  CHECK(peer(w.classify(R"("-123")")).id == 123);
  // Users and channels need an access hash: without a cache, a miss (but our own id is self).
  CHECK(std::holds_alternative<PeerMiss>(w.classify("777")));
  CHECK(std::holds_alternative<PeerMiss>(w.classify("-1001000000001")));
  CHECK(peer(w.classify("42")).kind == ResolvedPeer::Kind::Self);
  CHECK(std::holds_alternative<UsernameRef>(w.classify(R"("@durov")")));
  CHECK(std::holds_alternative<NotAReference>(w.classify(R"("two words")")));
  CHECK(std::holds_alternative<NotAReference>(w.classify("1.5")));

  const ResolvedPeer user = peer(w.classify(
      R"({"_":"user","id":"777","access_hash":"-5","first_name":"Ann","last_name":"Lee","username":"ann"})"));
  CHECK(user.kind == ResolvedPeer::Kind::User);
  CHECK(user.access_hash == -5);
  CHECK(user.name == "Ann Lee");
  CHECK(user.username == "ann");
  CHECK(std::holds_alternative<PeerMiss>(
      w.classify(R"({"_":"user","id":"777","access_hash":"-5","min":true})")));
  const ResolvedPeer channel = peer(w.classify(R"({"_":"channel","id":"9","access_hash":"8","title":"T"})"));
  CHECK(channel.kind == ResolvedPeer::Kind::Channel);
  CHECK(channel.name == "T");
  CHECK(peer(w.classify(R"({"_":"peerChat","chat_id":"5"})")).id == 5);
  const std::string message =
      R"({"_":"message","id":1,"peer_id":{"_":"peerChat","chat_id":"6"},"message":"hi"})";
  CHECK(peer(w.classify(message)).id == 6);
  CHECK(
      peer(w.classify(R"({"_":"updateNewMessage","message":)" + message + R"(,"pts":1,"pts_count":1})")).id ==
      6);
  const ResolvedPeer input =
      peer(w.classify(R"({"_":"inputPeerChannel","channel_id":"3","access_hash":"4"})"));
  CHECK(input.kind == ResolvedPeer::Kind::Channel);
  CHECK(render(input, PeerTarget::InputChannel).json ==
        R"({"_":"inputChannel","channel_id":"3","access_hash":"4"})");
  CHECK(!render(input, PeerTarget::InputUser).error.empty());
  // With a target, its own constructors pass through.
  CHECK(std::holds_alternative<PassThrough>(
      w.classify(R"({"_":"inputPeerSelf"})", api().find_type("InputPeer"))));
}

TEST_CASE("the params walk: peers become input constructors, random_id is filled, session is dropped") {
  Walker w;
  auto r = w.rewrite("messages.sendMessage", R"({"peer":-77,"message":"hi","session":"s"})");
  REQUIRE_FALSE(r.error);
  REQUIRE(r.changed);
  CHECK(field(r.json, "/peer") == R"({"_":"inputPeerChat","chat_id":"77"})");
  CHECK(field(r.json, "/message") == "hi");
  CHECK(field(r.json, "/session") == "<missing>");
  CHECK(field(r.json, "/random_id").size() > 0);
  CHECK(field(r.json, "/random_id") != "<missing>");

  // Already in TL form with its random_id: untouched.
  auto same =
      w.rewrite("messages.sendMessage", R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":"1"})");
  CHECK_FALSE(same.error);
  CHECK_FALSE(same.changed);

  // A vector of random_ids, one per id.
  auto forward = w.rewrite("messages.forwardMessages", R"({"from_peer":"me","to_peer":"me","id":[1,2,3]})");
  REQUIRE_FALSE(forward.error);
  CHECK(field(forward.json, "/from_peer") == R"({"_":"inputPeerSelf"})");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(forward.json).get(root) == simdjson::SUCCESS);
  CHECK(root["random_id"].get_array().size() == 3);

  // Nested: each inputSingleMedia of sendMultiMedia gets its random_id.
  auto multi = w.rewrite(
      "messages.sendMultiMedia",
      R"({"peer":"me","multi_media":[{"_":"inputSingleMedia","media":{"_":"inputMediaEmpty"},"message":"a"},)"
      R"({"media":{"_":"inputMediaEmpty"},"message":"b"}]})");
  REQUIRE_FALSE(multi.error);
  CHECK(field(multi.json, "/multi_media/0/random_id") != "<missing>");
  CHECK(field(multi.json, "/multi_media/1/random_id") != "<missing>");
  CHECK(field(multi.json, "/multi_media/0/random_id") != field(multi.json, "/multi_media/1/random_id"));

  // Vectors of InputUser, and a username left as a hole for contacts.resolveUsername.
  auto users = w.rewrite("users.getUsers", R"({"id":["me","@durov",{"_":"inputUserSelf"}]})");
  REQUIRE_FALSE(users.error);
  REQUIRE(users.holes.size() == 1);
  CHECK(users.holes[0].username == "durov");
  CHECK(users.holes[0].path == "params.id[1]");
  CHECK(users.holes[0].target == PeerTarget::InputUser);
  const std::string filled =
      fill_holes(users.json, users.holes, {R"({"_":"inputUser","user_id":"1","access_hash":"2"})"});
  CHECK(field(filled, "/id/1/user_id") == "1");
  CHECK(field(filled, "/id/0") == R"({"_":"inputUserSelf"})");

  // InputDialogPeer and InputNotifyPeer wrap the InputPeer.
  auto dialogs = w.rewrite("messages.getPeerDialogs", R"({"peers":["me",-5]})");
  REQUIRE_FALSE(dialogs.error);
  CHECK(field(dialogs.json, "/peers/0") == R"({"_":"inputDialogPeer","peer":{"_":"inputPeerSelf"}})");
  CHECK(field(dialogs.json, "/peers/1/peer/chat_id") == "5");
  auto notify = w.rewrite("account.getNotifySettings", R"({"peer":"me"})");
  REQUIRE_FALSE(notify.error);
  CHECK(field(notify.json, "/peer") == R"({"_":"inputNotifyPeer","peer":{"_":"inputPeerSelf"}})");

  // Errors name the path.
  auto miss = w.rewrite("users.getUsers", R"({"id":[777]})");
  REQUIRE(miss.error);
  CHECK(miss.error->code == rpc::codes::kPeerNotFound);
  CHECK(miss.error->message.starts_with("params.id[0]: user 777"));
  auto kind = w.rewrite("channels.getChannels", R"({"id":["me"]})");
  REQUIRE(kind.error);
  CHECK(kind.error->code == rpc::codes::kInvalidParams);
  CHECK(kind.error->message.find("InputChannel") != std::string::npos);
}

TEST_CASE("call errors become JSON-RPC errors: Telegram's code and message, parsed fields, tgd's codes") {
  using session::CallError;
  using Kind = CallError::Kind;
  auto flood = to_rpc_error(CallError{Kind::FloodWait, 420, "FLOOD_WAIT_30", 30}, "users.getUsers");
  CHECK(flood.code == 420);
  CHECK(flood.message == "FLOOD_WAIT_30");
  CHECK(flood.data == R"({"method":"users.getUsers","telegram":true,"seconds":30})");
  auto slow = to_rpc_error(CallError{Kind::Rpc, 420, "SLOWMODE_WAIT_7", 0}, "messages.sendMessage");
  CHECK(field(slow.data, "/seconds") == "7");
  auto migrate = to_rpc_error(CallError{Kind::Rpc, 303, "USER_MIGRATE_4", 0}, "m");
  CHECK(field(migrate.data, "/dc") == "4");
  auto plain = to_rpc_error(CallError{Kind::Rpc, 400, "PEER_ID_INVALID", 0}, "m");
  CHECK(plain.data == R"({"method":"m","telegram":true})");
  CHECK(to_rpc_error(CallError{Kind::Failed, 0, "timeout", 0}, "m").code == rpc::codes::kTimeout);
  CHECK(to_rpc_error(CallError{Kind::Failed, 0, "cancelled", 0}, "m").code == rpc::codes::kCancelled);
  CHECK(to_rpc_error(CallError{Kind::Failed, 0, "session stopped", 0}, "m").code == rpc::codes::kUnavailable);
  auto out = to_rpc_error(CallError{Kind::LoggedOut, 401, "SESSION_REVOKED", 0}, "m", "alice");
  CHECK(out.code == rpc::codes::kNotLoggedIn);
  CHECK(out.message.find("SESSION_REVOKED") != std::string::npos);
  CHECK(field(out.data, "/session") == "alice");
  auto bad =
      to_rpc_error(CallError{Kind::BadInput, 0, "params.limit: 1099511627776 does not fit int", 0}, "m");
  CHECK(bad.code == rpc::codes::kInvalidParams);
  CHECK(bad.message == "params.limit: 1099511627776 does not fit int");
  CHECK_FALSE(error_number("PEER_ID_INVALID"));
  CHECK(error_number("PASSWORD_TOO_FRESH_3600")->value == 3600);
}

TEST_CASE(
    "parse_mode HTML: the message becomes plain text with entities, parse_mode is dropped, errors precise") {
  simdjson::dom::parser parser;
  const auto apply = [&](std::string_view method, const std::string& params) {
    simdjson::dom::element root;
    REQUIRE(parser.parse(params).get(root) == simdjson::SUCCESS);
    return apply_parse_mode(*api().find(method), root);
  };
  auto r =
      apply("messages.sendMessage", R"({"peer":"me","message":"<b>hi</b> 😀 <i>x</i>","parse_mode":"HTML"})");
  REQUIRE(std::holds_alternative<std::optional<std::string>>(r));
  const std::string sent = *std::get<std::optional<std::string>>(r);
  CHECK(sent ==
        R"({"peer":"me","message":"hi 😀 x","entities":[{"_":"messageEntityBold","offset":0,"length":2},)"
        R"({"_":"messageEntityItalic","offset":6,"length":1}]})");
  // Nothing to do without a parse_mode.
  r = apply("messages.sendMessage", R"({"peer":"me","message":"<b>"})");
  CHECK_FALSE(std::get<std::optional<std::string>>(r).has_value());
  // Errors: bad markup with its position, entities given too, a method without entities, a mode
  // that is none of tgd's.
  const auto error = [&](std::string_view method, const std::string& params) {
    auto e = apply(method, params);
    REQUIRE(std::holds_alternative<tgd::rpc::Error>(e));
    CHECK(std::get<tgd::rpc::Error>(e).code == -32602);
    return std::get<tgd::rpc::Error>(e).message;
  };
  CHECK(error("messages.sendMessage", R"({"message":"a <b>b","parse_mode":"html"})")
            .starts_with("params.message: bad HTML at byte "));
  CHECK(error("messages.sendMessage", R"({"message":"x","entities":[],"parse_mode":"HTML"})") ==
        "params.entities: give entities or a parse_mode, not both");
  CHECK(error("users.getUsers", R"({"id":["me"],"parse_mode":"HTML"})") ==
        "params.parse_mode: users.getUsers has no message with entities to format");
  CHECK(error("messages.sendMessage", R"({"message":"x","parse_mode":"BBCode"})") ==
        R"(params.parse_mode: "BBCode" is not a parse mode ("HTML", "Markdown" / "MarkdownV2", or none))");
  CHECK(error("messages.sendMessage", R"({"message":"x","parse_mode":7})") ==
        R"(params.parse_mode: a string expected ("HTML", "Markdown" / "MarkdownV2", or none))");
  // parseText's answer: none keeps the text.
  CHECK(std::get<std::string>(parse_text("<b>x</b>", "none", "params.text")) ==
        R"({"message":"<b>x</b>","entities":[]})");
}

TEST_CASE("parse_mode Markdown and MarkdownV2, any case: Telegram's MarkdownV2 rules, errors at the byte") {
  simdjson::dom::parser parser;
  const auto apply = [&](const std::string& params) {
    simdjson::dom::element root;
    REQUIRE(parser.parse(params).get(root) == simdjson::SUCCESS);
    return apply_parse_mode(*api().find("messages.sendMessage"), root);
  };
  const std::string sent =
      R"({"peer":"me","message":"hi 😀 x.","entities":[{"_":"messageEntityBold","offset":0,"length":2},)"
      R"({"_":"messageEntityItalic","offset":6,"length":1}]})";
  for (const std::string mode : {"Markdown", "MarkdownV2", "markdownv2", "MARKDOWN"}) {
    INFO("parse_mode: " << mode);
    auto r = apply(R"({"peer":"me","message":"*hi* 😀 _x_\\.","parse_mode":")" + mode + R"("})");
    REQUIRE(std::holds_alternative<std::optional<std::string>>(r));
    CHECK(*std::get<std::optional<std::string>>(r) == sent);
  }
  auto bad = apply(R"({"peer":"me","message":"*hi* x.","parse_mode":"MarkdownV2"})");
  REQUIRE(std::holds_alternative<tgd::rpc::Error>(bad));
  const auto& e = std::get<tgd::rpc::Error>(bad);
  CHECK(e.code == -32602);
  CHECK(e.message ==
        R"(params.message: bad MarkdownV2 at byte 6: character '.' is reserved and must be escaped with the )"
        R"(preceding '\')");
  CHECK(e.data == R"({"position":6})");
  // parseText's answers: the same text and entities; an unclosed entity at its opening marker.
  CHECK(
      std::get<std::string>(parse_text("[Bob](tg://user?id=42) ||s||", "markdown", "params.text")) ==
      R"({"message":"Bob s","entities":[{"_":"messageEntityMentionName","offset":0,"length":3,"user_id":"42"},)"
      R"({"_":"messageEntitySpoiler","offset":4,"length":1}]})");
  CHECK(std::get<tgd::rpc::Error>(parse_text("a *b", "Markdown", "params.text")).message ==
        "params.text: bad MarkdownV2 at byte 2: unclosed bold '*' opened at 2");
}

TEST_CASE("parse_mode on sendMultiMedia formats each item's message and names the item in errors") {
  simdjson::dom::parser parser;
  const auto apply = [&](const std::string& params) {
    simdjson::dom::element root;
    REQUIRE(parser.parse(params).get(root) == simdjson::SUCCESS);
    return apply_parse_mode(*api().find("messages.sendMultiMedia"), root);
  };
  auto r = apply(
      R"({"peer":"me","multi_media":[{"_":"inputSingleMedia","media":{"_":"inputMediaEmpty"},"message":"<b>a</b>"},)"
      R"({"_":"inputSingleMedia","media":{"_":"inputMediaEmpty"}}],"parse_mode":"HTML","silent":true})");
  REQUIRE(std::holds_alternative<std::optional<std::string>>(r));
  CHECK(
      *std::get<std::optional<std::string>>(r) ==
      R"({"peer":"me","multi_media":[{"_":"inputSingleMedia","media":{"_":"inputMediaEmpty"},"message":"a",)"
      R"("entities":[{"_":"messageEntityBold","offset":0,"length":1}]},)"
      R"({"_":"inputSingleMedia","media":{"_":"inputMediaEmpty"}}],"silent":true})");
  auto bad = apply(R"({"peer":"me","multi_media":[{"_":"inputSingleMedia","message":"ok"},)"
                   R"({"_":"inputSingleMedia","message":"*x"}],"parse_mode":"MarkdownV2"})");
  REQUIRE(std::holds_alternative<tgd::rpc::Error>(bad));
  CHECK(std::get<tgd::rpc::Error>(bad).message.starts_with(
      "params.multi_media[1].message: bad MarkdownV2 at byte 0"));
  auto both = apply(R"({"peer":"me","multi_media":[{"_":"inputSingleMedia","message":"x","entities":[]}],)"
                    R"("parse_mode":"HTML"})");
  CHECK(std::get<tgd::rpc::Error>(both).message ==
        "params.multi_media[0].entities: give entities or a parse_mode, not both");
  CHECK(std::get<tgd::rpc::Error>(apply(R"({"peer":"me","multi_media":7,"parse_mode":"HTML"})")).message ==
        "params.multi_media: an array of inputSingleMedia expected with parse_mode");
}
