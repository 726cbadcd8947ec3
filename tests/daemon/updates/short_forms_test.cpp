// Short forms expanded to full updates, updateShortSentMessage rebuilt from the call's params,
// and call results that move pts.
#include "engine_harness.hpp"

using namespace tgd::updates;
using namespace tgd::updates::testing;

TEST_CASE("updateShortMessage incoming becomes updateNewMessage from the other user") {
  Harness h;
  h.start();
  h.push(
      R"({"_":"updateShortMessage","mentioned":true,"id":55,"user_id":"5","message":"hi \"there\"","pts":101,)"
      R"("pts_count":1,"date":1002,"via_bot_id":"9","entities":[{"_":"messageEntityBold","offset":0,"length":2}]})");
  REQUIRE(h.emitted.size() == 1);
  CHECK(
      h.emitted[0] ==
      R"({"_":"updateNewMessage","message":{"_":"message","mentioned":true,"id":55,)"
      R"("from_id":{"_":"peerUser","user_id":"5"},"peer_id":{"_":"peerUser","user_id":"5"},"via_bot_id":"9",)"
      R"("date":1002,"message":"hi \"there\"","entities":[{"_":"messageEntityBold","offset":0,"length":2}]},)"
      R"("pts":101,"pts_count":1})");
}

TEST_CASE("updateShortMessage outgoing has the own user as from_id") {
  Harness h;
  h.start();
  h.push(short_message(101, true));
  REQUIRE(h.emitted.size() == 1);
  CHECK(h.emitted[0] ==
        R"({"_":"updateNewMessage","message":{"_":"message","out":true,"id":101,)"
        R"("from_id":{"_":"peerUser","user_id":"7"},"peer_id":{"_":"peerUser","user_id":"5"},)"
        R"("date":1002,"message":"hello"},"pts":101,"pts_count":1})");
}

TEST_CASE("updateShortChatMessage becomes updateNewMessage in the chat from the sender") {
  Harness h;
  h.start();
  h.push(
      R"({"_":"updateShortChatMessage","id":56,"from_id":"5","chat_id":"300","message":"yo","pts":101,)"
      R"("pts_count":1,"date":1002,"reply_to":{"_":"messageReplyHeader","reply_to_msg_id":50},"ttl_period":60})");
  REQUIRE(h.emitted.size() == 1);
  CHECK(h.emitted[0] ==
        R"({"_":"updateNewMessage","message":{"_":"message","id":56,)"
        R"("from_id":{"_":"peerUser","user_id":"5"},"peer_id":{"_":"peerChat","chat_id":"300"},)"
        R"("reply_to":{"_":"messageReplyHeader","reply_to_msg_id":50},"date":1002,"message":"yo",)"
        R"("ttl_period":60},"pts":101,"pts_count":1})");
}

TEST_CASE("updateShort yields its update and moves the date") {
  Harness h;
  h.start();
  h.push(R"({"_":"updateShort","update":)" + typing() + R"(,"date":1500})");
  CHECK(h.emitted == std::vector<std::string>{typing()});
  CHECK(h.engine.state().date == 1500);
}

TEST_CASE("updateShortSentMessage from messages.sendMessage is expanded with the call's params") {
  Harness h;
  h.start();
  const std::string params =
      R"({"silent":true,"peer":{"_":"inputPeerUser","user_id":"5","access_hash":"99"},)"
      R"("reply_to":{"_":"inputReplyToMessage","reply_to_msg_id":40,"quote_text":"q"},"message":"sent text",)"
      R"("random_id":"123","entities":[{"_":"messageEntityItalic","offset":0,"length":4}]})";
  h.result("messages.sendMessage", params,
           R"({"_":"updateShortSentMessage","out":true,"id":57,"pts":101,"pts_count":1,"date":1010,)"
           R"("media":{"_":"messageMediaEmpty"}})");
  REQUIRE(h.emitted.size() == 1);
  CHECK(h.emitted[0] ==
        R"({"_":"updateNewMessage","message":{"_":"message","out":true,"silent":true,"id":57,)"
        R"("from_id":{"_":"peerUser","user_id":"7"},"peer_id":{"_":"peerUser","user_id":"5"},)"
        R"("reply_to":{"_":"messageReplyHeader","quote":true,"reply_to_msg_id":40,"quote_text":"q"},)"
        R"("date":1010,"message":"sent text","media":{"_":"messageMediaEmpty"},)"
        R"("entities":[{"_":"messageEntityItalic","offset":0,"length":4}]},"pts":101,"pts_count":1})");
  CHECK(h.engine.state().pts == 101);
}

