// End to end over loopback TCP: tgd's MtprotoClient (the I/O driver around ClientSession) against
// the local test DC. Every transport; calls batched into containers; and one test per fault the
// test DC injects, each asserting that every call gets exactly one outcome and that nothing hangs
// (Harness::run bounds each test and checks that every loop ends after stop()).
#include <doctest/doctest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <cstring>

#include "protocol/crypto/random.hpp"
#include "tests/e2e/client_harness.hpp"

using namespace tgd;
using namespace tgd::e2e;
using net::CallResult;
using transport::Framing;

namespace {

const Bytes& nearest_dc() { return tl_fixture().nearest_dc; }

// Starts the client and makes the session's first call (initConnection inside invokeWithLayer),
// which waits for the connection and the auth key.
net::awaitable<void> connect(Harness& h) {
  h.client->start();
  const CallResult first = co_await h.client->call(tl_fixture().init);
  REQUIRE_MESSAGE(is_nearest_dc(first, Harness::kDc), describe(first));
}

std::uint64_t key_id(const net::MtprotoClient& client) {
  const auto stored = client.auth_key();
  REQUIRE(stored);
  const auto key = crypto::AuthKey::from_bytes(stored->key);
  REQUIRE(key);
  return static_cast<std::uint64_t>(key->id_value());
}

// Every call of the batch completed exactly once, with a nearestDc answer.
void check_answered(const Outcomes& o) {
  CHECK(o.all_done());
  CHECK(o.each_exactly_once());
  std::size_t answered = 0;
  std::string first_other;
  for (const auto& r : o.results()) {
    if (is_nearest_dc(r, Harness::kDc)) {
      ++answered;
    } else if (first_other.empty()) {
      first_other = describe(r);
    }
  }
  CHECK_MESSAGE(answered == o.results().size(), first_other);
}

// Lets the handlers queued so far run (the flush the calls of this turn posted among them).
net::awaitable<void> yield_turns(int n) {
  for (int i = 0; i < n; ++i)
    co_await net::asio::post(co_await net::asio::this_coro::executor, net::use_awaitable);
}

}  // namespace

TEST_CASE("MtprotoClient calls help.getNearestDc over every transport plain and obfuscated") {
  for (Framing framing :
       {Framing::Abridged, Framing::Intermediate, Framing::PaddedIntermediate, Framing::Full}) {
    for (bool obfuscated : {false, true}) {
      if (obfuscated && framing == Framing::Full) continue;  // Full has no obfuscated form
      CAPTURE(static_cast<int>(framing));
      CAPTURE(obfuscated);
      Harness h([&](net::ClientOptions& o) {
        o.framing = framing;
        o.obfuscated = obfuscated;
      });
      h.run([&]() -> net::awaitable<void> {
        CHECK_FALSE(h.client->auth_key());
        co_await connect(h);  // the first call is made before the connection exists
        CHECK(h.client->connected());
        CHECK(h.dispatcher().has_auth_key(key_id(*h.client)));
        Outcomes o;
        const bool done = co_await call_all(*h.client, 3, nearest_dc(), o);
        CHECK(done);
        check_answered(o);
        CHECK(h.client->reconnects() == 0);
      });
    }
  }
}

TEST_CASE(
    "a call asking for a quick ack gets it from the test DC before its answer (not over Full, which has "
    "none)") {
  for (Framing framing :
       {Framing::Abridged, Framing::Intermediate, Framing::PaddedIntermediate, Framing::Full}) {
    for (bool obfuscated : {false, true}) {
      if (obfuscated && framing == Framing::Full) continue;
      CAPTURE(static_cast<int>(framing));
      CAPTURE(obfuscated);
      Harness h([&](net::ClientOptions& o) {
        o.framing = framing;
        o.obfuscated = obfuscated;
      });
      h.run([&]() -> net::awaitable<void> {
        co_await connect(h);
        int quick_acks = 0;
        // The answers are held, so only the quick ack can arrive while the call waits.
        h.dispatcher().faults().hold_answers = true;
        net::asio::co_spawn(
            co_await net::asio::this_coro::executor,
            [&]() -> net::awaitable<void> {
              const CallResult r =
                  co_await h.client->call(nearest_dc(), {.on_quick_ack = [&] { ++quick_acks; }});
              CHECK(is_nearest_dc(r, Harness::kDc));
            },
            net::asio::detached);
        const int expected = framing == Framing::Full ? 0 : 1;
        const bool acked = co_await wait_until([&] { return quick_acks == expected; });
        CHECK(acked);
        const bool sent = co_await wait_until([&] { return h.client->counters().in_flight == 1; });
        CHECK(sent);  // acked (or not), but not answered
        h.dispatcher().faults().hold_answers = false;
        h.dispatcher().release_answers();
        const bool answered = co_await wait_until([&] { return h.client->counters().in_flight == 0; });
        CHECK(answered);
        CHECK(quick_acks == expected);
        CHECK(h.client->counters().quick_acks == static_cast<std::uint64_t>(expected));
      });
    }
  }
}

