// The test DC's pushed updates over loopback TCP, received by tgd's MtprotoClient (on_update):
// delivery exactly once, invokeWithoutUpdates, and each push fault.
#include <doctest/doctest.h>

#include "tests/e2e/testdc_updates_support.hpp"
#include "tests/testdc/test_dc.hpp"

using namespace tgd;
using namespace tgd::e2e;

namespace {

struct Accounts {
  std::int64_t alice = 0;  // DC 1
  std::int64_t bob = 0;    // DC 2, Harness::client's account
  explicit Accounts(Harness& h) {
    alice = h.dc->world().create_user("9996611000", "Alice").id;
    bob = h.dc->world().create_user("9996621000", "Bob").id;
  }
};

}  // namespace

TEST_CASE("a message one account sends is pushed to another account's connected client exactly once") {
  Harness h;
  Accounts u(h);
  auto alice_client = extra_client(h, 1);
  h.run([&]() -> net::awaitable<void> {
    StopOnExit stop{*alice_client};
    auto to_bob = collect_pushes(*h.client);
    auto to_alice = collect_pushes(*alice_client);
    co_await log_in(h, *h.client, Harness::kDc, u.bob);
    co_await log_in(h, *alice_client, 1, u.alice);
    const std::int64_t hash =
        h.dc->world().access_hash(u.alice, testdc::PeerRef{testdc::PeerRef::Kind::kUser, u.bob});
    const Bytes send = encode_call(R"({"_":"messages.sendMessage","peer":{"_":"inputPeerUser","user_id":")" +
                                   std::to_string(u.bob) + R"(","access_hash":")" + std::to_string(hash) +
                                   R"("},"message":"hello Bob","random_id":"42"})");
    const net::CallResult sent = co_await alice_client->call(send);
    REQUIRE_MESSAGE(is_answer(sent), describe(sent));
    CHECK(has(tl_fixture().to_json(std::get<Bytes>(sent)), "updateShortSentMessage"));
    CHECK(co_await wait_until([&] { return !to_bob->empty(); }));
    co_await sleep_for(150ms);  // a copy would have come by now
    REQUIRE(to_bob->size() == 1);
    CHECK(has(to_bob->front(), R"("_":"updateShortMessage")"));
    CHECK(has(to_bob->front(), R"("message":"hello Bob")"));
    CHECK(has(to_bob->front(), R"("pts":1,"pts_count":1)"));
    CHECK(to_alice->empty());  // the sender's only session has the answer
  });
}

TEST_CASE("a session that made no authorized call, or used invokeWithoutUpdates, gets no pushes") {
  for (const bool without_updates : {false, true}) {
    CAPTURE(without_updates);
    Harness h;
    Accounts u(h);
    h.run([&]() -> net::awaitable<void> {
      auto to_bob = collect_pushes(*h.client);
      co_await log_in(h, *h.client, Harness::kDc, u.bob, /*subscribe=*/without_updates, without_updates);
      h.dc->send_message(u.alice, u.bob, "unseen");
      co_await sleep_for(200ms);
      CHECK(to_bob->empty());
      CHECK(h.dc->world().find_account(u.bob)->pts == 1);
    });
  }
}

TEST_CASE("push fault drop: the update never comes, getDifference has it") {
  Harness h;
  Accounts u(h);
  h.run([&]() -> net::awaitable<void> {
    auto to_bob = collect_pushes(*h.client);
    co_await log_in(h, *h.client, Harness::kDc, u.bob);
    h.dc->world().pushes().faults(u.bob).drop = 1;
    h.dc->send_message(u.alice, u.bob, "lost");
    h.dc->send_message(u.alice, u.bob, "found");
    CHECK(co_await wait_until([&] { return !to_bob->empty(); }));
    co_await sleep_for(100ms);
    REQUIRE(to_bob->size() == 1);
    CHECK(has(to_bob->front(), R"("message":"found")"));
    CHECK(has(to_bob->front(), R"("pts":2,"pts_count":1)"));  // the client sees the gap at pts 1
    const net::CallResult diff =
        co_await h.client->call(encode_call(R"({"_":"updates.getDifference","pts":0,"date":1,"qts":0})"));
    REQUIRE(is_answer(diff));
    const std::string json = tl_fixture().to_json(std::get<Bytes>(diff));
    CHECK(has(json, R"("_":"updates.difference")"));
    CHECK(has(json, R"("message":"lost")"));
    CHECK(h.dc->world().pushes().stats().dropped == 1);
  });
}

