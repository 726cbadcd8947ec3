// Message entities: kept as sent (checked for bounds in UTF-16 code units) and shown wherever the
// message is — answers, pushes (the direct TL writer gives way to the JSON encoder), history,
// differences, edits, captions, channels.
#include <doctest/doctest.h>

#include <simdjson.h>

#include "tests/testdc/api/actions.hpp"
#include "tests/testdc_api/files_support.hpp"
#include "tests/testdc_api/updates_support.hpp"

namespace tgd::testdc::testing {
namespace {

// 14 UTF-16 code units: the emoji counts 2.
constexpr std::string_view kText = "bold 😀 link x";
// Fields in declaration order (the codec decodes them in that order, so the JSON comes back the same
// byte for byte); types the test DC does nothing with are kept all the same.
const std::string kEntities =
    R"([{"_":"messageEntityBold","offset":0,"length":4},)"
    R"({"_":"messageEntityCustomEmoji","offset":5,"length":2,"document_id":"5368324170671202286"},)"
    R"({"_":"messageEntityTextUrl","offset":8,"length":4,"url":"https://t.me/x"},)"
    R"({"_":"messageEntitySpoiler","offset":13,"length":1},)"
    R"({"_":"messageEntityBlockquote","collapsed":true,"offset":0,"length":14}])";

std::string send_params(const std::string& peer, std::string_view text, const std::string& entities,
                        std::int64_t random_id) {
  return R"({"peer":)" + peer + R"(,"message":")" + std::string(text) + R"(","random_id":")" +
         std::to_string(random_id) + R"(","entities":)" + entities + "}";
}

std::string history_params(const std::string& peer) {
  return R"({"peer":)" + peer +
         R"(,"offset_id":0,"offset_date":0,"add_offset":0,"limit":10,"max_id":0,"min_id":0,"hash":"0"})";
}

// The JSON at `pointer` as the codec decoded it.
std::string json_at(const Answer& a, std::string_view pointer) { return simdjson::minify(a.at(pointer)); }

}  // namespace