TEST_CASE("MtprotoClient refuses the obfuscated Full transport: calls fail at once") {
  Harness h([](net::ClientOptions& o) {
    o.framing = Framing::Full;
    o.obfuscated = true;
  });
  h.run([&]() -> net::awaitable<void> {
    h.client->start();
    const CallResult r = co_await h.client->call(nearest_dc());
    REQUIRE(std::holds_alternative<net::CallFailed>(r));
    CHECK(std::get<net::CallFailed>(r).reason.find("Full") != std::string::npos);
  });
}

TEST_CASE("1000 calls issued in one turn go out in one flush in few containers and are all answered") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    const auto before = h.client->counters();
    Outcomes o;
    o.issue(co_await net::asio::this_coro::executor, *h.client, 1000, nearest_dc());
    // The 1000 calls enter the session in the handlers queued by issue(); the first posts the flush
    // behind them; two turns later it has run.
    co_await yield_turns(2);
    const auto flushed = h.client->counters();
    CHECK(flushed.requests_sent - before.requests_sent == 1000);
    CHECK(flushed.packets_sent - before.packets_sent <= 2);
    CHECK(flushed.containers_sent - before.containers_sent <= 2);
    CHECK(flushed.container_messages - before.container_messages >= 1000);
    const bool done = co_await wait_until([&] { return o.all_done(); });
    CHECK(done);
    check_answered(o);
    CHECK(h.client->counters().in_flight == 0);
  });
}

TEST_CASE("a call made with a stored auth key reuses it") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    const auto stored = h.client->auth_key();
    REQUIRE(stored);
    CHECK(stored->key.size() == 256);
    net::ClientOptions options = h.options;
    options.auth_key = stored;
    net::MtprotoClient second(co_await net::asio::this_coro::executor, options);
    CHECK(second.auth_key());  // usable before connecting
    second.start();
    const CallResult r = co_await second.call(tl_fixture().init);
    CHECK_MESSAGE(is_nearest_dc(r, Harness::kDc), describe(r));
    CHECK(second.auth_key()->key == stored->key);
    second.stop();
  });
}

TEST_CASE("a stored auth key the server does not know (-404) is replaced and the call answered") {
  const Bytes unknown = crypto::random_bytes(256);
  Harness h([&](net::ClientOptions& o) { o.auth_key = net::StoredAuthKey{unknown, 1, 0}; });
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    const auto stored = h.client->auth_key();
    REQUIRE(stored);
    CHECK(stored->key != unknown);
    CHECK(h.dispatcher().has_auth_key(key_id(*h.client)));
    CHECK(h.client->reconnects() == 1);  // the -404 ended the first connection
  });
}

TEST_CASE("server-pushed updates reach the update handler") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    std::vector<Bytes> updates;
    h.client->on_update([&](ByteSpan u) { updates.emplace_back(u.begin(), u.end()); });
    co_await connect(h);
    tl::JsonToTl encoder(tl_fixture().schemas.api);
    const Bytes too_long = Tl::encode(encoder, R"({"_":"updatesTooLong"})");
    const auto session_id = h.client->session_id();
    REQUIRE(session_id);
    // No call follows: the test DC writes the push on its own.
    CHECK(h.dispatcher().push({key_id(*h.client), *session_id}, too_long));
    const bool got = co_await wait_until([&] { return !updates.empty(); });
    CHECK(got);
    REQUIRE(updates.size() == 1);
    CHECK(updates[0] == too_long);
  });
}