TEST_CASE("push faults duplicate, reorder and delay over the socket, updatesTooLong on demand") {
  Harness h;
  Accounts u(h);
  h.run(
      [&]() -> net::awaitable<void> {
        auto to_bob = collect_pushes(*h.client);
        co_await log_in(h, *h.client, Harness::kDc, u.bob);
        testdc::PushFaults& f = h.dc->world().pushes().faults(u.bob);

        f.duplicate = 1;
        h.dc->send_message(u.alice, u.bob, "twice");
        CHECK(co_await wait_until([&] { return to_bob->size() >= 2; }));
        co_await sleep_for(50ms);
        REQUIRE(to_bob->size() == 2);
        CHECK((*to_bob)[0] == (*to_bob)[1]);
        to_bob->clear();

        f.reorder = 1;
        h.dc->send_message(u.alice, u.bob, "first");
        h.dc->send_message(u.alice, u.bob, "second");
        CHECK(co_await wait_until([&] { return to_bob->size() >= 2; }));
        REQUIRE(to_bob->size() == 2);
        CHECK(has((*to_bob)[0], R"("message":"second")"));
        CHECK(has((*to_bob)[1], R"("message":"first")"));
        to_bob->clear();

        f.delay = 300ms;
        f.delay_count = 1;
        const auto start = std::chrono::steady_clock::now();
        h.dc->send_message(u.alice, u.bob, "late");
        h.dc->send_message(u.alice, u.bob, "early");
        CHECK(co_await wait_until([&] { return to_bob->size() >= 2; }));
        REQUIRE(to_bob->size() == 2);
        CHECK(has((*to_bob)[0], R"("message":"early")"));
        CHECK(has((*to_bob)[1], R"("message":"late")"));
        CHECK(std::chrono::steady_clock::now() - start >= 300ms);
        to_bob->clear();

        h.dc->world().pushes().too_long(u.bob);
        CHECK(co_await wait_until([&] { return !to_bob->empty(); }));
        REQUIRE(to_bob->size() == 1);
        CHECK(has(to_bob->front(), R"("_":"updatesTooLong")"));
      },
      6s);
}

TEST_CASE("a flood with batch 10 arrives as updates of 10 updateNewMessage each, with consecutive seq") {
  Harness h;
  Accounts u(h);
  h.run([&]() -> net::awaitable<void> {
    auto to_bob = collect_pushes(*h.client);
    co_await log_in(h, *h.client, Harness::kDc, u.bob);
    bool done = false;
    h.dc->flood(testdc::Flood{u.alice, u.bob, 200, 0, 10, "flood"}, [&](const testdc::FloodResult& r) {
      CHECK(r.sent == 200);
      done = true;
    });
    CHECK(co_await wait_until([&] { return done && to_bob->size() >= 20; }));
    REQUIRE(to_bob->size() == 20);
    for (std::size_t i = 0; i < to_bob->size(); ++i) {
      const std::string& json = (*to_bob)[i];
      CHECK(has(json, R"("_":"updates")"));
      CHECK(has(json, R"("seq":)" + std::to_string(i + 1) + "}"));
      CHECK(has(json, R"("pts":)" + std::to_string(10 * i + 10) + R"(,"pts_count":1})"));
    }
    CHECK(h.dc->world().find_account(u.bob)->pts == 200);
    CHECK(h.dc->world().pushes().stats().updates == 200);
  });
}