TEST_CASE(
    "messages.sendMessage keeps its entities: the recipient's push, the sender's other session, history "
    "and getDifference have exactly those") {
  Harness h;
  TwoUsers u(h);
  Client a2 = h.sibling(u.a);
  REQUIRE(h.call(a2, "updates.getState").ok);
  Answer sent = h.call(u.a, "messages.sendMessage",
                       send_params(input_peer_user(h, u.alice, u.bob), kText, kEntities, 1));
  REQUIRE(sent.ok);
  CHECK(sent.type() == "updateShortSentMessage");
  CHECK_FALSE(sent.has("/entities"));  // as sent: Telegram returns them only when it changed them

  // Pushes with entities cannot take the direct TL form; the JSON encoder's updateShortMessage has them.
  auto to_bob = h.take_pushes(u.b);
  REQUIRE(to_bob.size() == 1);
  CHECK(to_bob[0].updates.type() == "updateShortMessage");
  CHECK(to_bob[0].updates.str("/message") == kText);
  CHECK(json_at(to_bob[0].updates, "/entities") == kEntities);
  auto to_a2 = h.take_pushes(a2);
  REQUIRE(to_a2.size() == 1);
  CHECK(to_a2[0].updates.at("/out").get_bool().value());
  CHECK(json_at(to_a2[0].updates, "/entities") == kEntities);

  for (auto [client, self, other] : {std::tuple{&u.a, u.alice, u.bob}, std::tuple{&u.b, u.bob, u.alice}}) {
    Answer history = h.call(*client, "messages.getHistory", history_params(input_peer_user(h, self, other)));
    REQUIRE(history.ok);
    REQUIRE(history.size("/messages") == 1);
    CHECK(json_at(history, "/messages/0/entities") == kEntities);
    Answer diff = h.call(*client, "updates.getDifference", difference_params(0));
    REQUIRE(diff.size("/new_messages") == 1);
    CHECK(json_at(diff, "/new_messages/0/entities") == kEntities);
    Answer got = h.call(*client, "messages.getMessages", R"({"id":[{"_":"inputMessageID","id":1}]})");
    CHECK(json_at(got, "/messages/0/entities") == kEntities);
  }
  // A message without entities has none, and its push is the direct TL form again.
  REQUIRE(u.alice_says("plain", 2).ok);
  auto plain = h.take_pushes(u.b);
  REQUIRE(plain.size() == 1);
  CHECK_FALSE(plain[0].updates.has("/entities"));
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("entities outside the text's UTF-16 length (or negative) get 400 ENTITY_BOUNDS_INVALID") {
  Harness h;
  TwoUsers u(h);
  const std::string peer = input_peer_user(h, u.alice, u.bob);
  const auto send = [&](const std::string& entities, std::int64_t random_id) {
    return h.call(u.a, "messages.sendMessage", send_params(peer, "a😀", entities, random_id));
  };
  const ApiError bounds{400, "ENTITY_BOUNDS_INVALID"};
  // "a😀" is 3 code units (5 bytes): an entity to its end is fine, one past it is not.
  CHECK(send(R"([{"_":"messageEntityItalic","offset":1,"length":2}])", 1).ok);
  CHECK(send(R"([{"_":"messageEntityItalic","offset":1,"length":3}])", 2).error == bounds);
  CHECK(send(R"([{"_":"messageEntityItalic","offset":4,"length":0}])", 3).error == bounds);
  CHECK(send(R"([{"_":"messageEntityItalic","offset":-1,"length":1}])", 4).error == bounds);
  CHECK(send(R"([{"_":"messageEntityBold","offset":0,"length":1},)"
             R"({"_":"messageEntityItalic","offset":0,"length":-1}])",
             5)
            .error == bounds);
  CHECK(send("[]", 6).ok);                                     // an empty list: no entities
  CHECK(h.world().find_account(u.bob)->messages.size() == 2);  // refused messages were not stored
  CHECK(h.world().find_account(u.bob)->messages.back().entities.empty());
}

TEST_CASE(
    "inputMessageEntityMentionName becomes messageEntityMentionName, returned to the sender because the "
    "server changed it, and an unknown user is ENTITY_MENTION_USER_INVALID") {
  Harness h;
  TwoUsers u(h);
  const std::string peer = input_peer_user(h, u.alice, u.bob);
  const std::string mention = R"([{"_":"inputMessageEntityMentionName","offset":0,"length":3,"user_id":)" +
                              input_user(h, u.alice, u.bob) + "}]";
  Answer sent = h.call(u.a, "messages.sendMessage", send_params(peer, "Bob!", mention, 1));
  REQUIRE(sent.ok);
  const std::string as_stored = R"([{"_":"messageEntityMentionName","offset":0,"length":3,"user_id":")" +
                                std::to_string(u.bob) + "\"}]";
  CHECK(json_at(sent, "/entities") == as_stored);
  auto to_bob = h.take_pushes(u.b);
  REQUIRE(to_bob.size() == 1);
  CHECK(json_at(to_bob[0].updates, "/entities") == as_stored);
  // Bob's access hash is not Alice's.
  const std::string wrong = R"([{"_":"inputMessageEntityMentionName","offset":0,"length":3,"user_id":)" +
                            input_user(h, u.bob, u.bob) + "}]";
  CHECK(h.call(u.a, "messages.sendMessage", send_params(peer, "Bob!", wrong, 2)).error ==
        ApiError{400, "ENTITY_MENTION_USER_INVALID"});
}

TEST_CASE(
    "messages.editMessage replaces text and entities together: new entities alone are an edit, none "
    "clears them, the same pair is MESSAGE_NOT_MODIFIED") {
  Harness h;
  TwoUsers u(h);
  const std::string peer = input_peer_user(h, u.alice, u.bob);
  REQUIRE(u.alice_says("hello", 1).ok);
  h.pushes.clear();
  const std::string bold = R"([{"_":"messageEntityBold","offset":0,"length":5}])";
  const std::string edit = R"({"peer":)" + peer + R"(,"id":1,"message":"hello")";
  Answer edited = h.call(u.a, "messages.editMessage", edit + R"(,"entities":)" + bold + "}");
  REQUIRE(edited.ok);
  CHECK(json_at(edited, "/updates/0/message/entities") == bold);
  auto to_bob = h.take_pushes(u.b);
  REQUIRE(to_bob.size() == 1);
  CHECK(to_bob[0].updates.str("/updates/0/_") == "updateEditMessage");
  CHECK(json_at(to_bob[0].updates, "/updates/0/message/entities") == bold);
  CHECK(h.call(u.a, "messages.editMessage", edit + R"(,"entities":)" + bold + "}").error ==
        ApiError{400, "MESSAGE_NOT_MODIFIED"});
  CHECK(h.call(u.a, "messages.editMessage",
               edit + R"(,"entities":[{"_":"messageEntityBold","offset":0,"length":6}]})")
            .error == ApiError{400, "ENTITY_BOUNDS_INVALID"});
  Answer cleared = h.call(u.a, "messages.editMessage", edit + "}");
  REQUIRE(cleared.ok);
  CHECK_FALSE(cleared.has("/updates/0/message/entities"));
  Answer history = h.call(u.b, "messages.getHistory", history_params(input_peer_user(h, u.bob, u.alice)));
  CHECK_FALSE(history.has("/messages/0/entities"));
  CHECK(h.encoding_failures.empty());
}

