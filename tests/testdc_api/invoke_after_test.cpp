// invokeAfterMsg / invokeAfterMsgs (invoke_after.hpp) at the Api level: a wrapped query runs only
// after the named queries of its session were answered, fails with MSG_WAIT_FAILED after an
// rpc_error, waits (answered late) for those not processed yet, and times out with
// MSG_WAIT_TIMEOUT after 0.5 s. Sockets, containers and connections: invoke_after_socket_test.cpp.
#include <doctest/doctest.h>

#include <chrono>

#include "tests/testdc_api/files_support.hpp"
#include "tests/testdc_api/harness.hpp"

namespace tgd::testdc::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const ApiError kWaitFailed{400, "MSG_WAIT_FAILED"};
const ApiError kWaitTimeout{400, "MSG_WAIT_TIMEOUT"};

// Alice, logged in and initialised, sending to her Saved Messages: the box shows what ran, in order.
struct Alice {
  Harness h;
  std::int64_t id = 0;
  Client c;
  Alice() {
    c = h.user("9996611000", "Alice", &id);
    REQUIRE(h.call(c, "updates.getState").ok);
  }
  static std::string text(std::string_view t, std::int64_t random_id) {
    return R"({"peer":{"_":"inputPeerSelf"},"message":")" + std::string(t) + R"(","random_id":")" +
           std::to_string(random_id) + "\"}";
  }
  Answer send(std::string_view t, std::int64_t random_id) {
    return h.call(c, "messages.sendMessage", text(t, random_id));
  }
  Answer send_after(const std::vector<std::uint64_t>& after, std::string_view t, std::int64_t random_id) {
    return h.call_after(c, after, "messages.sendMessage", text(t, random_id));
  }
  // The texts of the box, oldest first.
  std::vector<std::string> box() {
    std::vector<std::string> out;
    for (const Message& m : h.world().find_account(id)->messages) out.push_back(m.text);
    return out;
  }
};

using Texts = std::vector<std::string>;

}  // namespace

TEST_CASE("invokeAfterMsg naming an answered query runs at once, naming a failed one is MSG_WAIT_FAILED") {
  Alice a;
  REQUIRE(a.send("one", 1).ok);
  const std::uint64_t one = a.c.last_msg_id;
  Answer two = a.send_after({one}, "two", 2);
  REQUIRE(two.ok);
  CHECK(two.type() == "updateShortSentMessage");

  // An rpc_error of any kind (an injected FLOOD_WAIT here) fails what names it, without running it.
  a.h.world().inject_error("messages.sendMessage", ApiError{420, "FLOOD_WAIT_1"});
  CHECK(a.send("three", 3).error == ApiError{420, "FLOOD_WAIT_1"});
  const std::uint64_t three = a.c.last_msg_id;
  CHECK(a.send_after({three}, "four", 4).error == kWaitFailed);
  // MSG_WAIT_FAILED is an rpc_error too: the chain fails link by link (the docs' scenario 1.1).
  const std::uint64_t four = a.c.last_msg_id;
  CHECK(a.send_after({four}, "five", 5).error == kWaitFailed);
  CHECK(a.box() == Texts{"one", "two"});
  // The failure does not stick to the session: a query naming a good one still runs.
  CHECK(a.send_after({one}, "six", 6).ok);
  CHECK(a.h.late.empty());
  CHECK(a.h.encoding_failures.empty());
}

TEST_CASE(
    "a query naming one that has not come yet waits, without holding up others, and runs right after "
    "it (ordering inside one container: [B after A, A])") {
  Alice a;
  Client other = a.h.sibling(a.c);
  const std::uint64_t b_id = a.h.next_msg_id();
  const std::uint64_t a_id = b_id + 8;  // named before it is sent; another session's call comes between
  Answer b = a.send_after({a_id}, "b", 1);
  CHECK(b.waiting);
  CHECK(a.h.api(a.c.dc).ordering().waiting() == 1);
  CHECK(a.h.api(a.c.dc).next_deadline());
  CHECK(a.box().empty());
  CHECK(a.h.call(other, "help.getNearestDc").ok);  // not held up
  REQUIRE(a.send("a", 2).ok);
  CHECK(a.c.last_msg_id == a_id);
  // B ran right after A, before handle returned: its answer is a late one.
  REQUIRE(a.h.late.size() == 1);
  CHECK(a.h.late[0].msg_id == b_id);
  REQUIRE(a.h.late[0].answer.ok);
  CHECK(a.h.late[0].answer.num("/id") == 2);
  CHECK(a.box() == Texts{"a", "b"});
  CHECK(a.h.api(a.c.dc).ordering().waiting() == 0);
  CHECK_FALSE(a.h.api(a.c.dc).next_deadline());
  // The waiter counts as processed: a query naming it runs at once.
  CHECK(a.send_after({b_id}, "c", 3).ok);
  CHECK(a.box() == Texts{"a", "b", "c"});
}