TEST_CASE("calls are wrapped for initialization until one wrapped call is answered, again on a new key") {
  int wrapped = 0;
  std::vector<net::StoredAuthKey> created;
  Harness h([&](net::ClientOptions& o) {
    o.wrap_until_initialized = [&](ByteSpan query) {
      ++wrapped;
      Bytes out(4 + query.size());
      const std::uint32_t invoke_without_updates = 0xbf9459b7;  // the test DC unwraps it
      std::memcpy(out.data(), &invoke_without_updates, 4);
      std::copy(query.begin(), query.end(), out.begin() + 4);
      return out;
    };
    o.on_auth_key_created = [&](const net::StoredAuthKey& k) { created.push_back(k); };
  });
  h.run([&]() -> net::awaitable<void> {
    h.client->start();
    Outcomes first;  // issued together, before any answer: each is wrapped
    const bool done = co_await call_all(*h.client, 5, nearest_dc(), first);
    CHECK(done);
    check_answered(first);
    CHECK(wrapped == 5);
    Outcomes later;
    const bool done_later = co_await call_all(*h.client, 3, nearest_dc(), later);
    CHECK(done_later);
    check_answered(later);
    CHECK(wrapped == 5);
    REQUIRE(created.size() == 1);
    CHECK(created[0].key == h.client->auth_key()->key);
    // A forgotten key: the next key's session is initialized again.
    CHECK(h.dispatcher().forget_auth_key(key_id(*h.client)));
    Outcomes after;
    const bool done_after = co_await call_all(*h.client, 1, nearest_dc(), after);
    CHECK(done_after);
    check_answered(after);
    CHECK(wrapped == 6);
    CHECK(created.size() == 2);
  });
}

TEST_CASE("fault: the connection drops after N packets: the client reconnects and resends") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    h.dispatcher().faults().drop_after_packets = 2;
    Outcomes o;
    // Waves in separate turns, so that several packets go out and one is cut off mid-flight.
    for (int wave = 0; wave < 5; ++wave) {
      o.issue(co_await net::asio::this_coro::executor, *h.client, 10, nearest_dc());
      co_await sleep_for(2ms);
    }
    const bool done = co_await wait_until([&] { return o.all_done(); });
    CHECK(done);
    check_answered(o);
    CHECK(h.client->reconnects() >= 1);
  });
}

TEST_CASE("fault: the connection drops after N bytes: the client reconnects and resends") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    h.dispatcher().faults().drop_after_bytes = 600;  // a few of the waves' packets
    Outcomes o;
    for (int wave = 0; wave < 5; ++wave) {
      o.issue(co_await net::asio::this_coro::executor, *h.client, 10, nearest_dc());
      co_await sleep_for(2ms);
    }
    const bool done = co_await wait_until([&] { return o.all_done(); });
    CHECK(done);
    check_answered(o);
    CHECK(h.client->reconnects() >= 1);
  });
}

TEST_CASE("fault: every answer delayed: calls are answered late, a shorter timeout fails alone") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    h.dispatcher().faults().answer_delay = 150ms;
    const auto start = std::chrono::steady_clock::now();
    Outcomes o;
    const bool done = co_await call_all(*h.client, 10, nearest_dc(), o);
    CHECK(done);
    check_answered(o);
    CHECK(std::chrono::steady_clock::now() - start >= 150ms);
    const CallResult r = co_await h.client->call(nearest_dc(), {.timeout = 50ms});
    REQUIRE_MESSAGE(std::holds_alternative<net::CallFailed>(r), describe(r));
    CHECK(std::get<net::CallFailed>(r).reason == "timeout");
    h.dispatcher().faults().answer_delay = 0ms;
    Outcomes after;
    const bool done_after = co_await call_all(*h.client, 3, nearest_dc(), after);
    CHECK(done_after);
    check_answered(after);
  });
}

TEST_CASE("fault: answers held then released in reverse order") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    auto& dc = h.dispatcher();
    const auto queries = dc.counters().queries;
    dc.faults().hold_answers = true;
    Outcomes o;
    o.issue(co_await net::asio::this_coro::executor, *h.client, 20, nearest_dc());
    const bool received = co_await wait_until([&] { return dc.counters().queries >= queries + 20; });
    CHECK(received);
    co_await sleep_for(10ms);
    CHECK(o.done() == 0);
    dc.faults().hold_answers = false;
    // No call follows: the test DC writes the released answers on its own.
    dc.release_answers(mtproto::server::ReleaseOrder::kReversed);
    const bool all = co_await wait_until([&] { return o.all_done(); });
    CHECK(all);
    check_answered(o);
  });
}

TEST_CASE("fault: every answer duplicated: each call still completes once") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    const auto before = h.client->counters();
    h.dispatcher().faults().duplicate_answers = 20;
    Outcomes o;
    const bool done = co_await call_all(*h.client, 20, nearest_dc(), o);
    CHECK(done);
    co_await sleep_for(20ms);  // the last duplicates arrive
    check_answered(o);
    CHECK(h.client->counters().ignored_answers - before.ignored_answers == 20);
  });
}

