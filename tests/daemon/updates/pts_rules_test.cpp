// The common box: pts order, duplicates, gap waits, getDifference and its answers, seq, qts,
// timers and request failures.
#include "engine_harness.hpp"

using namespace tgd::updates;
using namespace tgd::updates::testing;

TEST_CASE("updates in pts order are applied and emitted in order") {
  Harness h;
  h.start();
  h.push(container({new_message(101), new_message(102)}));
  h.push(short_message(103));
  CHECK(h.emitted_ids() == std::vector<long>{101, 102, 103});
  CHECK(h.engine.state().pts == 103);
  CHECK_FALSE(h.request());
}

TEST_CASE("an update already applied by pts is skipped as a duplicate") {
  Harness h;
  h.start();
  h.push(short_message(101));
  h.push(short_message(101));
  h.push(container({new_message(100), new_message(101), new_message(102)}));
  CHECK(h.emitted_ids() == std::vector<long>{101, 102});
}

TEST_CASE("a gap is held and filled by the late update without getDifference") {
  Harness h;
  h.start();
  h.push(short_message(102));  // 101 missing
  CHECK(h.emitted.empty());
  REQUIRE(h.engine.next_deadline());
  CHECK(*h.engine.next_deadline() == h.now + 500ms);
  h.advance(300ms);
  h.push(short_message(101));
  CHECK(h.emitted_ids() == std::vector<long>{101, 102});
  h.advance(500ms);
  CHECK_FALSE(h.request());
  CHECK(h.engine.state().pts == 102);
}

TEST_CASE("out of order updates in one container are applied in pts order") {
  Harness h;
  h.start();
  h.push(container({new_message(102), new_message(101)}));
  CHECK(h.emitted_ids() == std::vector<long>{101, 102});
}

TEST_CASE(
    "a gap not filled within the wait asks getDifference and pushes during it are buffered and released "
    "once") {
  Harness h;
  h.start();
  h.push(short_message(101));
  h.push(short_message(103));  // 102 missing
  h.advance(499ms);
  CHECK_FALSE(h.request());
  h.advance(1ms);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->kind == RequestKind::GetDifference);
  CHECK(r->method == "updates.getDifference");
  CHECK(r->params == R"({"pts":101,"date":1002,"qts":10})");
  CHECK_FALSE(h.request());  // one at a time
  // During the fetch: the missing one, a new one, a duplicate and an update without pts wait.
  h.push(short_message(102));
  h.push(short_message(104));
  h.push(container({typing()}));
  CHECK(h.emitted_ids() == std::vector<long>{101});
  h.answer(difference({102, 103}, 103));
  // 102 and 103 from the difference, then what was buffered: 104 and the typing; 102 and the
  // held 103 were duplicates.
  CHECK(h.emitted_ids() == std::vector<long>{101, 102, 103, 104, -1});
  CHECK(h.emitted_names().back() == "updateUserTyping");
  CHECK(h.engine.state().pts == 104);
  CHECK_FALSE(h.request());
}

TEST_CASE("differenceSlice is followed by another getDifference until updates.difference") {
  Harness h;
  REQUIRE(h.request());
  h.answer(difference({101, 102}, 102, "updates.differenceSlice"));
  CHECK(h.engine.state().pts == 102);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->params == R"({"pts":102,"date":2000,"qts":10})");
  h.answer(difference({103}, 103));
  CHECK(h.emitted_ids() == std::vector<long>{101, 102, 103});
  CHECK_FALSE(h.request());
  REQUIRE(h.batches.size() == 2);  // one per difference step, each with its state
  CHECK(h.batches[0].state == R"({"pts":102,"qts":10,"date":2000,"seq":50})");
}

TEST_CASE("differenceTooLong emits a gap marker, moves pts and asks again") {
  Harness h;
  REQUIRE(h.request());
  h.answer(R"({"_":"updates.differenceTooLong","pts":5000})");
  REQUIRE(h.emitted.size() == 1);
  CHECK(h.emitted[0] ==
        R"({"_":"tgd.updatesGap","reason":"differenceTooLong","box":"common","from_pts":100,"to_pts":5000})");
  CHECK(h.engine.state().pts == 5000);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->params == R"({"pts":5000,"date":1000,"qts":10})");
  h.answer(R"({"_":"updates.differenceEmpty","date":3000,"seq":60})");
  CHECK(h.engine.state().seq == 60);
  CHECK(h.engine.state().date == 3000);
}