TEST_CASE("a chain that arrives back to front runs front to back once its head comes") {
  Alice a;
  const std::uint64_t base = a.h.next_msg_id();
  // Sent in the order d, c, b, then a; each names the next one sent (its predecessor in the chain).
  CHECK(a.send_after({base + 4}, "d", 4).waiting);   // d after c
  CHECK(a.send_after({base + 8}, "c", 3).waiting);   // c after b
  CHECK(a.send_after({base + 12}, "b", 2).waiting);  // b after a
  REQUIRE(a.send("a", 1).ok);                        // base + 12
  CHECK(a.c.last_msg_id == base + 12);
  REQUIRE(a.h.late.size() == 3);
  CHECK(a.h.late[0].msg_id == base + 8);
  CHECK(a.h.late[1].msg_id == base + 4);
  CHECK(a.h.late[2].msg_id == base);
  for (const auto& l : a.h.late) CHECK(l.answer.ok);
  CHECK(a.box() == Texts{"a", "b", "c", "d"});
}

TEST_CASE(
    "a named msg_id the session never saw is waited for 0.5 s, then MSG_WAIT_TIMEOUT, and whatever was "
    "chained to that fails with MSG_WAIT_FAILED") {
  Alice a;
  const auto before = Clock::now();
  CHECK(a.send_after({0x1234560}, "x", 1).waiting);
  const std::uint64_t x = a.c.last_msg_id;
  CHECK(a.send_after({x}, "y", 2).waiting);
  const std::uint64_t y = a.c.last_msg_id;
  const auto deadline = a.h.api(a.c.dc).next_deadline();
  REQUIRE(deadline);
  CHECK(*deadline >= before + 500ms);
  CHECK(*deadline <= Clock::now() + 500ms);
  a.h.expire(a.c.dc, *deadline - 1ms);
  CHECK(a.h.late.empty());
  a.h.expire(a.c.dc, *deadline);
  REQUIRE(a.h.late.size() == 2);
  CHECK(a.h.late[0].msg_id == x);
  CHECK(a.h.late[0].answer.error == kWaitTimeout);
  CHECK(a.h.late[1].msg_id == y);
  CHECK(a.h.late[1].answer.error == kWaitFailed);
  CHECK(a.box().empty());
  // Resent as the docs say (the same wrapper, the same id): it is still unknown, so it waits again.
  CHECK(a.send_after({0x1234560}, "x", 3).waiting);
}

TEST_CASE("msg_ids are per session: another session of the same auth key naming them waits and times out") {
  Alice a;
  REQUIRE(a.send("one", 1).ok);
  const std::uint64_t one = a.c.last_msg_id;
  Client other = a.h.sibling(a.c);
  CHECK(a.h.call_after(other, {one}, "messages.sendMessage", Alice::text("two", 2)).waiting);
  a.h.expire(other.dc, Clock::now() + 1s);
  REQUIRE(a.h.late.size() == 1);
  CHECK(a.h.late[0].answer.error == kWaitTimeout);
  CHECK(a.box() == Texts{"one"});
}

