// End to end: rpc::Methods (TL methods by name with their conveniences, the daemon methods, error
// mapping) against the local test DC's accounts, called directly as the JSON-RPC server calls it.
#include <doctest/doctest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include "tests/rpc/methods/methods_harness.hpp"

using namespace tgd;
using namespace tgd::e2e;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kSelf = R"({"id":[{"_":"inputUserSelf"}]})";

// A user session `name` logged in with a test number (the account is created first: no sign-up).
net::awaitable<void> login_user(MethodsHarness& f, std::string_view name, std::string_view phone,
                                std::string_view first_name) {
  f.h.world().create_user(phone, std::string(first_name));
  const std::string add = R"({"name":")" + std::string(name) + R"("})";
  result_of(co_await f.call("addSession", add));
  const std::string login =
      R"({"session":")" + std::string(name) + R"(","phone":")" + std::string(phone) + R"("})";
  CHECK(Json(result_of(co_await f.call("phoneLogin", login))).at("/state") == "waiting_code");
  const std::string code(5, phone[5]);  // 99966XYYYY: X five times
  const std::string complete = R"({"session":")" + std::string(name) + R"(","code":")" + code + R"("})";
  CHECK(Json(result_of(co_await f.call("completePhoneLogin", complete))).at("/state") == "ready");
}

net::awaitable<void> login_bot(MethodsHarness& f, std::string_view name, std::string_view token) {
  const std::string add = R"({"name":")" + std::string(name) + R"("})";
  result_of(co_await f.call("addSession", add));
  const std::string login =
      R"({"session":")" + std::string(name) + R"(","token":")" + std::string(token) + R"("})";
  CHECK(Json(result_of(co_await f.call("botLogin", login))).at("/state") == "ready");
}

std::uint64_t calls_of(session::Session& s, std::string_view method) {
  const auto* c = schemas().api.find(method);
  REQUIRE(c != nullptr);
  const auto& m = s.invoker().metrics();
  const auto it = m.find(c->id);
  return it == m.end() ? 0 : it->second.calls;
}

}  // namespace

TEST_CASE("a TL method by its name after botLogin: the decoded answer raw, then listSessions and getSelf") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    const Json added(result_of(co_await f.call("addSession", R"({"name":"bot"})")));
    CHECK(added.at("/name") == "bot");
    CHECK(added.at("/state") == "new");
    CHECK(added.at("/network") == "custom");
    const Json logged(result_of(co_await f.call("botLogin", R"({"token":"123456:secret-token"})")));
    CHECK(logged.at("/state") == "ready");
    CHECK(logged.at("/kind") == "bot");
    CHECK(logged.at("/self_id") == "123456");

    const std::string users = result_of(co_await f.call("users.getUsers", kSelf));
    const Json u(users);
    CHECK(u.at("/0/_") == "user");
    CHECK(u.at("/0/id") == "123456");
    CHECK(u.at("/0/username") == "bot123456_bot");

    const Json list(result_of(co_await f.call("listSessions")));
    REQUIRE(list.size() == 1);
    CHECK(list.at("/0/name") == "bot");
    CHECK(list.at("/0/state") == "ready");
    CHECK(list.at("/0/main_dc") == "1");
    CHECK(list.at("/0/logout_reason") == "null");

    const Json self(result_of(co_await f.call("getSelf")));
    CHECK(self.at("/_") == "user");
    CHECK(self.at("/id") == "123456");
    CHECK(self.at("/bot") == "true");
  });
}

TEST_CASE("the session param: the only session by default, a name among several, an unknown name listed") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    const auto none = error_of(co_await f.call("users.getUsers", kSelf));
    CHECK(none.code == rpc::codes::kUnknownSession);
    CHECK(none.message.find("addSession") != std::string::npos);

    co_await login_bot(f, "a", "701:secret-token");
    CHECK(Json(result_of(co_await f.call("users.getUsers", kSelf))).at("/0/id") == "701");
    co_await login_bot(f, "b", "702:secret-token");

    const auto ambiguous = error_of(co_await f.call("users.getUsers", kSelf));
    CHECK(ambiguous.code == rpc::codes::kUnknownSession);
    CHECK(Json(ambiguous.data).at("/sessions") == R"(["a","b"])");
    CHECK(ambiguous.message.find(R"(["a","b"])") != std::string::npos);

    const auto named =
        result_of(co_await f.call("users.getUsers", R"({"session":"b","id":[{"_":"inputUserSelf"}]})"));
    CHECK(Json(named).at("/0/id") == "702");
    const auto daemon = result_of(co_await f.call("getSelf", R"({"session":"a"})"));
    CHECK(Json(daemon).at("/id") == "701");

    const auto unknown = error_of(co_await f.call("users.getUsers", R"({"session":"zzz","id":[]})"));
    CHECK(unknown.code == rpc::codes::kUnknownSession);
    CHECK(unknown.message.find("no session 'zzz'") != std::string::npos);
    CHECK(Json(unknown.data).at("/sessions") == R"(["a","b"])");

    const auto not_a_name = error_of(co_await f.call("users.getUsers", R"({"session":7,"id":[]})"));
    CHECK(not_a_name.code == rpc::codes::kInvalidParams);
    CHECK(not_a_name.message.find("params.session") != std::string::npos);
  });
}

