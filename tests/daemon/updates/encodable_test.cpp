// Every full object the engine emits must be encodable by the schema: a mixed stream through the
// harness, which round-trips each emitted update through the codec (engine_harness.hpp).
#include "engine_harness.hpp"

using namespace tgd::updates;
using namespace tgd::updates::testing;

TEST_CASE("emitted objects round-trip through the codec: short forms, sent messages, differences") {
  UpdateState s = initial_state();
  s.channels[900] = 10;
  Harness h(s);
  REQUIRE(h.request());
  const std::string other =
      "[" + channel_message(900, 11) +
      R"(,{"_":"updateMessageID","id":101,"random_id":"77"},{"_":"updateBotStopped","user_id":"5",)"
      R"("date":1,"stopped":true,"qts":11}])";
  h.answer(
      R"({"_":"updates.difference","new_messages":[)" + message(101) + "," + message(102, channel_peer(901)) +
      R"(],"new_encrypted_messages":[{"_":"encryptedMessageService","random_id":"1","chat_id":2,"date":3,)"
      R"("bytes":"AAAA"}],"other_updates":)" +
      other + R"(,"chats":[],"users":[],"state":)" + state_json(101, 11) + "}");
  h.push(short_message(102, true));
  h.push(
      R"({"_":"updateShortChatMessage","out":true,"silent":true,"id":3,"from_id":"7","chat_id":"300",)"
      R"("message":"\u00e9\n","pts":103,"pts_count":1,"date":1002,"fwd_from":{"_":"messageFwdHeader","date":5},)"
      R"("via_bot_id":"9","reply_to":{"_":"messageReplyHeader","reply_to_msg_id":1},"entities":[],"ttl_period":5})");
  h.result(
      "messages.sendMedia",
      R"({"noforwards":true,"invert_media":true,"peer":{"_":"inputPeerUser","user_id":"5","access_hash":"1"},)"
      R"("reply_to":{"_":"inputReplyToMessage","reply_to_msg_id":4,"top_msg_id":2,)"
      R"("reply_to_peer_id":{"_":"inputPeerChat","chat_id":"300"},"quote_offset":1},)"
      R"("media":{"_":"inputMediaEmpty"},"message":"cap","random_id":"9","effect":"123",)"
      R"("send_as":{"_":"inputPeerChannel","channel_id":"901","access_hash":"2"},)"
      R"("reply_markup":{"_":"replyKeyboardHide"},"entities":[{"_":"messageEntityCode","offset":0,"length":1}]})",
      R"({"_":"updateShortSentMessage","out":true,"id":60,"pts":104,"pts_count":1,"date":1020,)"
      R"("media":{"_":"messageMediaEmpty"},"ttl_period":9})");
  h.result(
      "messages.sendMessage",
      R"({"peer":{"_":"inputPeerUser","user_id":"5","access_hash":"1"},"message":"s","random_id":"9",)"
      R"("reply_to":{"_":"inputReplyToStory","peer":{"_":"inputPeerUser","user_id":"5","access_hash":"1"},"story_id":3}})",
      R"({"_":"updateShortSentMessage","out":true,"id":61,"pts":105,"pts_count":1,"date":1021})");
  CHECK(h.emitted.size() == 10);
  CHECK(h.engine.state().pts == 105);
}