TEST_CASE(
    "differenceTooLong: updates of containers buffered during the fetch inside the skipped range follow the "
    "marker once, in pts order, and the rest of those containers waits for the next difference") {
  Harness h;
  h.start();
  h.push(short_message(105));  // 101..104 missing: held, then getDifference
  h.advance(500ms);
  REQUIRE(h.request());
  // During the fetch: a batch out of order with an update beyond the skipped range, a copy of the
  // held update, a duplicate pushed twice, and an update without pts.
  h.push(container({new_message(107), new_message(106), new_message(202)}));
  h.push(container({new_message(105)}));
  h.push(container({new_message(107), typing()}));
  CHECK(h.emitted.empty());
  h.answer(R"({"_":"updates.differenceTooLong","pts":200})");
  CHECK(h.emitted_ids() == std::vector<long>{-2, 105, 106, 107});
  CHECK(h.engine.state().pts == 200);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->params == R"({"pts":200,"date":1002,"qts":10})");
  h.answer(difference({201}, 201));
  // The difference from 200, then the containers released: 202 applies after 201, the typing
  // comes out after the fetch, and nothing of 105..107 again.
  CHECK(h.emitted_ids() == std::vector<long>{-2, 105, 106, 107, 201, 202, -1});
  CHECK(h.emitted_names().back() == "updateUserTyping");
  CHECK(h.engine.state().pts == 202);
  CHECK_FALSE(h.request());
}

TEST_CASE(
    "differenceTooLong: a container held for a seq gap whose updates the skipped range covers is not lost "
    "when the next difference's seq covers the container") {
  Harness h;
  h.start();
  h.push(container({new_message(103), new_message(104)}, 52));  // seq 51 missing
  h.advance(500ms);
  REQUIRE(h.request());
  h.push(container({new_message(106)}, 53));  // during the fetch
  h.answer(R"({"_":"updates.differenceTooLong","pts":200})");
  CHECK(h.emitted_ids() == std::vector<long>{-2, 103, 104, 106});
  REQUIRE(h.request());
  h.answer(R"({"_":"updates.differenceEmpty","date":3000,"seq":60})");
  CHECK(h.emitted_ids() == std::vector<long>{-2, 103, 104, 106});
  CHECK(h.engine.state().seq == 60);
  CHECK(h.engine.state().pts == 200);
  CHECK_FALSE(h.request());
}

TEST_CASE(
    "difference answers: updateMessageID first, messages as updateNewMessage, channel updates by channel "
    "rules") {
  Harness h;
  REQUIRE(h.request());
  const std::string other = "[" + channel_message(900, 11) +
                            R"(,{"_":"updateMessageID","id":101,"random_id":"77"},)" +
                            R"({"_":"updateDeleteMessages","messages":[3],"pts":102,"pts_count":1}])";
  h.answer(difference({101}, 102, "updates.difference", other));
  CHECK(h.emitted_names() == std::vector<std::string>{"updateMessageID", "updateNewMessage",
                                                      "updateNewChannelMessage", "updateDeleteMessages"});
  CHECK(h.emitted[1] ==
        R"({"_":"updateNewMessage","message":)" + message(101) + R"(,"pts":0,"pts_count":0})");
  CHECK(h.engine.state().channels.at(900) == 11);
}

TEST_CASE("seq: the next container applies and advances seq, a container seen already is skipped") {
  Harness h;
  h.start();
  h.push(container({typing()}, 51));
  h.push(container({typing()}, 51));  // the same container again
  h.push(container({new_message(101)}, 50));
  CHECK(h.emitted.size() == 1);
  CHECK(h.engine.state().seq == 51);
  CHECK(h.engine.state().pts == 100);
}

TEST_CASE("seq 0 containers are applied without a seq check") {
  Harness h;
  h.start();
  h.push(container({typing()}, 0));
  h.push(container({typing()}, 0));
  CHECK(h.emitted.size() == 2);
  CHECK(h.engine.state().seq == 50);
}

TEST_CASE("seq gap: the container waits for the missing one, then applies in seq order") {
  Harness h;
  h.start();
  h.push(container({new_message(102)}, 52));  // seq 51 missing
  CHECK(h.emitted.empty());
  h.push(container({new_message(101)}, 51));
  CHECK(h.emitted_ids() == std::vector<long>{101, 102});
  CHECK(h.engine.state().seq == 52);
}

TEST_CASE("seq gap not filled within the wait asks getDifference, the held container then counts as seen") {
  Harness h;
  h.start();
  h.push(container({typing()}, 52));
  h.advance(500ms);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->kind == RequestKind::GetDifference);
  h.answer(R"({"_":"updates.differenceEmpty","date":2000,"seq":52})");
  CHECK(h.emitted.empty());
  CHECK(h.engine.state().seq == 52);
}

TEST_CASE("updatesCombined checks seq_start and sets seq") {
  Harness h;
  h.start();
  h.push(R"({"_":"updatesCombined","updates":[)" + new_message(101) +
         R"(],"users":[],"chats":[],"date":1005,"seq_start":51,"seq":53})");
  CHECK(h.emitted_ids() == std::vector<long>{101});
  CHECK(h.engine.state().seq == 53);
  CHECK(h.engine.state().date == 1005);
}