TEST_CASE("updateShortSentMessage to a basic group or to oneself names the right peer") {
  Harness h;
  h.start();
  h.result("messages.sendMessage",
           R"({"peer":{"_":"inputPeerChat","chat_id":"300"},"message":"a","random_id":"1"})",
           R"({"_":"updateShortSentMessage","out":true,"id":1,"pts":101,"pts_count":1,"date":1010})");
  h.result("messages.sendMessage", R"({"peer":{"_":"inputPeerSelf"},"message":"b","random_id":"2"})",
           R"({"_":"updateShortSentMessage","out":true,"id":2,"pts":102,"pts_count":1,"date":1011})");
  REQUIRE(h.emitted.size() == 2);
  CHECK(h.emitted[0].find(R"("peer_id":{"_":"peerChat","chat_id":"300"})") != std::string::npos);
  CHECK(h.emitted[1].find(R"("peer_id":{"_":"peerUser","user_id":"7"})") != std::string::npos);
}

TEST_CASE("updateShortSentMessage that cannot be expanded asks getDifference for its message") {
  Harness h;
  h.start();
  // sendMedia whose answer carries no media: the message cannot be rebuilt.
  h.result("messages.sendMedia",
           R"({"peer":{"_":"inputPeerChat","chat_id":"300"},"message":"","random_id":"1",)"
           R"("media":{"_":"inputMediaEmpty"}})",
           R"({"_":"updateShortSentMessage","out":true,"id":1,"pts":101,"pts_count":1,"date":1010})");
  CHECK(h.emitted.empty());
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->params == R"({"pts":100,"date":1010,"qts":10})");
}

TEST_CASE("a sendMessage result as an updates container is fed like a push") {
  Harness h;
  h.start();
  h.result("messages.sendMessage", R"({"peer":{"_":"inputPeerSelf"},"message":"x","random_id":"1"})",
           container({R"({"_":"updateMessageID","id":101,"random_id":"1"})", new_message(101)}, 0,
                     R"([{"_":"user","id":"5","first_name":"Five"}])"));
  CHECK(h.emitted_names() == std::vector<std::string>{"updateMessageID", "updateNewMessage"});
  CHECK(h.batches.back().users == R"([{"_":"user","id":"5","first_name":"Five"}])");
}

TEST_CASE("affectedMessages advances pts without emitting, and a gap it reveals is waited for") {
  Harness h;
  h.start();
  h.result("messages.deleteMessages", R"({"id":[1]})",
           R"({"_":"messages.affectedMessages","pts":101,"pts_count":1})");
  CHECK(h.emitted.empty());
  CHECK(h.engine.state().pts == 101);
  REQUIRE(h.batches.size() == 1);  // a state-only batch to persist
  CHECK(h.batches[0].updates.empty());
  CHECK(h.batches[0].state == R"({"pts":101,"qts":10,"date":1000,"seq":50})");
  h.result("messages.readHistory", R"({"peer":{"_":"inputPeerSelf"},"max_id":0})",
           R"({"_":"messages.affectedMessages","pts":104,"pts_count":1})");
  CHECK(h.engine.state().pts == 101);
  h.push(short_message(102));
  h.push(short_message(103));
  CHECK(h.engine.state().pts == 104);
  CHECK(h.emitted_ids() == std::vector<long>{102, 103});
}

TEST_CASE("affectedHistory of a call on a channel advances that channel's pts") {
  UpdateState s = initial_state();
  s.channels[900] = 10;
  Harness h(s);
  h.start();
  h.result(
      "channels.deleteParticipantHistory",
      R"({"channel":{"_":"inputChannel","channel_id":"900","access_hash":"1"},"participant":{"_":"inputPeerSelf"}})",
      R"({"_":"messages.affectedHistory","pts":13,"pts_count":3,"offset":0})");
  CHECK(h.engine.state().channels.at(900) == 13);
  h.result("messages.readMentions",
           R"({"peer":{"_":"inputPeerChannel","channel_id":"900","access_hash":"1"}})",
           R"({"_":"messages.affectedHistory","pts":14,"pts_count":1,"offset":0})");
  CHECK(h.engine.state().channels.at(900) == 14);
  CHECK(h.engine.state().pts == 100);
}

TEST_CASE("results that carry no updates are ignored") {
  Harness h;
  h.start();
  h.result("users.getUsers", R"({"id":[]})", R"([{"_":"user","id":"5"}])");
  h.result("messages.sendMessage", "", R"({"_":"boolTrue"})");
  CHECK(h.batches.empty());
}
