// Channel boxes: their own pts, getChannelDifference for one channel, too-long answers, polling of
// watched channels, refusals.
#include "engine_harness.hpp"

using namespace tgd::updates;
using namespace tgd::updates::testing;

namespace {

UpdateState with_channel(long channel, int pts) {
  UpdateState s = initial_state();
  s.channels[channel] = pts;
  return s;
}

std::string channel_difference(int pts, const std::vector<int>& ids, bool final = true, int timeout = 0) {
  std::string messages;
  for (std::size_t i = 0; i < ids.size(); ++i)
    messages += (i ? "," : "") + message(ids[i], channel_peer(900));
  std::string out = R"({"_":"updates.channelDifference")";
  if (final) out += R"(,"final":true)";
  out += R"(,"pts":)" + std::to_string(pts);
  if (timeout) out += R"(,"timeout":)" + std::to_string(timeout);
  return out + R"(,"new_messages":[)" + messages + R"(],"other_updates":[],"chats":[],"users":[]})";
}

}  // namespace

TEST_CASE("channel updates apply per channel and a channel not tracked yet is adopted") {
  Harness h(with_channel(900, 10));
  h.start();
  h.push(container({channel_message(900, 11), channel_message(900, 11), channel_message(901, 50)}));
  CHECK(h.emitted_ids() == std::vector<long>{11, 50});
  CHECK(h.engine.state().channels.at(900) == 11);
  CHECK(h.engine.state().channels.at(901) == 50);
  CHECK(h.engine.state().pts == 100);
}

TEST_CASE("a channel gap asks getChannelDifference for that channel only") {
  Harness h(with_channel(900, 10));
  h.start();
  h.push(container({channel_message(900, 12)}));
  h.advance(500ms);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->kind == RequestKind::GetChannelDifference);
  CHECK(r->channel_id == 900);
  CHECK(r->params == R"({"filter":{"_":"channelMessagesFilterEmpty"},"pts":10,"limit":100})");
  CHECK(r->params_with_channel(R"({"_":"inputChannel","channel_id":"900","access_hash":"1"})") ==
        R"({"channel":{"_":"inputChannel","channel_id":"900","access_hash":"1"},)"
        R"("filter":{"_":"channelMessagesFilterEmpty"},"pts":10,"limit":100})");
  // The common box and other channels go on meanwhile; this channel's updates wait.
  h.push(short_message(101));
  h.push(container({channel_message(901, 5), channel_message(900, 13)}));
  CHECK(h.emitted_ids() == std::vector<long>{101, 5});
  h.answer(channel_difference(12, {11, 12}));
  CHECK(h.emitted_ids() == std::vector<long>{101, 5, 11, 12, 13});
  CHECK(h.engine.state().channels.at(900) == 13);
  CHECK(h.emitted_names()[2] == "updateNewChannelMessage");
  CHECK_FALSE(h.request());
}

TEST_CASE("a channel difference that is not final is asked again") {
  Harness h(with_channel(900, 10));
  h.start();
  h.push(container({R"({"_":"updateChannelTooLong","channel_id":"900"})"}));
  REQUIRE(h.request());
  h.answer(channel_difference(20, {15}, false));
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->params == R"({"filter":{"_":"channelMessagesFilterEmpty"},"pts":20,"limit":100})");
  h.answer(R"({"_":"updates.channelDifferenceEmpty","final":true,"pts":20})");
  CHECK_FALSE(h.request());
  CHECK(h.emitted_ids() == std::vector<long>{15});
}

TEST_CASE("channelDifferenceTooLong resets the channel pts and emits a marker holding the latest messages") {
  Harness h(with_channel(900, 10));
  h.start();
  h.push(container({R"({"_":"updateChannelTooLong","channel_id":"900"})"}));
  REQUIRE(h.request());
  const std::string dialog =
      R"({"_":"dialog","peer":{"_":"peerChannel","channel_id":"900"},"top_message":99,"read_inbox_max_id":0,)"
      R"("read_outbox_max_id":0,"unread_count":0,"unread_mentions_count":0,"unread_reactions_count":0,)"
      R"("notify_settings":{"_":"peerNotifySettings"},"pts":5000})";
  h.answer(R"({"_":"updates.channelDifferenceTooLong","final":true,"dialog":)" + dialog + R"(,"messages":[)" +
           message(99, channel_peer(900)) +
           R"(],"chats":[{"_":"channelForbidden","id":"900","access_hash":"1","title":"c"}],"users":[]})");
  REQUIRE(h.emitted.size() == 1);
  CHECK(
      h.emitted[0] ==
      R"({"_":"tgd.updatesGap","reason":"channelDifferenceTooLong","box":"channel","channel_id":"900","from_pts":10,)"
      R"("to_pts":5000,"dialog":)" +
          dialog + R"(,"messages":[)" + message(99, channel_peer(900)) + "]}");
  CHECK(h.engine.state().channels.at(900) == 5000);
  CHECK(h.batches.back().chats.find("channelForbidden") != std::string::npos);
  h.push(container({channel_message(900, 5001)}));
  CHECK(h.emitted.size() == 2);
}