TEST_CASE("addSession and removeSession: names checked, duplicates refused, networks chosen") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    result_of(co_await f.call("addSession", R"({"name":"one"})"));
    const auto twice = error_of(co_await f.call("addSession", R"({"name":"one"})"));
    CHECK(twice.code == rpc::codes::kSessionExists);
    const auto bad_name = error_of(co_await f.call("addSession", R"({"name":"no spaces"})"));
    CHECK(bad_name.code == rpc::codes::kInvalidParams);
    CHECK(bad_name.message.find("params.name") != std::string::npos);
    const auto bad_network = error_of(co_await f.call("addSession", R"({"name":"two","network":"moon"})"));
    CHECK(bad_network.code == rpc::codes::kInvalidParams);
    CHECK(bad_network.message.find("params.network") != std::string::npos);
    // Production is only a target here: nothing connects until a call is made.
    const Json prod(result_of(co_await f.call("addSession", R"({"name":"prod","network":"production"})")));
    CHECK(prod.at("/network") == "production");
    CHECK(prod.at("/main_dc") == "2");
    CHECK(Json(result_of(co_await f.call("listSessions"))).size() == 2);

    CHECK(Json(result_of(co_await f.call("removeSession", R"({"name":"prod"})"))).at("/removed") == "prod");
    CHECK(f.h.manager->find("prod") == nullptr);
    const auto gone = error_of(co_await f.call("removeSession", R"({"name":"prod"})"));
    CHECK(gone.code == rpc::codes::kUnknownSession);
    CHECK(Json(result_of(co_await f.call("listSessions"))).size() == 1);
  });
}

TEST_CASE("phone login through the daemon methods: code, sign-up, then 2FA, and steps out of order refused") {
  MethodsHarness f;
  testdc::Account& bob = f.h.world().create_user("9996610002", "Bob");
  f.h.world().set_password(bob.id, "correct horse");
  f.h.run(
      [&]() -> net::awaitable<void> {
        result_of(co_await f.call("addSession", R"({"name":"alice"})"));
        const auto early = error_of(co_await f.call("completePhoneLogin", R"({"code":"22222"})"));
        CHECK(early.code == rpc::codes::kWrongLoginState);
        CHECK(early.message.find("is new") != std::string::npos);

        CHECK(Json(result_of(co_await f.call("phoneLogin", R"({"phone":"9996620001"})"))).at("/state") ==
              "waiting_code");
        const auto wrong = error_of(co_await f.call("completePhoneLogin", R"({"code":"11111"})"));
        CHECK(wrong.code == 400);
        CHECK(wrong.message == "PHONE_CODE_INVALID");
        CHECK(Json(wrong.data).at("/telegram") == "true");
        CHECK(Json(result_of(co_await f.call("completePhoneLogin", R"({"code":"22222"})"))).at("/state") ==
              "waiting_signup");
        const Json ready(
            result_of(co_await f.call("completeSignup", R"({"first_name":"Alice","last_name":"L"})")));
        CHECK(ready.at("/state") == "ready");
        CHECK(ready.at("/kind") == "user");
        CHECK(ready.at("/main_dc") == "2");
        CHECK(Json(result_of(co_await f.call("getSelf"))).at("/first_name") == "Alice");
        const auto again = error_of(co_await f.call("phoneLogin", R"({"phone":"9996620001"})"));
        CHECK(again.code == rpc::codes::kWrongLoginState);

        // 2FA: a second session, named.
        result_of(co_await f.call("addSession", R"({"name":"bob"})"));
        result_of(co_await f.call("phoneLogin", R"({"session":"bob","phone":"+999 661 0002"})"));
        CHECK(Json(result_of(co_await f.call("completePhoneLogin", R"({"session":"bob","code":"11111"})")))
                  .at("/state") == "waiting_password");
        const auto bad =
            error_of(co_await f.call("complete2faLogin", R"({"session":"bob","password":"nope"})"));
        CHECK(bad.message == "PASSWORD_HASH_INVALID");
        const Json in(result_of(
            co_await f.call("complete2faLogin", R"({"session":"bob","password":"correct horse"})")));
        CHECK(in.at("/state") == "ready");
        CHECK(in.at("/self_id") == std::to_string(bob.id));

        // Logout: the session stays, logged out with the reason; TL calls then say so.
        const Json out(result_of(co_await f.call("logout", R"({"session":"bob"})")));
        CHECK(out.at("/state") == "logged_out");
        CHECK(out.at("/logout_reason") == "logged out by request");
        const auto after =
            error_of(co_await f.call("users.getUsers", R"({"session":"bob","id":[{"_":"inputUserSelf"}]})"));
        CHECK(after.code == rpc::codes::kNotLoggedIn);
        CHECK(after.message.find("logged out by request") != std::string::npos);
      },
      15s);
}

