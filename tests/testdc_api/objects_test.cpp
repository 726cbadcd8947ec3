// Users, usernames, messages, dialogs and channels, with Telegram's users/chats vectors and
// per-viewer access hashes.
#include <doctest/doctest.h>

#include "tests/testdc_api/harness.hpp"

namespace tgd::testdc::testing {
namespace {

std::string send_params(const std::string& peer, std::string_view text, std::int64_t random_id) {
  return R"({"peer":)" + peer + R"(,"message":")" + std::string(text) + R"(","random_id":")" +
         std::to_string(random_id) + "\"}";
}

std::string history_params(const std::string& peer, int limit, int offset_id = 0, int add_offset = 0) {
  return R"({"peer":)" + peer + R"(,"offset_id":)" + std::to_string(offset_id) +
         R"(,"offset_date":0,"add_offset":)" + std::to_string(add_offset) + R"(,"limit":)" +
         std::to_string(limit) + R"(,"max_id":0,"min_id":0,"hash":"0"})";
}

constexpr std::string_view kDialogs =
    R"({"offset_date":0,"offset_id":0,"offset_peer":{"_":"inputPeerEmpty"},"limit":20,"hash":"0"})";

}  // namespace

TEST_CASE(
    "users.getUsers and users.getFullUser: self and others by access hash, a wrong hash USER_ID_INVALID") {
  Harness h;
  std::int64_t alice = 0, bob = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  h.user("9996611001", "Bob", &bob);
  Answer users =
      h.call(a, "users.getUsers", R"({"id":[{"_":"inputUserSelf"},)" + input_user(h, alice, bob) + "]}");
  REQUIRE(users.ok);
  REQUIRE(users.size("") == 2);
  CHECK(users.id("/0/id") == alice);
  CHECK(users.at("/0/self").get_bool().value());
  CHECK(users.str("/0/phone") == "9996611000");
  CHECK(users.id("/1/id") == bob);
  CHECK_FALSE(users.has("/1/self"));
  CHECK_FALSE(users.has("/1/phone"));
  CHECK(users.id("/1/access_hash") == h.access_hash(alice, bob));
  // Bob's hash as seen by Bob himself is not Alice's to use.
  const std::string foreign = R"({"_":"inputUser","user_id":")" + std::to_string(bob) +
                              R"(","access_hash":")" + std::to_string(h.access_hash(bob, bob)) + "\"}";
  CHECK(h.call(a, "users.getUsers", R"({"id":[)" + foreign + "]}").error == ApiError{400, "USER_ID_INVALID"});

  Answer full = h.call(a, "users.getFullUser", R"({"id":)" + input_user(h, alice, bob) + "}");
  REQUIRE(full.ok);
  CHECK(full.type() == "users.userFull");
  CHECK(full.str("/full_user/_") == "userFull");
  CHECK(full.id("/full_user/id") == bob);
  CHECK(full.size("/users") == 1);
  CHECK(full.id("/users/0/id") == bob);
  CHECK(full.size("/chats") == 0);
  CHECK(h.call(a, "users.getFullUser", R"({"id":)" + foreign + "}").error ==
        ApiError{400, "USER_ID_INVALID"});
  // A bot's full user has an about text; the bot itself is flagged in users.
  h.world().create_bot("4242:secretsecret", 1);
  Answer bot = h.call(a, "users.getFullUser", R"({"id":)" + input_user(h, alice, 4242) + "}");
  REQUIRE(bot.ok);
  CHECK(bot.has("/full_user/about"));
  CHECK(bot.at("/users/0/bot").get_bool().value());
  CHECK(bot.num("/users/0/bot_info_version") == 1);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE(
    "account.updateUsername and contacts.resolveUsername (USERNAME_INVALID, _OCCUPIED, _NOT_OCCUPIED)") {
  Harness h;
  std::int64_t alice = 0, bob = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  Client b = h.user("9996611001", "Bob", &bob);
  Answer me = h.call(a, "account.updateUsername", R"({"username":"alice_test"})");
  REQUIRE(me.ok);
  CHECK(me.type() == "user");
  CHECK(me.str("/username") == "alice_test");
  CHECK(h.call(a, "account.updateUsername", R"({"username":"alice_test"})").error ==
        ApiError{400, "USERNAME_NOT_MODIFIED"});
  CHECK(h.call(b, "account.updateUsername", R"({"username":"ALICE_test"})").error ==
        ApiError{400, "USERNAME_OCCUPIED"});
  CHECK(h.call(b, "account.updateUsername", R"({"username":"1abc_"})").error ==
        ApiError{400, "USERNAME_INVALID"});

  Answer resolved = h.call(b, "contacts.resolveUsername", R"({"username":"Alice_Test"})");
  REQUIRE(resolved.ok);
  CHECK(resolved.type() == "contacts.resolvedPeer");
  CHECK(resolved.str("/peer/_") == "peerUser");
  CHECK(resolved.id("/peer/user_id") == alice);
  CHECK(resolved.size("/users") == 1);
  CHECK(resolved.id("/users/0/access_hash") == h.access_hash(bob, alice));
  CHECK(resolved.size("/chats") == 0);
  CHECK(h.call(b, "contacts.resolveUsername", R"({"username":"nobody_here"})").error ==
        ApiError{400, "USERNAME_NOT_OCCUPIED"});
  CHECK(h.call(b, "contacts.resolveUsername", R"({"username":"a b"})").error ==
        ApiError{400, "USERNAME_INVALID"});
  // Clearing it frees the name.
  CHECK(h.call(a, "account.updateUsername", R"({"username":""})").ok);
  CHECK(h.call(b, "contacts.resolveUsername", R"({"username":"alice_test"})").error ==
        ApiError{400, "USERNAME_NOT_OCCUPIED"});
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("messages.sendMessage to a user: updateShortSentMessage with per-account ids and pts, both boxes") {
  Harness h;
  std::int64_t alice = 0, bob = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  Client b = h.user("9996611001", "Bob", &bob);
  Answer first = h.call(a, "messages.sendMessage", send_params(input_peer_user(h, alice, bob), "hello", 1));
  REQUIRE(first.ok);
  CHECK(first.type() == "updateShortSentMessage");
  CHECK(first.at("/out").get_bool().value());
  CHECK(first.num("/id") == 1);
  CHECK(first.num("/pts") == 1);
  CHECK(first.num("/pts_count") == 1);
  CHECK(first.num("/date") > 0);
  // To self (Saved Messages), then Bob answers: ids and pts are per account.
  Answer saved = h.call(a, "messages.sendMessage", send_params(R"({"_":"inputPeerSelf"})", "note", 2));
  CHECK(saved.num("/id") == 2);
  CHECK(saved.num("/pts") == 2);
  Answer reply = h.call(b, "messages.sendMessage", send_params(input_peer_user(h, bob, alice), "hi!", 1));
  REQUIRE(reply.ok);
  CHECK(reply.num("/id") == 2);  // Bob's box: 1 is Alice's incoming "hello"
  CHECK(reply.num("/pts") == 2);
  CHECK(h.world().find_account(alice)->pts == 3);
  // Same random_id again from Alice: refused, nothing stored.
  CHECK(h.call(a, "messages.sendMessage", send_params(input_peer_user(h, alice, bob), "again", 1)).error ==
        ApiError{500, "RANDOM_ID_DUPLICATE"});
  CHECK(h.call(a, "messages.sendMessage", send_params(input_peer_user(h, bob, bob), "x", 9)).error ==
        ApiError{400, "PEER_ID_INVALID"});
  CHECK(h.call(a, "messages.sendMessage", send_params(input_peer_user(h, alice, bob), " ", 10)).error ==
        ApiError{400, "MESSAGE_EMPTY"});
  CHECK(h.call(a, "messages.sendMessage",
               send_params(input_peer_user(h, alice, bob), std::string(4097, 'x'), 11))
            .error == ApiError{400, "MESSAGE_TOO_LONG"});
  CHECK(h.world().find_account(alice)->messages.size() == 3);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("messages.getHistory of a private chat: newest first, out flags, slices, users vector") {
  Harness h;
  std::int64_t alice = 0, bob = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  Client b = h.user("9996611001", "Bob", &bob);
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(h.call(a, "messages.sendMessage",
                   send_params(input_peer_user(h, alice, bob), "a" + std::to_string(i), 100 + i))
                .ok);
  }
  REQUIRE(h.call(b, "messages.sendMessage", send_params(input_peer_user(h, bob, alice), "b1", 1)).ok);
  Answer all = h.call(a, "messages.getHistory", history_params(input_peer_user(h, alice, bob), 10));
  REQUIRE(all.ok);
  CHECK(all.type() == "messages.messages");
  REQUIRE(all.size("/messages") == 4);
  CHECK(all.str("/messages/0/message") == "b1");
  CHECK_FALSE(all.has("/messages/0/out"));
  CHECK(all.num("/messages/0/id") == 4);
  CHECK(all.id("/messages/0/peer_id/user_id") == bob);
  CHECK(all.str("/messages/3/message") == "a1");
  CHECK(all.at("/messages/3/out").get_bool().value());
  CHECK(all.size("/users") == 2);  // Alice and Bob
  CHECK(all.size("/chats") == 0);
  Answer page = h.call(a, "messages.getHistory", history_params(input_peer_user(h, alice, bob), 2, 4));
  REQUIRE(page.ok);
  CHECK(page.type() == "messages.messagesSlice");
  CHECK(page.num("/count") == 4);
  REQUIRE(page.size("/messages") == 2);
  CHECK(page.num("/messages/0/id") == 3);
  CHECK(page.num("/messages/1/id") == 2);
  // Bob's box has the same chat with his own ids.
  Answer bobs = h.call(b, "messages.getHistory", history_params(input_peer_user(h, bob, alice), 10));
  REQUIRE(bobs.size("/messages") == 4);
  CHECK(bobs.at("/messages/0/out").get_bool().value());
  CHECK(h.call(a, "messages.getHistory", history_params(input_peer_user(h, bob, bob), 10)).error ==
        ApiError{400, "PEER_ID_INVALID"});
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("channels.createChannel returns updates with the channel, posting, history, getChannels") {
  Harness h;
  std::int64_t alice = 0, bob = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  Client b = h.user("9996611001", "Bob", &bob);
  Answer created =
      h.call(a, "channels.createChannel", R"({"broadcast":true,"title":"News","about":"all of it"})");
  REQUIRE(created.ok);
  CHECK(created.type() == "updates");
  CHECK(created.str("/updates/0/_") == "updateChannel");
  CHECK(created.str("/updates/1/_") == "updateNewChannelMessage");
  CHECK(created.str("/updates/1/message/_") == "messageService");
  CHECK(created.str("/updates/1/message/action/_") == "messageActionChannelCreate");
  CHECK(created.str("/updates/1/message/action/title") == "News");
  CHECK(created.num("/updates/1/pts") == 1);
  REQUIRE(created.size("/chats") == 1);
  CHECK(created.str("/chats/0/_") == "channel");
  CHECK(created.at("/chats/0/creator").get_bool().value());
  CHECK(created.at("/chats/0/broadcast").get_bool().value());
  CHECK(created.str("/chats/0/title") == "News");
  const std::int64_t channel = created.id("/chats/0/id");
  CHECK(created.id("/chats/0/access_hash") == h.channel_hash(alice, channel));
  CHECK(created.size("/users") == 1);

  Answer post =
      h.call(a, "messages.sendMessage", send_params(input_peer_channel(h, alice, channel), "first post", 7));
  REQUIRE(post.ok);
  CHECK(post.type() == "updates");
  CHECK(post.str("/updates/0/_") == "updateMessageID");
  CHECK(post.num("/updates/0/id") == 2);
  CHECK(post.str("/updates/0/random_id") == "7");
  CHECK(post.str("/updates/1/_") == "updateNewChannelMessage");
  CHECK(post.num("/updates/1/pts") == 2);
  CHECK(post.at("/updates/1/message/post").get_bool().value());
  CHECK(post.at("/updates/1/message/out").get_bool().value());
  CHECK_FALSE(post.has("/updates/1/message/from_id"));
  CHECK(post.id("/updates/1/message/peer_id/channel_id") == channel);
  CHECK(post.size("/chats") == 1);
  CHECK(
      h.call(a, "messages.sendMessage", send_params(input_peer_channel(h, alice, channel), "dup", 7)).error ==
      ApiError{500, "RANDOM_ID_DUPLICATE"});

  Answer history =
      h.call(a, "messages.getHistory", history_params(input_peer_channel(h, alice, channel), 10));
  REQUIRE(history.ok);
  CHECK(history.type() == "messages.channelMessages");
  CHECK(history.num("/pts") == 2);
  CHECK(history.num("/count") == 2);
  CHECK(history.str("/messages/0/message") == "first post");
  CHECK(history.str("/messages/1/_") == "messageService");
  CHECK(history.size("/chats") == 1);

  Answer got = h.call(a, "channels.getChannels", R"({"id":[)" + input_channel(h, alice, channel) + "]}");
  REQUIRE(got.ok);
  CHECK(got.type() == "messages.chats");
  CHECK(got.id("/chats/0/id") == channel);
  // Bob: his own hash works but he is not a member; Alice's hash is not his.
  Answer bobs = h.call(b, "channels.getChannels", R"({"id":[)" + input_channel(h, bob, channel) + "]}");
  REQUIRE(bobs.ok);
  CHECK(bobs.at("/chats/0/left").get_bool().value());
  CHECK(h.call(b, "channels.getChannels", R"({"id":[)" + input_channel(h, alice, channel) + "]}").error ==
        ApiError{400, "CHANNEL_INVALID"});
  CHECK(h.call(b, "messages.sendMessage", send_params(input_peer_channel(h, alice, channel), "x", 1)).error ==
        ApiError{400, "CHANNEL_INVALID"});
  CHECK(h.call(b, "messages.sendMessage", send_params(input_peer_channel(h, bob, channel), "x", 1)).error ==
        ApiError{400, "CHANNEL_PRIVATE"});
  CHECK(h.call(b, "messages.getHistory", history_params(input_peer_channel(h, bob, channel), 10)).error ==
        ApiError{400, "CHANNEL_PRIVATE"});
  // A channel username resolves to the channel, with the viewer's access hash.
  h.world().find_channel(channel)->username = "news_channel";
  Answer resolved = h.call(b, "contacts.resolveUsername", R"({"username":"news_channel"})");
  REQUIRE(resolved.ok);
  CHECK(resolved.str("/peer/_") == "peerChannel");
  CHECK(resolved.id("/chats/0/access_hash") == h.channel_hash(bob, channel));
  CHECK(resolved.size("/users") == 0);
  CHECK(h.call(a, "channels.createChannel", R"({"title":"  ","about":""})").error ==
        ApiError{400, "CHAT_TITLE_EMPTY"});
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("a supergroup's messages name their sender (from_id) and are not posts") {
  Harness h;
  std::int64_t alice = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  Answer created = h.call(a, "channels.createChannel", R"({"megagroup":true,"title":"Chat","about":""})");
  REQUIRE(created.ok);
  CHECK(created.at("/chats/0/megagroup").get_bool().value());
  CHECK(created.id("/updates/1/message/from_id/user_id") == alice);
  const std::int64_t channel = created.id("/chats/0/id");
  Answer post =
      h.call(a, "messages.sendMessage", send_params(input_peer_channel(h, alice, channel), "hi all", 1));
  REQUIRE(post.ok);
  CHECK_FALSE(post.has("/updates/1/message/post"));
  CHECK(post.id("/updates/1/message/from_id/user_id") == alice);
}

TEST_CASE("messages.getDialogs lists chats and channels by last message with users and chats") {
  Harness h;
  std::int64_t alice = 0, bob = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  Client b = h.user("9996611001", "Bob", &bob);
  Answer created = h.call(a, "channels.createChannel", R"({"broadcast":true,"title":"News","about":""})");
  const std::int64_t channel = created.id("/chats/0/id");
  REQUIRE(h.call(b, "messages.sendMessage", send_params(input_peer_user(h, bob, alice), "hey", 1)).ok);
  REQUIRE(h.call(a, "messages.sendMessage", send_params(R"({"_":"inputPeerSelf"})", "memo", 1)).ok);

  Answer dialogs = h.call(a, "messages.getDialogs", kDialogs);
  REQUIRE(dialogs.ok);
  CHECK(dialogs.type() == "messages.dialogs");
  REQUIRE(dialogs.size("/dialogs") == 3);
  CHECK(dialogs.size("/messages") == 3);
  CHECK(dialogs.size("/chats") == 1);
  CHECK(dialogs.id("/chats/0/id") == channel);
  CHECK(dialogs.size("/users") == 2);  // Alice (self) and Bob
  bool saw_channel = false;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string p = "/dialogs/" + std::to_string(i);
    CHECK(dialogs.str(p + "/_") == "dialog");
    if (dialogs.str(p + "/peer/_") == "peerChannel") {
      saw_channel = true;
      CHECK(dialogs.num(p + "/pts") == 1);
    } else if (dialogs.id(p + "/peer/user_id") == bob) {
      CHECK(dialogs.num(p + "/unread_count") == 1);
    }
  }
  CHECK(saw_channel);
  Answer one =
      h.call(a, "messages.getDialogs",
             R"({"offset_date":0,"offset_id":0,"offset_peer":{"_":"inputPeerEmpty"},"limit":1,"hash":"0"})");
  REQUIRE(one.ok);
  CHECK(one.type() == "messages.dialogsSlice");
  CHECK(one.num("/count") == 3);
  CHECK(one.size("/dialogs") == 1);
  // Bots cannot list dialogs.
  Client bot = h.client(1);
  REQUIRE(h.login_bot(bot, "4242:secretsecret").ok);
  CHECK(h.call(bot, "messages.getDialogs", kDialogs).error == ApiError{400, "BOT_METHOD_INVALID"});
  CHECK(h.encoding_failures.empty());
}

}  // namespace tgd::testdc::testing