TEST_CASE("updateChannelTooLong asks that channel's difference, from its pts for a channel not tracked") {
  Harness h;
  h.start();
  h.push(container({R"({"_":"updateChannelTooLong","channel_id":"777","pts":40})"}));
  CHECK(h.emitted.empty());  // consumed: the difference follows
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->channel_id == 777);
  CHECK(r->params == R"({"filter":{"_":"channelMessagesFilterEmpty"},"pts":40,"limit":100})");
}

TEST_CASE("updateChannelTooLong for a channel not tracked and without pts is passed on") {
  Harness h;
  h.start();
  h.push(container({R"({"_":"updateChannelTooLong","channel_id":"777"})"}));
  CHECK(h.emitted_names() == std::vector<std::string>{"updateChannelTooLong"});
  CHECK_FALSE(h.request());
}

TEST_CASE("a refused channel difference drops the channel with a marker and emits what was held") {
  Harness h(with_channel(900, 10));
  h.start();
  h.push(container({channel_message(900, 12)}));
  h.advance(500ms);
  REQUIRE(h.request());
  h.fail(RequestFailure::Refused);
  CHECK(h.emitted_ids() == std::vector<long>{-2, 12});
  CHECK(
      h.emitted[0] ==
      R"({"_":"tgd.updatesGap","reason":"channelRefused","box":"channel","channel_id":"900","from_pts":10})");
  CHECK_FALSE(h.engine.state().channels.contains(900));
  CHECK_FALSE(h.request());
}

TEST_CASE("a failed channel difference is retried after the retry delay") {
  Harness h(with_channel(900, 10));
  h.start();
  h.push(container({channel_message(900, 12)}));
  h.advance(500ms);
  REQUIRE(h.request());
  h.fail(RequestFailure::Retry);
  CHECK_FALSE(h.request());
  h.advance(2s);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->channel_id == 900);
}

TEST_CASE("a watched channel is fetched at once and then polled at the timeout the server gives") {
  Harness h;
  h.start();
  h.engine.watch_channel(900, 30, h.now);
  auto r = h.request();
  REQUIRE(r);
  CHECK(r->params == R"({"filter":{"_":"channelMessagesFilterEmpty"},"pts":30,"limit":100})");
  h.answer(R"({"_":"updates.channelDifferenceEmpty","final":true,"pts":30,"timeout":7})");
  CHECK_FALSE(h.request());
  REQUIRE(h.engine.next_deadline());
  CHECK(*h.engine.next_deadline() == h.now + 7s);
  h.advance(7s);
  r = h.request();
  REQUIRE(r);
  CHECK(r->channel_id == 900);
  h.answer(R"({"_":"updates.channelDifferenceEmpty","final":true,"pts":30})");  // no timeout: the default
  CHECK(*h.engine.next_deadline() == h.now + 60s);
  h.engine.unwatch_channel(900);
  h.advance(60s);
  CHECK_FALSE(h.request());
}

TEST_CASE("updateReadChannelInbox with pts_count 0 before the message of the same pts applies after it") {
  Harness h(with_channel(900, 10));
  h.start();
  h.push(container(
      {R"({"_":"updateReadChannelInbox","channel_id":"900","max_id":11,"still_unread_count":0,"pts":11})",
       channel_message(900, 11)}));
  CHECK(h.emitted_names() == std::vector<std::string>{"updateNewChannelMessage", "updateReadChannelInbox"});
  CHECK(h.engine.state().channels.at(900) == 11);
  CHECK_FALSE(h.engine.next_deadline() < h.now + 1min);
}