TEST_CASE("qts updates follow the qts box with a count of one") {
  Harness h;
  h.start();
  h.push(container({bot_stopped(11), bot_stopped(11), bot_stopped(13)}));
  CHECK(h.emitted.size() == 1);
  CHECK(h.engine.state().qts == 11);
  h.push(container({bot_stopped(12)}));
  CHECK(h.emitted.size() == 3);
  CHECK(h.engine.state().qts == 13);
  h.push(container({R"({"_":"updateBotStopped","user_id":"5","date":1,"stopped":false,"qts":0})"}));
  CHECK(h.emitted.size() == 4);  // qts 0 orders nothing
}

TEST_CASE("a qts gap not filled asks getDifference with the local qts") {
  Harness h;
  h.start();
  h.push(container({bot_stopped(12)}));
  h.advance(500ms);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->params == R"({"pts":100,"date":1003,"qts":10})");
}

TEST_CASE("updatesTooLong asks getDifference") {
  Harness h;
  h.start();
  h.push(R"({"_":"updatesTooLong"})");
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->kind == RequestKind::GetDifference);
}

TEST_CASE("idle for 15 minutes asks getDifference") {
  Harness h;
  h.start();
  h.push(short_message(101));
  REQUIRE(h.engine.next_deadline());
  CHECK(*h.engine.next_deadline() == h.now + 15min);
  h.advance(14min);
  CHECK_FALSE(h.request());
  h.advance(1min);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->kind == RequestKind::GetDifference);
}

TEST_CASE("reconnect and new_session_created ask getDifference") {
  Harness h;
  h.start();
  h.engine.on_reconnected(h.now);
  REQUIRE(h.request());
  h.engine.on_new_session_created(h.now);  // during the fetch: one more afterwards
  h.answer(R"({"_":"updates.differenceEmpty","date":1000,"seq":50})");
  REQUIRE(h.request());
}

TEST_CASE("a fresh session asks getState, buffers until the answer and emits from the server state") {
  Harness h0;
  UpdateEngine engine(options(), h0.now);
  CHECK_FALSE(engine.has_state());
  const auto r = engine.next_request(h0.now);
  REQUIRE(r);
  CHECK(r->kind == RequestKind::GetState);
  CHECK(r->method == "updates.getState");
  engine.feed_updates(short_message(200), h0.now);
  engine.feed_updates(short_message(201), h0.now);
  CHECK(engine.take_batches().empty());
  engine.feed_answer(state_json(200), h0.now);
  const auto batches = engine.take_batches();
  REQUIRE(batches.size() == 1);
  REQUIRE(batches[0].updates.size() == 1);  // 200 is in the state already
  CHECK(batches[0].updates[0].find("\"id\":201") != std::string::npos);
  CHECK(engine.state().pts == 201);
  CHECK_FALSE(engine.next_request(h0.now));
}

TEST_CASE("an update that is not an Updates object asks getDifference") {
  Harness h;
  h.start();
  h.push("{not json");
  REQUIRE(h.request());
}

TEST_CASE("a failed getDifference is retried after the retry delay, buffering meanwhile") {
  Harness h;
  REQUIRE(h.request());
  h.fail(RequestFailure::Retry);
  CHECK_FALSE(h.request());
  REQUIRE(h.engine.next_deadline());
  CHECK(*h.engine.next_deadline() == h.now + 2s);
  h.push(short_message(101));
  CHECK(h.emitted.empty());
  h.advance(2s);
  REQUIRE(h.request());
  h.answer(R"({"_":"updates.differenceEmpty","date":1000,"seq":50})");
  CHECK(h.emitted_ids() == std::vector<long>{101});
}

TEST_CASE("a refused getDifference starts again from getState with a gap marker") {
  Harness h;
  REQUIRE(h.request());
  h.fail(RequestFailure::Refused);
  REQUIRE(h.emitted.size() == 1);
  CHECK(h.emitted[0] == R"({"_":"tgd.updatesGap","reason":"stateReset","box":"common","from_pts":100})");
  h.advance(2s);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->kind == RequestKind::GetState);
}

TEST_CASE("an answer of the wrong type counts as a failure") {
  Harness h;
  REQUIRE(h.request());
  h.answer(R"({"_":"boolTrue"})");
  h.advance(2s);
  const auto r = h.request();
  REQUIRE(r);
  CHECK(r->kind == RequestKind::GetDifference);
}

TEST_CASE("a gap two differences do not fill is applied anyway after a gap marker") {
  Harness h;
  h.start();
  h.push(short_message(103));  // 101 and 102 never come
  for (int round = 0; round < 2; ++round) {
    h.advance(500ms);
    REQUIRE(h.request());
    h.answer(R"({"_":"updates.differenceEmpty","date":1000,"seq":50})");
  }
  CHECK(h.emitted ==
        std::vector<std::string>{
            R"({"_":"tgd.updatesGap","reason":"unresolvedGap","box":"common","from_pts":100,"to_pts":102})",
            h.emitted.at(1)});
  CHECK(h.emitted_ids() == std::vector<long>{-2, 103});
  CHECK(h.engine.state().pts == 103);
  h.advance(500ms);
  CHECK_FALSE(h.request());
}