TEST_CASE("a session that never logged in: TL calls answer not logged in (-32001) with its state") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    result_of(co_await f.call("addSession", R"({"name":"fresh"})"));
    const auto e = error_of(co_await f.call("users.getUsers", kSelf));
    CHECK(e.code == rpc::codes::kNotLoggedIn);
    CHECK(Json(e.data).at("/state") == "new");
    // Methods that need no account work.
    CHECK(Json(result_of(co_await f.call("help.getNearestDc"))).at("/_") == "nearestDc");
  });
}

TEST_CASE("getInfo: me, @username (cached after the first), a channel's Bot-API id, an update, misses") {
  MethodsHarness f;
  f.h.world().create_bot("123456:secret-token", 1);
  f.h.run([&]() -> net::awaitable<void> {
    co_await login_user(f, "alice", "9996610001", "Alice");
    session::Session& alice = *f.h.manager->find("alice");
    const std::string self_id = std::to_string(*alice.self_user_id());

    const Json me(result_of(co_await f.call("getInfo", R"({"peer":"me"})")));
    CHECK(me.at("/kind") == "user");
    CHECK(me.at("/id") == self_id);
    CHECK(me.at("/bot_api_id") == self_id);
    CHECK(me.at("/input_peer") == R"({"_":"inputPeerSelf"})");
    CHECK(me.at("/input_user") == R"({"_":"inputUserSelf"})");
    CHECK(me.at("/name") == "Alice");

    // A username: contacts.resolveUsername once, then the peer cache.
    const Json bot(result_of(co_await f.call("getInfo", R"({"peer":"@bot123456_bot"})")));
    CHECK(bot.at("/kind") == "user");
    CHECK(bot.at("/id") == "123456");
    CHECK(bot.at("/bot_api_id") == "123456");
    CHECK(bot.at("/input_peer/_") == "inputPeerUser");
    CHECK(bot.at("/input_peer/access_hash") ==
          std::to_string(
              f.h.world().access_hash(*alice.self_user_id(), {testdc::PeerRef::Kind::kUser, 123456})));
    CHECK(bot.at("/username") == "bot123456_bot");
    CHECK(bot.at("/name") == "Test bot");
    CHECK(calls_of(alice, "contacts.resolveUsername") == 1);
    const Json again(result_of(co_await f.call("getInfo", R"({"peer":"BOT123456_bot","fetch":false})")));
    CHECK(again.at("/input_peer") == bot.at("/input_peer"));
    CHECK(again.at("/name") == "null");
    CHECK(calls_of(alice, "contacts.resolveUsername") == 1);
    // By Bot-API id, now that it is cached; the name is fetched.
    const Json by_id(result_of(co_await f.call("getInfo", R"({"peer":123456})")));
    CHECK(by_id.at("/name") == "Test bot");

    // A username set with account.updateUsername, seen by another session.
    result_of(co_await f.call("account.updateUsername", R"({"session":"alice","username":"alice_w"})"));
    co_await login_bot(f, "bot", "123456:secret-token");
    const Json seen(result_of(co_await f.call("getInfo", R"({"session":"bot","peer":"@alice_w"})")));
    CHECK(seen.at("/id") == self_id);
    CHECK(seen.at("/name") == "Alice");

    // A channel: its Bot-API id, and an update holding one of its messages.
    const std::string created = result_of(
        co_await f.call("channels.createChannel",
                        R"({"session":"alice","broadcast":true,"title":"News","about":"all of it"})"));
    const Json updates(created);
    const std::string channel_id = updates.at("/chats/0/id");
    const std::string bot_api_id = "-100" + channel_id;
    CHECK(bot_api_id.size() == 14);
    const std::string by_channel_id = R"({"session":"alice","peer":")" + bot_api_id + R"("})";
    const Json channel(result_of(co_await f.call("getInfo", by_channel_id)));
    CHECK(channel.at("/kind") == "channel");
    CHECK(channel.at("/id") == channel_id);
    CHECK(channel.at("/bot_api_id") == bot_api_id);
    CHECK(channel.at("/input_peer/_") == "inputPeerChannel");
    CHECK(channel.at("/input_channel/_") == "inputChannel");
    CHECK(channel.at("/name") == "News");
    const std::string by_update =
        R"({"session":"alice","peer":)" + updates.at("/updates/1") + "}";  // updateNewChannelMessage
    CHECK(Json(result_of(co_await f.call("getInfo", by_update))).at("/id") == channel_id);

    const auto nobody = error_of(co_await f.call("getInfo", R"({"session":"alice","peer":"@nosuchname"})"));
    CHECK(nobody.code == rpc::codes::kPeerNotFound);
    CHECK(nobody.message.find("USERNAME_NOT_OCCUPIED") != std::string::npos);
    const auto unknown_id = error_of(co_await f.call("getInfo", R"({"session":"alice","peer":424242})"));
    CHECK(unknown_id.code == rpc::codes::kPeerNotFound);
    CHECK(Json(unknown_id.data).at("/path") == "params.peer");
    const auto nonsense =
        error_of(co_await f.call("getInfo", R"({"session":"alice","peer":"no such thing"})"));
    CHECK(nonsense.code == rpc::codes::kInvalidParams);
  });
}

