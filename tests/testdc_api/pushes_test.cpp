// Pushed updates of private chats: who gets them (subscription, invokeWithoutUpdates), their short
// and full forms, seq, and the push faults.
#include <doctest/doctest.h>

#include "tests/testdc/api/actions.hpp"
#include "tests/testdc_api/updates_support.hpp"

namespace tgd::testdc::testing {

TEST_CASE(
    "a private message is pushed to the recipient as updateShortMessage and out=true to the sender's "
    "other sessions, not to the calling one") {
  Harness h;
  TwoUsers u(h);
  Client a2 = h.sibling(u.a);
  REQUIRE(h.call(a2, "updates.getState").ok);
  Answer sent = u.alice_says("hello", 1);
  REQUIRE(sent.ok);
  CHECK(sent.type() == "updateShortSentMessage");

  auto to_bob = h.take_pushes(u.b);
  REQUIRE(to_bob.size() == 1);
  const Answer& in = to_bob[0].updates;
  CHECK(in.type() == "updateShortMessage");
  CHECK_FALSE(in.has("/out"));
  CHECK(in.id("/user_id") == u.alice);
  CHECK(in.str("/message") == "hello");
  CHECK(in.num("/pts") == 1);
  CHECK(in.num("/pts_count") == 1);
  CHECK(in.num("/id") == 1);

  auto to_a2 = h.take_pushes(a2);
  REQUIRE(to_a2.size() == 1);
  CHECK(to_a2[0].updates.type() == "updateShortMessage");
  CHECK(to_a2[0].updates.at("/out").get_bool().value());
  CHECK(to_a2[0].updates.id("/user_id") == u.bob);
  CHECK(to_a2[0].updates.num("/pts") == sent.num("/pts"));
  CHECK(h.take_pushes(u.a).empty());  // the caller has the answer
  CHECK(h.pushes.empty());
  CHECK(h.world().pushes().stats().pushes == 2);
  CHECK(h.world().pushes().stats().updates == 2);
}

TEST_CASE(
    "private message pushes written directly as TL are what the codec makes of their JSON, byte for byte") {
  Harness h;
  TwoUsers u(h);
  Client a2 = h.sibling(u.a);
  REQUIRE(h.call(a2, "updates.getState").ok);
  World& w = h.world();
  Account& alice = *w.find_account(u.alice);
  Account& bob = *w.find_account(u.bob);
  const std::string one[] = {std::string(300, 'x')};  // a long string's length takes 4 bytes
  api::send_private(w, alice, bob, one, true, u.a.session());
  const std::string several[] = {"a", "bc", "def"};
  api::send_private(w, alice, bob, several, false, u.a.session());
  REQUIRE(h.pushes.size() == 4);  // each form to Bob and to Alice's other session
  for (const Pushed& p : h.pushes) {
    CAPTURE(p.updates.json);
    CHECK(w.encode_updates(p.updates.json) == p.bytes);
  }
  const auto to_bob = h.take_pushes(u.b);
  const Answer& batch = to_bob.back().updates;
  CHECK(batch.type() == "updates");
  CHECK(batch.size("/updates") == 3);
  CHECK(batch.str("/updates/2/message/message") == "def");
  CHECK(batch.num("/updates/2/pts") == 4);
  CHECK(batch.num("/seq") == 1);
  CHECK(batch.size("/users") == 2);
  CHECK(batch.size("/chats") == 0);
}

TEST_CASE("sessions get pushes only after an authorized call, and never after invokeWithoutUpdates") {
  Harness h;
  TwoUsers u(h);
  Client quiet = h.sibling(u.b);    // same key as Bob's client, no call yet
  Client files = h.sibling(quiet);  // a session that uses invokeWithoutUpdates
  files.session_id += 1;
  REQUIRE(h.call_without_updates(files, "updates.getState").ok);
  REQUIRE(u.alice_says("one", 1).ok);
  CHECK(h.take_pushes(quiet).empty());
  CHECK(h.take_pushes(files).empty());
  CHECK(h.take_pushes(u.b).size() == 1);

  REQUIRE(h.call(quiet, "updates.getState").ok);
  REQUIRE(h.call(files, "updates.getState").ok);  // once opted out, always out
  CHECK(h.world().pushes().opted_out(files.session()));
  REQUIRE(u.alice_says("two", 2).ok);
  CHECK(h.take_pushes(quiet).size() == 1);
  CHECK(h.take_pushes(files).empty());
  CHECK(h.take_pushes(u.b).size() == 1);

  // A key logged out (or in as someone else) stops getting the account's pushes.
  REQUIRE(h.call(u.b, "auth.logOut").ok);
  REQUIRE(u.alice_says("three", 3).ok);
  CHECK(h.pushes.empty());
  CHECK(h.world().pushes().stats().unsubscribed == 2);
}

TEST_CASE("getState follows pts and seq: seq counts the pushed updates containers that carry it") {
  Harness h;
  TwoUsers u(h);
  REQUIRE(u.alice_says("a", 1).ok);
  REQUIRE(u.alice_says("b", 2).ok);
  Answer state = h.call(u.b, "updates.getState");
  CHECK(state.type() == "updates.state");
  CHECK(state.num("/pts") == 2);
  CHECK(state.num("/seq") == 0);  // updateShortMessage carries no seq
  CHECK(state.num("/qts") == 0);
  CHECK(state.num("/date") > 0);
  // An edit comes as updates with seq: Bob's seq moves to 1.
  REQUIRE(h.call(u.a, "messages.editMessage",
                 R"({"peer":)" + input_peer_user(h, u.alice, u.bob) + R"(,"id":1,"message":"a2"})")
              .ok);
  auto edits = h.take_pushes(u.b);
  REQUIRE(edits.size() == 3);  // two messages and the edit
  CHECK(edits[2].updates.type() == "updates");
  CHECK(edits[2].updates.num("/seq") == 1);
  CHECK(h.call(u.b, "updates.getState").num("/seq") == 1);
  CHECK(h.call(u.b, "updates.getState").num("/pts") == 3);
}

TEST_CASE(
    "messages.editMessage: both boxes change, updateEditMessage pushed, the caller's answer carries seq") {
  Harness h;
  TwoUsers u(h);
  REQUIRE(u.alice_says("typo", 1).ok);
  h.pushes.clear();
  const std::string peer = input_peer_user(h, u.alice, u.bob);
  Answer edited = h.call(u.a, "messages.editMessage", R"({"peer":)" + peer + R"(,"id":1,"message":"fixed"})");
  REQUIRE(edited.ok);
  CHECK(edited.type() == "updates");
  CHECK(edited.str("/updates/0/_") == "updateEditMessage");
  CHECK(edited.str("/updates/0/message/message") == "fixed");
  CHECK(edited.num("/updates/0/message/edit_date") > 0);
  CHECK(edited.num("/updates/0/pts") == 2);
  CHECK(edited.num("/updates/0/pts_count") == 1);
  CHECK(edited.num("/seq") == 1);
  CHECK(edited.size("/users") == 2);
  auto to_bob = h.take_pushes(u.b);
  REQUIRE(to_bob.size() == 1);
  CHECK(to_bob[0].updates.str("/updates/0/_") == "updateEditMessage");
  CHECK(to_bob[0].updates.str("/updates/0/message/message") == "fixed");
  CHECK(to_bob[0].updates.num("/updates/0/message/id") == 1);
  CHECK(to_bob[0].updates.num("/updates/0/pts") == 2);
  CHECK(h.world().find_account(u.bob)->messages[0].text == "fixed");

  CHECK(h.call(u.a, "messages.editMessage", R"({"peer":)" + peer + R"(,"id":1,"message":"fixed"})").error ==
        ApiError{400, "MESSAGE_NOT_MODIFIED"});
  CHECK(h.call(u.a, "messages.editMessage", R"({"peer":)" + peer + R"(,"id":9,"message":"x"})").error ==
        ApiError{400, "MESSAGE_ID_INVALID"});
  CHECK(h.call(u.a, "messages.editMessage", R"({"peer":)" + peer + R"(,"id":1,"message":" "})").error ==
        ApiError{400, "MESSAGE_EMPTY"});
  CHECK(h.call(u.b, "messages.editMessage",
               R"({"peer":)" + input_peer_user(h, u.bob, u.alice) + R"(,"id":1,"message":"mine?"})")
            .error == ApiError{403, "MESSAGE_AUTHOR_REQUIRED"});
  CHECK(h.encoding_failures.empty());
}

TEST_CASE(
    "messages.deleteMessages: affectedMessages for the caller, updateDeleteMessages pushed, revoke "
    "deletes the other side's copy") {
  Harness h;
  TwoUsers u(h);
  REQUIRE(u.alice_says("one", 1).ok);
  REQUIRE(u.alice_says("two", 2).ok);
  REQUIRE(u.alice_says("three", 3).ok);
  Client a2 = h.sibling(u.a);
  REQUIRE(h.call(a2, "updates.getState").ok);
  h.pushes.clear();

  Answer own = h.call(u.a, "messages.deleteMessages", R"({"id":[1,99]})");
  REQUIRE(own.ok);
  CHECK(own.type() == "messages.affectedMessages");
  CHECK(own.num("/pts") == 4);
  CHECK(own.num("/pts_count") == 1);
  CHECK(h.take_pushes(u.b).empty());  // without revoke Bob keeps his copy
  auto to_a2 = h.take_pushes(a2);
  REQUIRE(to_a2.size() == 1);
  CHECK(to_a2[0].updates.str("/updates/0/_") == "updateDeleteMessages");
  CHECK(to_a2[0].updates.num("/updates/0/messages/0") == 1);
  CHECK(to_a2[0].updates.num("/updates/0/pts") == 4);

  Answer both = h.call(u.a, "messages.deleteMessages", R"({"revoke":true,"id":[2,3]})");
  CHECK(both.num("/pts") == 6);  // pts moves by pts_count
  CHECK(both.num("/pts_count") == 2);
  auto to_bob = h.take_pushes(u.b);
  REQUIRE(to_bob.size() == 1);
  CHECK(to_bob[0].updates.str("/updates/0/_") == "updateDeleteMessages");
  CHECK(to_bob[0].updates.size("/updates/0/messages") == 2);
  CHECK(to_bob[0].updates.num("/updates/0/pts") == 5);  // Bob's box: 3 messages, then these 2
  CHECK(to_bob[0].updates.num("/updates/0/pts_count") == 2);
  CHECK(h.world().find_account(u.bob)->messages.size() == 1);
  // Nothing left to delete: the pts stays.
  Answer none = h.call(u.a, "messages.deleteMessages", R"({"id":[2]})");
  CHECK(none.num("/pts") == 6);
  CHECK(none.num("/pts_count") == 0);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("push faults: drop, duplicate, reorder and delay act on the next N pushes of the account") {
  Harness h;
  TwoUsers u(h);
  PushFaults& f = h.world().pushes().faults(u.bob);

  f.drop = 1;
  REQUIRE(u.alice_says("dropped", 1).ok);
  CHECK(h.take_pushes(u.b).empty());
  CHECK(h.call(u.b, "updates.getState").num("/pts") == 1);  // the state moved on all the same

  f.duplicate = 1;
  REQUIRE(u.alice_says("twice", 2).ok);
  auto dup = h.take_pushes(u.b);
  REQUIRE(dup.size() == 2);
  CHECK(dup[0].updates.json == dup[1].updates.json);

  f.reorder = 1;
  REQUIRE(u.alice_says("first", 3).ok);
  CHECK(h.take_pushes(u.b).empty());  // held
  REQUIRE(u.alice_says("second", 4).ok);
  auto swapped = h.take_pushes(u.b);
  REQUIRE(swapped.size() == 2);
  CHECK(swapped[0].updates.str("/message") == "second");
  CHECK(swapped[1].updates.str("/message") == "first");
  f.reorder = 1;
  REQUIRE(u.alice_says("held", 5).ok);
  h.world().pushes().release_held(u.bob);
  CHECK(h.take_pushes(u.b).size() == 1);

  f.delay = std::chrono::milliseconds(250);
  f.delay_count = 1;
  REQUIRE(u.alice_says("late", 6).ok);
  REQUIRE(u.alice_says("on time", 7).ok);
  auto timed = h.take_pushes(u.b);
  REQUIRE(timed.size() == 2);
  CHECK(timed[0].delay == std::chrono::milliseconds(250));
  CHECK(timed[1].delay == std::chrono::milliseconds(0));

  h.world().pushes().too_long(u.bob);
  auto too_long = h.take_pushes(u.b);
  REQUIRE(too_long.size() == 1);
  CHECK(too_long[0].updates.type() == "updatesTooLong");
  const PushStats& s = h.world().pushes().stats();
  CHECK(s.dropped == 1);
  CHECK(s.duplicated == 1);
  CHECK(s.reordered == 2);
  CHECK(s.delayed == 1);
  CHECK(s.too_long == 1);
}

}  // namespace tgd::testdc::testing