TEST_CASE(
    "channel posts keep their entities: the updates answer, members' updateNewChannelMessage pushes, "
    "channel history and getChannelDifference") {
  Harness h;
  TwoUsers u(h);
  Answer created = h.call(u.a, "channels.createChannel", R"({"megagroup":true,"title":"Talk","about":""})");
  REQUIRE(created.ok);
  const std::int64_t id = created.id("/chats/0/id");
  REQUIRE(h.call(u.a, "channels.updateUsername",
                 R"({"channel":)" + input_channel(h, u.alice, id) + R"(,"username":"talk_here"})")
              .ok);
  REQUIRE(h.call(u.b, "channels.joinChannel", R"({"channel":)" + input_channel(h, u.bob, id) + "}").ok);
  h.pushes.clear();
  Answer posted =
      h.call(u.b, "messages.sendMessage", send_params(input_peer_channel(h, u.bob, id), kText, kEntities, 1));
  REQUIRE(posted.ok);
  CHECK(json_at(posted, "/updates/1/message/entities") == kEntities);
  auto to_alice = h.take_pushes(u.a);
  REQUIRE(to_alice.size() == 1);
  CHECK(to_alice[0].updates.str("/updates/0/_") == "updateNewChannelMessage");
  CHECK(json_at(to_alice[0].updates, "/updates/0/message/entities") == kEntities);
  Answer history = h.call(u.a, "messages.getHistory", history_params(input_peer_channel(h, u.alice, id)));
  CHECK(json_at(history, "/messages/0/entities") == kEntities);
  Answer diff = h.call(u.a, "updates.getChannelDifference",
                       channel_difference_params(input_channel(h, u.alice, id), 1, 10));
  REQUIRE(diff.type() == "updates.channelDifference");
  CHECK(json_at(diff, "/new_messages/0/entities") == kEntities);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("messages.sendMedia keeps the caption's entities (bounds checked against the caption)") {
  Harness h;
  TwoUsers u(h);
  const std::string peer = input_peer_user(h, u.alice, u.bob);
  const Bytes data = file_bytes(3000);
  const int parts = upload(h, u.a, 7, data, 1024, false);
  const std::string media = uploaded_document(input_file(7, parts, "a.bin", ""));
  const std::string bold = R"([{"_":"messageEntityBold","offset":0,"length":7}])";
  const auto send = [&](std::string_view caption, const std::string& entities, std::int64_t random_id) {
    return h.call(u.a, "messages.sendMedia",
                  R"({"peer":)" + peer + R"(,"media":)" + media + R"(,"message":")" + std::string(caption) +
                      R"(","random_id":")" + std::to_string(random_id) + R"(","entities":)" + entities + "}");
  };
  CHECK(send("short", bold, 1).error == ApiError{400, "ENTITY_BOUNDS_INVALID"});
  Answer sent = send("caption", bold, 2);
  REQUIRE(sent.ok);
  CHECK(json_at(sent, last_message_pointer(sent) + "/entities") == bold);
  auto to_bob = h.take_pushes(u.b);
  REQUIRE(to_bob.size() == 1);
  CHECK(json_at(to_bob[0].updates, "/updates/0/message/entities") == bold);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE(
    "several messages with entities at once (api::send_private) are pushed as updates of updateNewMessage") {
  Harness h;
  TwoUsers u(h);
  World& w = h.world();
  const std::string texts[] = {"one", "two"};
  const std::string italic = R"([{"_":"messageEntityItalic","offset":0,"length":3}])";
  api::send_private(w, *w.find_account(u.alice), *w.find_account(u.bob), texts, false, u.a.session(), italic);
  auto to_bob = h.take_pushes(u.b);
  REQUIRE(to_bob.size() == 1);
  const Answer& batch = to_bob[0].updates;
  CHECK(batch.type() == "updates");
  REQUIRE(batch.size("/updates") == 2);
  CHECK(batch.str("/updates/1/message/message") == "two");
  CHECK(json_at(batch, "/updates/1/message/entities") == italic);
  CHECK(batch.num("/seq") == 1);
  CHECK(batch.size("/users") == 2);
}

}  // namespace tgd::testdc::testing