TEST_CASE(
    "messages.sendMessage with peer conveniences: me, @username, a channel's Bot-API id, and random_id "
    "filled") {
  MethodsHarness f;
  f.h.world().create_bot("4242:secret-token", 1);
  f.h.run([&]() -> net::awaitable<void> {
    co_await login_user(f, "alice", "9996610001", "Alice");
    session::Session& alice = *f.h.manager->find("alice");
    testdc::Account& me = *f.h.world().find_account(*alice.self_user_id());

    const Json to_self(
        result_of(co_await f.call("messages.sendMessage", R"({"peer":"me","message":"note to self"})")));
    CHECK(to_self.at("/_") == "updateShortSentMessage");
    REQUIRE(!me.messages.empty());
    CHECK(me.messages.back().text == "note to self");
    CHECK(me.random_ids.size() == 1);

    const Json to_bot(result_of(
        co_await f.call("messages.sendMessage", R"({"peer":"@bot4242_bot","message":"hello bot"})")));
    CHECK(to_bot.at("/_") == "updateShortSentMessage");
    CHECK(me.messages.back().text == "hello bot");
    CHECK(me.messages.back().peer.id == 4242);
    CHECK(me.random_ids.size() == 2);  // a new random_id each time

    const Json created(result_of(
        co_await f.call("channels.createChannel", R"({"broadcast":true,"title":"Chan","about":""})")));
    const std::int64_t channel_id = std::stoll(created.at("/chats/0/id"));
    const std::string post =
        R"({"peer":)" + std::to_string(-1000000000000 - channel_id) + R"(,"message":"posted"})";
    const Json posted(result_of(co_await f.call("messages.sendMessage", post)));
    CHECK(posted.at("/_") == "updates");
    const testdc::Channel* ch = f.h.world().find_channel(channel_id);
    REQUIRE(ch != nullptr);
    CHECK(ch->messages.back().text == "posted");

    // A given random_id is kept: the same one twice is Telegram's RANDOM_ID_DUPLICATE.
    result_of(co_await f.call("messages.sendMessage", R"({"peer":"me","message":"a","random_id":"77"})"));
    const auto dup =
        error_of(co_await f.call("messages.sendMessage", R"({"peer":"me","message":"b","random_id":77})"));
    CHECK(dup.message == "RANDOM_ID_DUPLICATE");
    CHECK(dup.code == 500);

    // Objects in TL form pass untouched; a Peer object is looked up in the cache.
    const std::string as_peer = R"({"peer":{"_":"peerUser","user_id":"4242"},"message":"via Peer"})";
    result_of(co_await f.call("messages.sendMessage", as_peer));
    CHECK(me.messages.back().text == "via Peer");
    const auto not_cached = error_of(co_await f.call("users.getUsers", R"({"id":[999999]})"));
    CHECK(not_cached.code == rpc::codes::kPeerNotFound);
    CHECK(not_cached.message.find("params.id[0]: user 999999 is not in session 'alice'") !=
          std::string::npos);
    const std::string channel_as_user_params =
        R"({"id":[)" + std::to_string(-1000000000000 - channel_id) + "]}";
    const auto channel_as_user = error_of(co_await f.call("users.getUsers", channel_as_user_params));
    CHECK(channel_as_user.code == rpc::codes::kInvalidParams);
    CHECK(channel_as_user.message.find("params.id[0]") != std::string::npos);
    const auto missing =
        error_of(co_await f.call("messages.sendMessage", R"({"peer":"@nobody_here","message":"x"})"));
    CHECK(missing.code == rpc::codes::kPeerNotFound);
    CHECK(missing.message.find("params.peer") != std::string::npos);
  });
}

