// updates.getDifference: empty, whole, sliced, too long, and its errors.
#include <doctest/doctest.h>

#include "tests/testdc_api/updates_support.hpp"

namespace tgd::testdc::testing {

TEST_CASE("updates.getDifference: differenceEmpty at the current pts, else the new messages and the state") {
  Harness h;
  TwoUsers u(h);
  Answer empty = h.call(u.b, "updates.getDifference", difference_params(0));
  REQUIRE(empty.ok);
  CHECK(empty.type() == "updates.differenceEmpty");
  CHECK(empty.num("/seq") == 0);
  CHECK(empty.num("/date") > 0);

  REQUIRE(u.alice_says("one", 1).ok);
  REQUIRE(u.alice_says("two", 2).ok);
  Answer diff = h.call(u.b, "updates.getDifference", difference_params(0));
  REQUIRE(diff.ok);
  CHECK(diff.type() == "updates.difference");
  REQUIRE(diff.size("/new_messages") == 2);
  CHECK(diff.str("/new_messages/0/message") == "one");
  CHECK_FALSE(diff.has("/new_messages/0/out"));
  CHECK(diff.id("/new_messages/1/peer_id/user_id") == u.alice);
  CHECK(diff.size("/other_updates") == 0);
  CHECK(diff.size("/new_encrypted_messages") == 0);
  CHECK(diff.size("/users") == 2);
  CHECK(diff.num("/state/pts") == 2);
  CHECK(diff.num("/state/seq") == 0);
  Answer from1 = h.call(u.b, "updates.getDifference", difference_params(1));
  REQUIRE(from1.size("/new_messages") == 1);
  CHECK(from1.str("/new_messages/0/message") == "two");
  CHECK(h.call(u.b, "updates.getDifference", difference_params(2)).type() == "updates.differenceEmpty");
  // The sender's box has the same messages, as outgoing ones.
  Answer alices = h.call(u.a, "updates.getDifference", difference_params(0));
  CHECK(alices.at("/new_messages/0/out").get_bool().value());
  CHECK(h.encoding_failures.empty());
}

TEST_CASE(
    "updates.getDifference renders edits and deletions: an edit of a message in the same difference "
    "is folded into it, deletions come as updateDeleteMessages") {
  Harness h;
  TwoUsers u(h);
  const std::string peer = input_peer_user(h, u.alice, u.bob);
  REQUIRE(u.alice_says("one", 1).ok);
  REQUIRE(u.alice_says("two", 2).ok);
  REQUIRE(h.call(u.a, "messages.editMessage", R"({"peer":)" + peer + R"(,"id":1,"message":"uno"})").ok);
  REQUIRE(h.call(u.a, "messages.deleteMessages", R"({"revoke":true,"id":[2]})").ok);
  Answer all = h.call(u.b, "updates.getDifference", difference_params(0));
  REQUIRE(all.type() == "updates.difference");
  REQUIRE(all.size("/new_messages") == 1);  // "two" is gone
  CHECK(all.str("/new_messages/0/message") == "uno");
  REQUIRE(all.size("/other_updates") == 1);
  CHECK(all.str("/other_updates/0/_") == "updateDeleteMessages");
  CHECK(all.num("/other_updates/0/messages/0") == 2);
  CHECK(all.num("/other_updates/0/pts") == 4);
  CHECK(all.num("/state/pts") == 4);
  CHECK(all.num("/state/seq") == 2);  // the edit's and the deletion's updates
  // From after the messages: the edit comes as updateEditMessage.
  Answer later = h.call(u.b, "updates.getDifference", difference_params(2));
  REQUIRE(later.size("/other_updates") == 2);
  CHECK(later.str("/other_updates/0/_") == "updateEditMessage");
  CHECK(later.str("/other_updates/0/message/message") == "uno");
  CHECK(later.num("/other_updates/0/pts") == 3);
  CHECK(later.size("/new_messages") == 0);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE(
    "updates.getDifference slices: at most difference_slice events (or pts_limit), with intermediate_state") {
  UpdateOptions options;
  options.difference_slice = 3;
  Harness h(3, options);
  TwoUsers u(h);
  for (int i = 1; i <= 7; ++i) REQUIRE(u.alice_says("m" + std::to_string(i), i).ok);
  Answer first = h.call(u.b, "updates.getDifference", difference_params(0));
  REQUIRE(first.type() == "updates.differenceSlice");
  REQUIRE(first.size("/new_messages") == 3);
  CHECK(first.str("/new_messages/2/message") == "m3");
  CHECK(first.num("/intermediate_state/pts") == 3);
  Answer second = h.call(u.b, "updates.getDifference", difference_params(3));
  CHECK(second.type() == "updates.differenceSlice");
  CHECK(second.num("/intermediate_state/pts") == 6);
  Answer last = h.call(u.b, "updates.getDifference", difference_params(6));
  CHECK(last.type() == "updates.difference");
  CHECK(last.size("/new_messages") == 1);
  CHECK(last.num("/state/pts") == 7);
  Answer limited = h.call(u.b, "updates.getDifference", difference_params(0, R"(,"pts_limit":2)"));
  CHECK(limited.type() == "updates.differenceSlice");
  CHECK(limited.num("/intermediate_state/pts") == 2);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("updates.getDifference is differenceTooLong past the kept log or pts_total_limit") {
  UpdateOptions options;
  options.account_log_limit = 4;
  Harness h(3, options);
  TwoUsers u(h);
  for (int i = 1; i <= 6; ++i) REQUIRE(u.alice_says("m" + std::to_string(i), i).ok);
  Answer old = h.call(u.b, "updates.getDifference", difference_params(1));
  REQUIRE(old.ok);
  CHECK(old.type() == "updates.differenceTooLong");
  CHECK(old.num("/pts") == 6);
  Answer kept = h.call(u.b, "updates.getDifference", difference_params(2));  // events 3..6 are kept
  CHECK(kept.type() == "updates.difference");
  CHECK(kept.size("/new_messages") == 4);
  Answer limited = h.call(u.b, "updates.getDifference", difference_params(2, R"(,"pts_total_limit":3)"));
  CHECK(limited.type() == "updates.differenceTooLong");
  CHECK(h.call(u.b, "updates.getDifference", difference_params(3, R"(,"pts_total_limit":3)")).type() ==
        "updates.difference");
}

TEST_CASE("updates.getDifference errors: a negative pts, a pts from the future, no login") {
  Harness h;
  TwoUsers u(h);
  REQUIRE(u.alice_says("x", 1).ok);
  CHECK(h.call(u.b, "updates.getDifference", difference_params(-1)).error ==
        ApiError{400, "PERSISTENT_TIMESTAMP_EMPTY"});
  CHECK(h.call(u.b, "updates.getDifference", difference_params(2)).error ==
        ApiError{400, "PERSISTENT_TIMESTAMP_INVALID"});
  Client anonymous = h.client(1);
  CHECK(h.call(anonymous, "updates.getDifference", difference_params(0)).error ==
        ApiError{401, "AUTH_KEY_UNREGISTERED"});
}

}  // namespace tgd::testdc::testing