TEST_CASE("fault: salts rotate while calls are in flight (bad_server_salt then resend)") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    const auto before = h.client->counters();
    Outcomes o;
    o.issue(co_await net::asio::this_coro::executor, *h.client, 20, nearest_dc());
    // Same turn: the calls are queued with the old salt and go out after it is refused.
    h.dispatcher().rotate_salts(mtproto::system_now());
    const bool done = co_await wait_until([&] { return o.all_done(); });
    CHECK(done);
    check_answered(o);
    CHECK(h.client->counters().bad_server_salts > before.bad_server_salts);
  });
}

// Server clock skew applied after the handshake, so the client's time offset is wrong: -100 s
// puts the client's msg_ids more than 30 s in the server's future (bad_msg 17), +400 s more than
// 300 s in its past (bad_msg 16). Either way the client re-syncs from the notification and resends.
TEST_CASE("fault: the server's clock is skewed (bad_msg 16 or 17 then time resync and resend)") {
  for (auto skew : {std::chrono::seconds(-100), std::chrono::seconds(400)}) {
    CAPTURE(skew.count());
    Harness h;
    h.run([&]() -> net::awaitable<void> {
      co_await connect(h);
      const auto before = h.client->counters();
      h.dispatcher().set_clock_skew(skew);
      Outcomes o;
      const bool done = co_await call_all(*h.client, 20, nearest_dc(), o);
      CHECK(done);
      check_answered(o);
      CHECK(h.client->counters().bad_msg_notifications > before.bad_msg_notifications);
      const auto stored = h.client->auth_key();
      REQUIRE(stored);
      CHECK(std::abs(stored->time_offset - skew.count()) <= 2);
    });
  }
}

// With the server 30..300 s ahead there is no bad_msg (the client's msg_ids are less than 300 s
// old to the server); the client must notice from the answers' msg_ids and raise its offset, or it
// would drop every answer as "from the future" and only see timeouts.
TEST_CASE("fault: the server's clock is 100 s ahead: answers accepted and the time offset raised") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    h.dispatcher().set_clock_skew(std::chrono::seconds(100));
    Outcomes o;
    const bool done = co_await call_all(*h.client, 5, nearest_dc(), o, {.timeout = 5s});
    CHECK(done);
    check_answered(o);
    CHECK(h.client->counters().dropped_time_window == 0);
    const auto stored = h.client->auth_key();
    REQUIRE(stored);
    CHECK(std::abs(stored->time_offset - 100) <= 2);
  });
}

TEST_CASE("fault: the server forgets the auth key (-404): a new key and every call still answered") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    auto& dc = h.dispatcher();
    const std::uint64_t old_key = key_id(*h.client);
    // A batch in flight (held by the server) when the key is forgotten, and one sent after.
    const auto queries = dc.counters().queries;
    dc.faults().hold_answers = true;
    Outcomes in_flight;
    in_flight.issue(co_await net::asio::this_coro::executor, *h.client, 10, nearest_dc());
    const bool received = co_await wait_until([&] { return dc.counters().queries >= queries + 10; });
    CHECK(received);
    CHECK(dc.forget_auth_key(old_key));
    dc.faults().hold_answers = false;
    Outcomes after;
    const bool done = co_await call_all(*h.client, 10, nearest_dc(), after);
    CHECK(done);
    const bool all = co_await wait_until([&] { return in_flight.all_done(); });
    CHECK(all);
    check_answered(in_flight);
    check_answered(after);
    const std::uint64_t new_key = key_id(*h.client);
    CHECK(new_key != old_key);
    CHECK(dc.has_auth_key(new_key));
    CHECK(h.client->reconnects() >= 1);
    CHECK(h.client->last_error() == "transport error -404");
  });
}

TEST_CASE("fault: transport error -429: the client backs off then reconnects and resends") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    const std::uint64_t key = key_id(*h.client);
    h.dispatcher().faults().transport_error = -429;
    Outcomes o;
    const bool done = co_await call_all(*h.client, 20, nearest_dc(), o);
    CHECK(done);
    check_answered(o);
    CHECK(h.client->reconnects() >= 1);
    CHECK(h.client->last_error() == "transport error -429");
    CHECK(key_id(*h.client) == key);  // -429 is about the rate, not the key
  });
}

TEST_CASE("an unsupported method gets RpcError 400") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    const CallResult r = co_await h.client->call(tl_fixture().unsupported);
    REQUIRE_MESSAGE(std::holds_alternative<net::RpcError>(r), describe(r));
    CHECK(std::get<net::RpcError>(r).code == 400);
    CHECK(std::get<net::RpcError>(r).message == "METHOD_NOT_SUPPORTED_BY_TEST_DC");
    const auto counters = h.client->counters();
    CHECK(counters.rpc_errors == 1);
    CHECK(counters.rpc_errors_by_code.at(400) == 1);
  });
}