TEST_CASE(
    "errors: Telegram's code and message with parsed fields, bad params with a path, unknown and wrapper "
    "methods") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    co_await login_bot(f, "bot", "703:secret-token");
    f.h.world().inject_error("users.getUsers", {420, "FLOOD_WAIT_30"});
    const auto flood = error_of(co_await f.call("users.getUsers", kSelf));
    CHECK(flood.code == 420);
    CHECK(flood.message == "FLOOD_WAIT_30");
    const Json data(flood.data);
    CHECK(data.at("/seconds") == "30");
    CHECK(data.at("/method") == "users.getUsers");
    CHECK(data.at("/telegram") == "true");

    f.h.world().inject_error("users.getUsers", {400, "USER_ID_INVALID"});
    const auto invalid = error_of(co_await f.call("users.getUsers", kSelf));
    CHECK(invalid.code == 400);
    CHECK(invalid.message == "USER_ID_INVALID");

    const auto field = error_of(co_await f.call("users.getUsers", R"({"id":[],"mesage":1})"));
    CHECK(field.code == rpc::codes::kInvalidParams);
    CHECK(field.message.find(R"(unknown field "mesage")") != std::string::npos);
    const auto path = error_of(co_await f.call(
        "messages.getHistory",
        R"({"peer":"me","offset_id":0,"offset_date":0,"add_offset":0,"limit":1099511627776,"max_id":0,"min_id":0,"hash":0})"));
    CHECK(path.code == rpc::codes::kInvalidParams);
    CHECK(path.message == "params.limit: 1099511627776 does not fit int");
    const auto not_object = error_of(co_await f.call("users.getUsers", "[1,2]"));
    CHECK(not_object.code == rpc::codes::kInvalidParams);
    CHECK(error_of(co_await f.call("help.getNearestDc", "[]")).code == rpc::codes::kInvalidParams);
    CHECK(error_of(co_await f.call("help.getNearestDc", "{")).code == rpc::codes::kInvalidParams);

    const auto daemon_type = error_of(co_await f.call("botLogin", R"({"token":5})"));
    CHECK(daemon_type.code == rpc::codes::kInvalidParams);
    CHECK(daemon_type.message.find("params.token") != std::string::npos);
    const auto daemon_missing = error_of(co_await f.call("phoneLogin", "{}"));
    CHECK(daemon_missing.message.find("params.phone: required") != std::string::npos);
    const auto daemon_unknown = error_of(co_await f.call("listSessions", R"({"verbose":true})"));
    CHECK(daemon_unknown.message.find("unknown field \"verbose\"") != std::string::npos);

    const auto typo = error_of(co_await f.call("messages.sendMesage", "{}"));
    CHECK(typo.code == rpc::codes::kMethodNotFound);
    CHECK(typo.message.find("did you mean messages.sendMessage?") != std::string::npos);
    CHECK(Json(typo.data).at("/suggestion") == "messages.sendMessage");
    CHECK(error_of(co_await f.call("getinfo", "{}")).message.find("did you mean getInfo?") !=
          std::string::npos);
    CHECK(error_of(co_await f.call("no.suchThingAtAll", "{}")).code == rpc::codes::kMethodNotFound);

    const auto wrapper =
        error_of(co_await f.call("invokeWithLayer", R"({"layer":223,"query":{"_":"help.getConfig"}})"));
    CHECK(wrapper.code == rpc::codes::kMethodNotFound);
    CHECK(wrapper.message.find("tgd manages it") != std::string::npos);
    CHECK(error_of(co_await f.call("initConnection", "{}")).code == rpc::codes::kMethodNotFound);
    CHECK(error_of(co_await f.call("invokeWithoutUpdates", "{}")).code == rpc::codes::kMethodNotFound);
    const auto constructor = error_of(co_await f.call("inputPeerSelf", "{}"));
    CHECK(constructor.message.find("constructor") != std::string::npos);
  });
}

