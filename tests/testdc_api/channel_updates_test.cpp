// Channels and updates: public usernames, joinChannel, posts/edits/deletions pushed to members,
// updates.getChannelDifference.
#include <doctest/doctest.h>

#include "tests/testdc_api/updates_support.hpp"

namespace tgd::testdc::testing {
namespace {

// Alice's public supergroup "talk_here" that Bob joined; returns its id.
std::int64_t public_group(TwoUsers& u) {
  Harness& h = u.h;
  Answer created = h.call(u.a, "channels.createChannel", R"({"megagroup":true,"title":"Talk","about":""})");
  REQUIRE(created.ok);
  const std::int64_t id = created.id("/chats/0/id");
  REQUIRE(h.call(u.a, "channels.updateUsername",
                 R"({"channel":)" + input_channel(h, u.alice, id) + R"(,"username":"talk_here"})")
              .ok);
  Answer joined = h.call(u.b, "channels.joinChannel", R"({"channel":)" + input_channel(h, u.bob, id) + "}");
  REQUIRE(joined.ok);
  h.pushes.clear();
  return id;
}

}  // namespace

TEST_CASE("channels.joinChannel: public channels only, updates with updateChannel, the member then reads") {
  Harness h;
  TwoUsers u(h);
  Answer created = h.call(u.a, "channels.createChannel", R"({"broadcast":true,"title":"News","about":""})");
  const std::int64_t id = created.id("/chats/0/id");
  const std::string as_bob = R"({"channel":)" + input_channel(h, u.bob, id) + "}";
  CHECK(h.call(u.b, "channels.joinChannel", as_bob).error == ApiError{400, "CHANNEL_PRIVATE"});
  CHECK(h.call(u.b, "channels.joinChannel", R"({"channel":)" + input_channel(h, u.alice, id) + "}").error ==
        ApiError{400, "CHANNEL_INVALID"});  // Alice's access hash
  CHECK(h.call(u.b, "channels.updateUsername",
               R"({"channel":)" + input_channel(h, u.bob, id) + R"(,"username":"news_here"})")
            .error == ApiError{403, "CHAT_ADMIN_REQUIRED"});
  const std::string rename = R"({"channel":)" + input_channel(h, u.alice, id) + R"(,"username":"news_here"})";
  Answer renamed = h.call(u.a, "channels.updateUsername", rename);
  REQUIRE(renamed.ok);
  CHECK(renamed.json == "true");
  CHECK(h.call(u.a, "channels.updateUsername", rename).error == ApiError{400, "USERNAME_NOT_MODIFIED"});
  // Bob finds it by name (his own access hash) and joins.
  Answer resolved = h.call(u.b, "contacts.resolveUsername", R"({"username":"news_here"})");
  REQUIRE(resolved.ok);
  CHECK(resolved.id("/chats/0/access_hash") == h.channel_hash(u.bob, id));
  Answer joined = h.call(u.b, "channels.joinChannel", as_bob);
  REQUIRE(joined.ok);
  CHECK(joined.type() == "updates");
  CHECK(joined.str("/updates/0/_") == "updateChannel");
  CHECK(joined.id("/updates/0/channel_id") == id);
  CHECK(joined.size("/chats") == 1);
  CHECK_FALSE(joined.has("/chats/0/left"));
  CHECK(h.world().find_channel(id)->members.count(u.bob));
  CHECK(h.call(u.b, "channels.joinChannel", as_bob).error == ApiError{400, "USER_ALREADY_PARTICIPANT"});
  CHECK(
      h.call(
           u.b, "messages.getHistory",
           R"({"peer":)" + input_peer_channel(h, u.bob, id) +
               R"(,"offset_id":0,"offset_date":0,"add_offset":0,"limit":10,"max_id":0,"min_id":0,"hash":"0"})")
          .ok);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE(
    "channel posts, edits and deletions are pushed to every member as updates with the channel pts and "
    "seq 0") {
  Harness h;
  TwoUsers u(h);
  const std::int64_t id = public_group(u);
  Answer posted = h.call(u.b, "messages.sendMessage", send_to(input_peer_channel(h, u.bob, id), "hi all", 1));
  REQUIRE(posted.ok);
  CHECK(posted.num("/updates/1/pts") == 2);
  auto to_alice = h.take_pushes(u.a);
  REQUIRE(to_alice.size() == 1);
  const Answer& p = to_alice[0].updates;
  CHECK(p.type() == "updates");
  CHECK(p.num("/seq") == 0);
  CHECK(p.size("/updates") == 1);
  CHECK(p.str("/updates/0/_") == "updateNewChannelMessage");
  CHECK(p.str("/updates/0/message/message") == "hi all");
  CHECK_FALSE(p.has("/updates/0/message/out"));
  CHECK(p.num("/updates/0/pts") == 2);
  CHECK(p.id("/chats/0/id") == id);
  CHECK(p.id("/chats/0/access_hash") == h.channel_hash(u.alice, id));
  CHECK(p.id("/users/0/id") == u.bob);
  CHECK(h.take_pushes(u.b).empty());

  Answer edited =
      h.call(u.b, "messages.editMessage",
             R"({"peer":)" + input_peer_channel(h, u.bob, id) + R"(,"id":2,"message":"hi everyone"})");
  REQUIRE(edited.ok);
  CHECK(edited.str("/updates/0/_") == "updateEditChannelMessage");
  CHECK(edited.num("/updates/0/pts") == 3);
  auto edit_push = h.take_pushes(u.a);
  REQUIRE(edit_push.size() == 1);
  CHECK(edit_push[0].updates.str("/updates/0/_") == "updateEditChannelMessage");
  CHECK(edit_push[0].updates.str("/updates/0/message/message") == "hi everyone");
  CHECK(h.call(u.a, "messages.editMessage",
               R"({"peer":)" + input_peer_channel(h, u.alice, id) + R"(,"id":2,"message":"not mine"})")
            .error == ApiError{403, "MESSAGE_AUTHOR_REQUIRED"});

  // Bob may delete his own message only; Alice (the creator) any.
  CHECK(
      h.call(u.b, "channels.deleteMessages", R"({"channel":)" + input_channel(h, u.bob, id) + R"(,"id":[1]})")
          .error == ApiError{403, "MESSAGE_DELETE_FORBIDDEN"});
  Answer deleted = h.call(u.a, "channels.deleteMessages",
                          R"({"channel":)" + input_channel(h, u.alice, id) + R"(,"id":[2,77]})");
  REQUIRE(deleted.ok);
  CHECK(deleted.type() == "messages.affectedMessages");
  CHECK(deleted.num("/pts") == 4);
  CHECK(deleted.num("/pts_count") == 1);
  auto delete_push = h.take_pushes(u.b);
  REQUIRE(delete_push.size() == 1);
  CHECK(delete_push[0].updates.str("/updates/0/_") == "updateDeleteChannelMessages");
  CHECK(delete_push[0].updates.id("/updates/0/channel_id") == id);
  CHECK(delete_push[0].updates.num("/updates/0/messages/0") == 2);
  CHECK(delete_push[0].updates.num("/updates/0/pts") == 4);
  CHECK(h.call(u.b, "updates.getState").num("/seq") == 0);  // channels leave the account's seq alone
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("updates.getChannelDifference: empty (final, timeout), slices of `limit` events, then final") {
  Harness h;
  TwoUsers u(h);
  const std::int64_t id = public_group(u);
  const std::string channel = input_channel(h, u.bob, id);
  Answer empty = h.call(u.b, "updates.getChannelDifference", channel_difference_params(channel, 1, 100));
  REQUIRE(empty.ok);
  CHECK(empty.type() == "updates.channelDifferenceEmpty");
  CHECK(empty.at("/final").get_bool().value());
  CHECK(empty.num("/pts") == 1);
  CHECK(empty.num("/timeout") == 30);
  for (int i = 1; i <= 5; ++i) {
    REQUIRE(h.call(u.a, "messages.sendMessage",
                   send_to(input_peer_channel(h, u.alice, id), "p" + std::to_string(i), i))
                .ok);
  }
  REQUIRE(h.call(u.a, "messages.editMessage",
                 R"({"peer":)" + input_peer_channel(h, u.alice, id) + R"(,"id":6,"message":"p5!"})")
              .ok);
  Answer part = h.call(u.b, "updates.getChannelDifference", channel_difference_params(channel, 1, 3));
  REQUIRE(part.type() == "updates.channelDifference");
  CHECK_FALSE(part.has("/final"));
  CHECK(part.num("/pts") == 4);
  REQUIRE(part.size("/new_messages") == 3);
  CHECK(part.str("/new_messages/0/message") == "p1");
  Answer rest = h.call(u.b, "updates.getChannelDifference", channel_difference_params(channel, 4, 3));
  CHECK(rest.at("/final").get_bool().value());
  CHECK(rest.num("/pts") == 7);
  REQUIRE(rest.size("/new_messages") == 2);
  CHECK(rest.str("/new_messages/1/message") == "p5!");  // the edit is folded in
  CHECK(rest.size("/other_updates") == 0);
  Answer edit_only = h.call(u.b, "updates.getChannelDifference", channel_difference_params(channel, 6, 100));
  REQUIRE(edit_only.size("/other_updates") == 1);
  CHECK(edit_only.str("/other_updates/0/_") == "updateEditChannelMessage");
  CHECK(edit_only.size("/chats") == 1);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE(
    "updates.getChannelDifference: channelDifferenceTooLong past the kept log, with the dialog and "
    "the latest messages") {
  UpdateOptions options;
  options.channel_log_limit = 3;
  Harness h(3, options);
  TwoUsers u(h);
  const std::int64_t id = public_group(u);
  for (int i = 1; i <= 5; ++i) {
    REQUIRE(h.call(u.a, "messages.sendMessage",
                   send_to(input_peer_channel(h, u.alice, id), "p" + std::to_string(i), i))
                .ok);
  }
  const std::string channel = input_channel(h, u.bob, id);
  Answer too_long = h.call(u.b, "updates.getChannelDifference", channel_difference_params(channel, 1, 2));
  REQUIRE(too_long.ok);
  CHECK(too_long.type() == "updates.channelDifferenceTooLong");
  CHECK(too_long.at("/final").get_bool().value());
  CHECK(too_long.num("/dialog/pts") == 6);
  CHECK(too_long.num("/dialog/top_message") == 6);
  CHECK(too_long.num("/dialog/unread_count") == 6);
  REQUIRE(too_long.size("/messages") == 2);
  CHECK(too_long.str("/messages/0/message") == "p5");
  CHECK(too_long.size("/chats") == 1);
  CHECK(h.call(u.b, "updates.getChannelDifference", channel_difference_params(channel, 3, 10)).type() ==
        "updates.channelDifference");
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("updates.getChannelDifference errors: CHANNEL_INVALID, CHANNEL_PRIVATE, PERSISTENT_TIMESTAMP_*") {
  Harness h;
  TwoUsers u(h);
  Answer created = h.call(u.a, "channels.createChannel", R"({"broadcast":true,"title":"Secret","about":""})");
  const std::int64_t id = created.id("/chats/0/id");
  CHECK(h.call(u.b, "updates.getChannelDifference",
               channel_difference_params(input_channel(h, u.alice, id), 1, 10))
            .error == ApiError{400, "CHANNEL_INVALID"});
  CHECK(h.call(u.b, "updates.getChannelDifference",
               channel_difference_params(input_channel(h, u.bob, id), 1, 10))
            .error == ApiError{406, "CHANNEL_PRIVATE"});
  const std::string mine = input_channel(h, u.alice, id);
  CHECK(h.call(u.a, "updates.getChannelDifference", channel_difference_params(mine, 0, 10)).error ==
        ApiError{400, "PERSISTENT_TIMESTAMP_EMPTY"});
  CHECK(h.call(u.a, "updates.getChannelDifference", channel_difference_params(mine, 2, 10)).error ==
        ApiError{400, "PERSISTENT_TIMESTAMP_INVALID"});
}

TEST_CASE("the common difference names channels with news since `date` as updateChannelTooLong") {
  Harness h;
  TwoUsers u(h);
  const std::int64_t id = public_group(u);
  REQUIRE(h.call(u.a, "messages.sendMessage", send_to(input_peer_channel(h, u.alice, id), "news", 1)).ok);
  Answer diff = h.call(u.b, "updates.getDifference", difference_params(0));
  REQUIRE(diff.type() == "updates.difference");
  REQUIRE(diff.size("/other_updates") == 1);
  CHECK(diff.str("/other_updates/0/_") == "updateChannelTooLong");
  CHECK(diff.id("/other_updates/0/channel_id") == id);
  CHECK(diff.id("/chats/0/id") == id);
}

}  // namespace tgd::testdc::testing