TEST_CASE("a call past its timeout fails with CallFailed and its late answer is ignored") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    auto& dc = h.dispatcher();
    dc.faults().hold_answers = true;
    const auto start = std::chrono::steady_clock::now();
    const CallResult r = co_await h.client->call(nearest_dc(), {.timeout = 100ms});
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_MESSAGE(std::holds_alternative<net::CallFailed>(r), describe(r));
    CHECK(std::get<net::CallFailed>(r).reason == "timeout");
    CHECK(elapsed >= 100ms);
    CHECK(elapsed < 600ms);
    const auto before = h.client->counters();
    dc.faults().hold_answers = false;
    dc.release_answers();
    const bool ignored = co_await wait_until(
        [&] { return h.client->counters().ignored_answers > before.ignored_answers; }, 500ms);
    CHECK(ignored);
    CHECK(h.client->counters().timeouts == 1);
  });
}

TEST_CASE("a call cancelled through its cancellation slot fails with CallFailed and leaves the session") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    auto& dc = h.dispatcher();
    const auto queries = dc.counters().queries;
    dc.faults().hold_answers = true;
    net::asio::cancellation_signal signal;
    std::optional<CallResult> result;
    net::asio::co_spawn(
        co_await net::asio::this_coro::executor,
        [&]() -> net::awaitable<void> { result = co_await h.client->call(nearest_dc()); },
        net::asio::bind_cancellation_slot(signal.slot(), net::asio::detached));
    const bool sent = co_await wait_until([&] { return dc.counters().queries > queries; });
    CHECK(sent);
    signal.emit(net::asio::cancellation_type::terminal);
    const bool done = co_await wait_until([&] { return result.has_value(); });
    REQUIRE(done);
    REQUIRE_MESSAGE(std::holds_alternative<net::CallFailed>(*result), describe(*result));
    CHECK(std::get<net::CallFailed>(*result).reason == "cancelled");
    CHECK(h.client->counters().cancelled == 1);
    CHECK(h.client->counters().in_flight == 0);

    // The same through awaitable operators: the timer wins and cancels the call.
    using namespace net::asio::experimental::awaitable_operators;
    const auto raced = co_await (h.client->call(nearest_dc()) || sleep_for(30ms));
    CHECK(std::holds_alternative<std::monostate>(raced));  // operator|| flattens CallResult's alternatives
    CHECK(h.client->counters().cancelled == 2);
    CHECK(h.client->counters().in_flight == 0);
    dc.faults().hold_answers = false;
  });
}

TEST_CASE("a call times out while no connection can be made and stop() ends the reconnect loop") {
  Harness h([](net::ClientOptions& o) {
    o.dc.port = 1;  // nothing listens there: connection refused, again and again
  });
  h.run([&]() -> net::awaitable<void> {
    h.client->start();
    const CallResult r = co_await h.client->call(nearest_dc(), {.timeout = 150ms});
    REQUIRE_MESSAGE(std::holds_alternative<net::CallFailed>(r), describe(r));
    CHECK(std::get<net::CallFailed>(r).reason == "timeout");
    CHECK_FALSE(h.client->connected());
    CHECK(h.client->last_error().find("connect") != std::string::npos);
    CHECK(h.client->counters().queued == 0);
  });
}

TEST_CASE("stop() with calls pending completes each with CallFailed and later calls fail at once") {
  Harness h;
  h.run([&]() -> net::awaitable<void> {
    co_await connect(h);
    auto& dc = h.dispatcher();
    const auto queries = dc.counters().queries;
    dc.faults().hold_answers = true;
    Outcomes o;
    o.issue(co_await net::asio::this_coro::executor, *h.client, 20, nearest_dc());
    const bool received = co_await wait_until([&] { return dc.counters().queries >= queries + 20; });
    CHECK(received);
    h.client->stop();
    CHECK_FALSE(h.client->connected());
    const bool done = co_await wait_until([&] { return o.all_done(); });
    CHECK(done);
    CHECK(o.each_exactly_once());
    const auto stopped = o.count([](const CallResult& r) {
      const auto* f = std::get_if<net::CallFailed>(&r);
      return f != nullptr && f->reason == "client stopped";
    });
    CHECK(stopped == 20);
    const CallResult late = co_await h.client->call(nearest_dc());
    REQUIRE(std::holds_alternative<net::CallFailed>(late));
    CHECK(std::get<net::CallFailed>(late).reason == "client stopped");
  });
}