TEST_CASE("help: the daemon methods, a TL method's params with types and docs, a daemon method, a type") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    const Json all(result_of(co_await f.call("help")));
    CHECK(all.size("/daemon_methods") == 31);  // with the update, file, formatting, helper and log methods
    CHECK(all.at("/daemon_methods/0/name") == "listSessions");
    CHECK(all.at("/telegram_methods").find("messages.sendMessage") != std::string::npos);
    CHECK(all.at("/layer") == std::to_string(schemas().api.layer()));

    const Json send(result_of(co_await f.call("help", R"({"method":"messages.sendMessage"})")));
    CHECK(send.at("/kind") == "telegram method");
    CHECK(send.at("/result") == "Updates");
    CHECK(!send.at("/doc").empty());
    bool peer = false, random_id = false, silent = false;
    for (std::size_t i = 0; i < send.size("/params"); ++i) {
      const std::string at = "/params/" + std::to_string(i);
      const std::string name = send.at(at + "/name");
      if (name == "peer") {
        peer = send.at(at + "/type") == "InputPeer" && send.at(at + "/required") == "true" &&
               send.at(at + "/accepts").find("@username") != std::string::npos;
      }
      if (name == "random_id") random_id = send.at(at + "/accepts").find("fills") != std::string::npos;
      if (name == "silent")
        silent = send.at(at + "/type") == "flags.5?true" && send.at(at + "/required") == "false";
      CHECK(name != "flags");
    }
    CHECK(peer);
    CHECK(random_id);
    CHECK(silent);

    const Json info(result_of(co_await f.call("help", R"({"method":"getInfo"})")));
    CHECK(info.at("/kind") == "daemon");
    CHECK(info.at("/params/1/name") == "peer");
    CHECK(info.at("/example").find(R"("method":"getInfo")") != std::string::npos);
    const Json type(result_of(co_await f.call("help", R"({"method":"InputPeer"})")));
    CHECK(type.at("/constructors").find("inputPeerSelf") != std::string::npos);
    CHECK(Json(result_of(co_await f.call("help", R"({"method":"inputPeerUser"})"))).at("/type") ==
          "InputPeer");
    CHECK(error_of(co_await f.call("help", R"({"method":"nope.nothing"})")).code ==
          rpc::codes::kMethodNotFound);
  });
}