TEST_CASE(
    "invokeAfterMsgs waits for every named query, and one failure fails it at once, even with others "
    "pending (the docs' scenario 2)") {
  Alice a;
  REQUIRE(a.send("one", 1).ok);
  const std::uint64_t one = a.c.last_msg_id;
  const std::uint64_t next = a.h.next_msg_id();
  CHECK(a.send_after({one, next + 4}, "three", 3).waiting);  // waits for "two"
  REQUIRE(a.send("two", 2).ok);
  REQUIRE(a.h.late.size() == 1);
  CHECK(a.h.late[0].answer.ok);
  CHECK(a.box() == Texts{"one", "two", "three"});
  a.h.late.clear();

  a.h.world().inject_error("messages.sendMessage", ApiError{420, "FLOOD_WAIT_2"});
  CHECK(a.send("four", 4).error.message == "FLOOD_WAIT_2");
  const std::uint64_t four = a.c.last_msg_id;
  // One named query failed, one has not come: no waiting.
  CHECK(a.send_after({0x7777770, four}, "five", 5).error == kWaitFailed);
  // A pending one that then fails fails the waiter.
  const std::uint64_t six = a.h.next_msg_id() + 4;
  CHECK(a.send_after({one, six}, "seven", 7).waiting);
  a.h.world().inject_error("messages.sendMessage", ApiError{400, "PEER_FLOOD"});
  CHECK(a.send("six", 6).error.message == "PEER_FLOOD");
  CHECK(a.c.last_msg_id == six);
  REQUIRE(a.h.late.size() == 1);
  CHECK(a.h.late[0].answer.error == kWaitFailed);
  CHECK(a.box() == Texts{"one", "two", "three"});
  CHECK(a.h.call_after(a.c, {}, "updates.getState").ok);  // an empty list: nothing to wait for
}

TEST_CASE("a session remembers the outcomes of its last 4096 queries: older ones count as never seen") {
  Alice a;
  REQUIRE(a.send("first", 1).ok);
  const std::uint64_t first = a.c.last_msg_id;
  CHECK(a.h.call_after(a.c, {first}, "help.getNearestDc").ok);
  for (std::size_t i = 0; i < InvokeAfter::kRemembered; ++i) REQUIRE(a.h.call(a.c, "help.getNearestDc").ok);
  CHECK(a.h.api(a.c.dc).ordering().remembered(CallContext{a.c.dc, a.c.auth_key_id, a.c.session_id}) ==
        InvokeAfter::kRemembered);
  CHECK(a.h.call_after(a.c, {first}, "help.getNearestDc").waiting);
  CHECK(a.h.call_after(a.c, {a.c.last_msg_id - 4}, "help.getNearestDc").ok);  // the newest is known
}

TEST_CASE(
    "file parts in invokeAfterMsg (the fast path) wait and fail like other queries: a part naming a "
    "failed query is not saved, one naming a pending query is saved when that one is answered") {
  Harness h;
  std::int64_t alice = 0;
  Client c = h.user("9996611000", "Alice", &alice);
  REQUIRE(h.call(c, "updates.getState").ok);
  const Bytes part = file_bytes(1024);
  const std::string save = R"({"file_id":"9","file_part":0,"bytes":")" + b64(part) + "\"}";
  h.world().inject_error("updates.getState", ApiError{420, "FLOOD_WAIT_1"});
  REQUIRE_FALSE(h.call(c, "updates.getState").ok);
  CHECK(h.call_after(c, {c.last_msg_id}, "upload.saveFilePart", save).error == kWaitFailed);
  CHECK(h.world().files().stats().parts_saved == 0);

  const std::uint64_t waiting_for = h.next_msg_id() + 4;
  CHECK(h.call_after(c, {waiting_for}, "upload.saveFilePart", save).waiting);
  CHECK(h.world().files().stats().parts_saved == 0);
  REQUIRE(h.call(c, "updates.getState").ok);
  REQUIRE(h.late.size() == 1);
  CHECK(h.late[0].answer.ok);
  CHECK(h.late[0].answer.json == "true");
  CHECK(h.world().files().stats().parts_saved == 1);
  // The part is there: a file of it can be sent.
  CHECK(h.call(c, "messages.sendMedia",
               R"({"peer":{"_":"inputPeerSelf"},"media":)" +
                   uploaded_document(input_file(9, 1, "a.bin", "")) + R"(,"message":"","random_id":"5"})")
            .ok);
}

TEST_CASE("invokeAfterMsg nested inside another wrapper is not honoured (it must be the outermost)") {
  Alice a;
  // invokeWithoutUpdates(invokeAfterMsg(an id never seen, updates.getState)): unwrapped, runs at once.
  Answer inner = a.h.call_json(
      a.c, "updates.getState",
      R"({"_":"invokeWithoutUpdates","query":{"_":"invokeAfterMsg","msg_id":"19088736","query":)"
      R"({"_":"updates.getState"}}})");
  CHECK(inner.ok);
  CHECK(a.h.api(a.c.dc).ordering().waiting() == 0);
}

}  // namespace tgd::testdc::testing