TEST_CASE(
    "messageToHtml and messageToMarkdown: text and entities, a message or an update back to markup, bad "
    "entities named by their path") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    const std::string_view link =
        R"({"message":"bold and a link","entities":[{"_":"messageEntityBold","offset":0,"length":4},)"
        R"({"_":"messageEntityTextUrl","offset":9,"length":6,"url":"https://t.me"}]})";
    CHECK(result_of(co_await f.call("messageToHtml", link)) ==
          R"({"text":"<b>bold</b> and <a href=\"https://t.me\">a link</a>"})");
    CHECK(result_of(co_await f.call("messageToMarkdown", link)) ==
          R"j({"text":"*bold* and [a link](https://t.me)"})j");
    // A message inside an update (ids as tgd writes them, strings), one without entities, no entities.
    const std::string_view update =
        R"({"message":{"_":"updateNewMessage","message":{"_":"message","id":5,"message":"hi 😀 x.","entities":[)"
        R"({"_":"messageEntityMentionName","offset":0,"length":2,"user_id":"42"},)"
        R"({"_":"messageEntityItalic","offset":6,"length":1}]},"pts":1,"pts_count":1}})";
    CHECK(result_of(co_await f.call("messageToMarkdown", update)) ==
          R"j({"text":"[hi](tg://user?id=42) 😀 _x_\\."})j");
    CHECK(result_of(co_await f.call("messageToHtml", update)) ==
          R"({"text":"<a href=\"tg://user?id=42\">hi</a> 😀 <i>x</i>."})");
    CHECK(result_of(co_await f.call("messageToHtml", R"({"message":{"_":"message","message":"a<b"}})")) ==
          R"({"text":"a&lt;b"})");
    CHECK(result_of(co_await f.call("messageToMarkdown", R"({"message":"a.b"})")) == R"({"text":"a\\.b"})");
    // parseText's answer goes back to the markup it came from.
    const std::string markdown = R"(>quoted *bold*\n>__more__||)";
    const std::string text_params = R"({"parse_mode":"MarkdownV2","text":")" + markdown + "\"}";
    const std::string parsed = result_of(co_await f.call("parseText", text_params));
    const std::string back_params = R"({"message":)" + parsed + "}";
    CHECK(result_of(co_await f.call("messageToMarkdown", back_params)) == R"({"text":")" + markdown + "\"}");

    const auto bad = [&](std::string_view method, std::string_view params) -> net::awaitable<std::string> {
      const auto e = error_of(co_await f.call(method, params));
      CHECK(e.code == rpc::codes::kInvalidParams);
      co_return e.message;
    };
    CHECK(co_await bad("messageToHtml", R"({"message":"x","entities":{"_":"messageEntityBold"}})") ==
          "params.entities: an array of MessageEntity objects expected");
    CHECK(co_await bad("messageToHtml", R"({"message":"x","entities":[7]})") ==
          "params.entities[0]: a MessageEntity object expected");
    CHECK(co_await bad("messageToMarkdown",
                       R"({"message":"ab","entities":[{"_":"messageEntityBold","offset":1,"length":5}]})") ==
          "params.entities[0]: offset 1 + length 5 runs past the text's end (2 UTF-16 code units)");
    CHECK(co_await bad("messageToMarkdown",
                       R"({"message":"😀","entities":[{"_":"messageEntityBold","offset":0,"length":3}]})") ==
          "params.entities[0]: offset 0 + length 3 runs past the text's end (2 UTF-16 code units)");
    CHECK(co_await bad("messageToHtml", R"({"message":"ab","entities":[{"offset":0,"length":1}]})") ==
          "params.entities[0]._: the constructor's name expected (\"messageEntityBold\", …)");
    CHECK(co_await bad("messageToHtml",
                       R"({"message":"ab","entities":[{"_":"messageEntityMentionName","offset":0,"length":1,)"
                       R"("user_id":"abc"}]})") ==
          "params.entities[0].user_id: a user id expected (a string or a number)");
    CHECK(co_await bad(
              "messageToHtml",
              R"({"message":{"_":"message","message":"ab","entities":[)"
              R"({"_":"messageEntityBold","offset":0,"length":1},{"_":"messageEntityTextUrl","offset":0,)"
              R"("length":1}]}})") == "params.message.entities[1].url: a string expected");
    CHECK(co_await bad("messageToMarkdown",
                       R"({"message":{"_":"updateEditMessage","message":{"_":"message","message":"ab",)"
                       R"("entities":[{"_":"messageEntityBold","offset":-1,"length":1}]}}})") ==
          "params.message.message.entities[0].offset: an integer from 0 expected");
    CHECK(co_await bad("messageToHtml", R"({"message":{"_":"messageService","id":1}})") ==
          "params.message: messageService has no text (a string \"message\" field)");
    CHECK(co_await bad("messageToHtml", R"({"message":{"_":"message","message":"x"},"entities":[]})") ==
          "params.entities: only with a text message (a message object brings its own)");
    CHECK(co_await bad("messageToHtml", R"({"message":7})") ==
          "params.message: the text, a message object or an update holding one expected");
  });
}

TEST_CASE("sleep waits without blocking other requests, is bounded and can be disabled") {
  rpc::MethodsOptions short_sleeps;
  short_sleeps.max_sleep = 2s;
  MethodsHarness f(short_sleeps);
  f.h.run([&]() -> net::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    int done = 0;
    for (int i = 0; i < 3; ++i) {
      net::asio::co_spawn(
          f.h.io,
          [&]() -> net::awaitable<void> {
            const Json slept(result_of(co_await f.call("sleep", R"({"seconds":0.2})")));
            CHECK(slept.at("/slept") == "0.2");
            ++done;
          },
          net::asio::detached);
    }
    net::asio::steady_timer timer(f.h.io);
    while (done < 3) {
      timer.expires_after(10ms);
      co_await timer.async_wait(net::use_awaitable);
    }
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 200ms);
    CHECK(took < 600ms);  // in parallel, not one after the other
    CHECK(error_of(co_await f.call("sleep", R"({"seconds":5})")).code == rpc::codes::kInvalidParams);
    CHECK(error_of(co_await f.call("sleep", R"({"seconds":-1})")).code == rpc::codes::kInvalidParams);
  });
  rpc::MethodsOptions no_sleep;
  no_sleep.allow_sleep = false;
  MethodsHarness off(no_sleep);
  off.h.run([&]() -> net::awaitable<void> {
    CHECK(error_of(co_await off.call("sleep", R"({"seconds":0})")).message.find("disabled") !=
          std::string::npos);
  });
}

TEST_CASE(
    "the queue option: calls in one queue end in order, other queues run alongside, bad names refused") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> ended;
    int done = 0;
    // Joined in this order, synchronously as each call starts: a, b (queue q), c (queue r).
    const std::vector<std::pair<std::string, std::string>> calls = {{"a", R"({"seconds":0.3,"queue":"q"})"},
                                                                    {"b", R"({"seconds":0.05,"queue":"q"})"},
                                                                    {"c", R"({"seconds":0.1,"queue":"r"})"}};
    for (const auto& [name, params] : calls) {
      net::asio::co_spawn(
          f.h.io,
          [&, name = name, params = params]() -> net::awaitable<void> {
            result_of(co_await f.call("sleep", params));
            ended.push_back(name);
            ++done;
          },
          net::asio::detached);
    }
    net::asio::steady_timer timer(f.h.io);
    while (done < 3) {
      timer.expires_after(10ms);
      co_await timer.async_wait(net::use_awaitable);
    }
    // b waited for a (0.3 + 0.05 s); c did not wait for either.
    CHECK(ended == std::vector<std::string>{"c", "a", "b"});
    CHECK(std::chrono::steady_clock::now() - start >= 350ms);
    for (const char* bad : {R"({"queue":""})", R"({"queue":7})", R"({"queue":null})"}) {
      CAPTURE(bad);
      const rpc::Error e = error_of(co_await f.call("help.getNearestDc", bad));
      CHECK(e.code == rpc::codes::kInvalidParams);
      CHECK(e.message.starts_with("params.queue: "));
    }
  });
}

TEST_CASE("status: sessions, states, connections, calls in flight and per-method counters by name") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    co_await login_bot(f, "bot", "704:secret-token");
    result_of(co_await f.call("users.getUsers", kSelf));
    result_of(co_await f.call("users.getUsers", kSelf));
    const Json s(result_of(co_await f.call("status")));
    REQUIRE(s.size("/sessions") == 1);
    CHECK(s.at("/sessions/0/name") == "bot");
    CHECK(s.at("/sessions/0/state") == "ready");
    CHECK(std::stoi(s.at("/sessions/0/open_connections")) >= 1);
    CHECK(s.at("/sessions/0/methods/users.getUsers/calls") == "2");
    CHECK(s.at("/sessions/0/methods/users.getUsers/ok") == "2");
    CHECK(s.has("/sessions/0/methods/auth.importBotAuthorization"));
    CHECK(s.at("/requests_in_flight") == "1");  // this one
    CHECK(s.has("/calls_in_flight"));
  });
}

TEST_CASE(
    "a call cancelled in flight (the client went away) ends at once, and removing its session mid-call is "
    "safe") {
  MethodsHarness f;
  f.h.run([&]() -> net::awaitable<void> {
    co_await login_bot(f, "bot", "705:secret-token");
    f.h.dispatcher(1).faults().answer_delay = 3s;
    net::asio::steady_timer timer(f.h.io);

    // Cancelled by the server (the cancellation slot of the request's coroutine).
    net::asio::cancellation_signal cancel;
    bool done = false;
    std::optional<rpc::Outcome> outcome;
    const rpc::Request request{"users.getUsers", std::string(kSelf), "1"};
    net::asio::co_spawn(
        f.h.io, f.methods->call(request, nullptr),
        net::asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, rpc::Outcome o) {
          if (!e) outcome = std::move(o);
          done = true;
        }));
    timer.expires_after(100ms);
    co_await timer.async_wait(net::use_awaitable);
    CHECK(f.methods->in_flight() == 1);
    const auto start = std::chrono::steady_clock::now();
    cancel.emit(net::asio::cancellation_type::terminal);
    while (!done) {
      timer.expires_after(5ms);
      co_await timer.async_wait(net::use_awaitable);
    }
    CHECK(std::chrono::steady_clock::now() - start < 500ms);
    REQUIRE(outcome.has_value());
    CHECK(error_of(*outcome).code == rpc::codes::kCancelled);
    CHECK(f.methods->in_flight() == 0);

    // The session removed while a call is in flight: the call ends, nothing dangles.
    done = false;
    outcome.reset();
    net::asio::co_spawn(f.h.io, f.methods->call(request, nullptr), [&](std::exception_ptr e, rpc::Outcome o) {
      if (!e) outcome = std::move(o);
      done = true;
    });
    timer.expires_after(100ms);
    co_await timer.async_wait(net::use_awaitable);
    result_of(co_await f.call("removeSession", R"({"name":"bot"})"));
    while (!done) {
      timer.expires_after(5ms);
      co_await timer.async_wait(net::use_awaitable);
    }
    REQUIRE(outcome.has_value());
    CHECK(error_of(*outcome).code == rpc::codes::kUnavailable);
    CHECK(error_of(*outcome).message.starts_with("users.getUsers: "));  // "session stopped", "client stopped"
    f.h.dispatcher(1).faults().answer_delay = 0ms;
  });
}
