// invokeAfterMsg over real connections of a running TestDc: a hand-made MTProto client
// (tests/protocol/mtproto/server/test_client) chooses every msg_id, container and connection, so
// the order in which the test DC receives queries differs from the order it must run them in.
// Also the waiting timer (MSG_WAIT_TIMEOUT 0.5 s later) and the rpc_fault control op.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>

#include "protocol/crypto/rsa.hpp"
#include "protocol/mtproto/message_id.hpp"
#include "protocol/mtproto/server/dispatcher.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/net/framed_socket.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/tl_buffer.hpp"
#include "tests/protocol/crypto/test_rsa_key.hpp"
#include "tests/protocol/mtproto/server/test_client.hpp"
#include "tests/testdc/control_commands.hpp"
#include "tests/testdc/test_dc.hpp"

namespace tgd::testdc::testing {
namespace {

using namespace std::chrono_literals;
using namespace tgd::net;
using mtproto::server::testing::as_rpc_result;
using mtproto::server::testing::container;
using mtproto::server::testing::Item;
using mtproto::server::testing::make_key;
using mtproto::server::testing::TestClient;

constexpr std::uint32_t kRpcError = 0x2144ca19;
constexpr std::uint32_t kInvokeAfterMsg = 0xcb9f372d;
constexpr std::int64_t kSalt = 0x0102030405060708;

// An answer as the client got it.
struct Outcome {
  bool ok = false;
  std::int32_t code = 0;
  std::string error;
  std::chrono::steady_clock::time_point at;
};

// A TestDc with Alice logged in (and initConnection'ed) on DC 1 under one auth key; connections
// of one session of that key, each with a reader that collects the rpc_results.
class Fixture {
 public:
  Fixture() {
    REQUIRE_FALSE(dc.start());
    dc.dispatcher(1).add_auth_key(key, kSalt, mtproto::system_now());
    alice = dc.world().create_user("9996611000", "Alice").id;
    const auto key_id = static_cast<std::uint64_t>(key.id_value());
    dc.world().authorize(1, key_id, alice);
    dc.world().set_connection_init(1, key_id,
                                   ConnectionInit{223, 1, "socket test", "linux", "1", "en", "", "en"});
  }

  // messages.sendMessage of `text` to Saved Messages, optionally in invokeAfterMsg(after).
  Bytes send_text(std::string_view text, std::int64_t random_id, std::uint64_t after = 0) {
    Bytes query;
    if (after != 0) {
      tl::TlWriter w(query);
      w.u32(kInvokeAfterMsg);
      w.i64(static_cast<std::int64_t>(after));
    }
    Bytes inner;
    const std::string json = R"({"_":"messages.sendMessage","peer":{"_":"inputPeerSelf"},"message":")" +
                             std::string(text) + R"(","random_id":")" + std::to_string(random_id) + "\"}";
    REQUIRE_FALSE(encoder.encode_object_text(json, inner));
    query.insert(query.end(), inner.begin(), inner.end());
    return query;
  }

  // A new connection of the session; its rpc_results land in `answers`.
  awaitable<FramedSocket*> connect() {
    const DcEndpoint ep = dc.endpoints()[0];
    const tcp::endpoint endpoint(asio::ip::make_address(ep.host), ep.port);
    transport::Codec codec = transport::Codec::client(transport::Framing::Intermediate);
    auto connected = co_await FramedSocket::connect(endpoint, std::move(codec), 5s);
    REQUIRE(std::holds_alternative<FramedSocket>(connected));
    FramedSocket& s = sockets.emplace_back(std::move(std::get<FramedSocket>(connected)));
    asio::co_spawn(io, read(s), asio::detached);
    co_return &s;
  }

  // One message with the next msg_id and seq_no; returns its msg_id.
  awaitable<std::uint64_t> send(FramedSocket& s, ByteSpan body) {
    const std::uint64_t msg_id = client.next_msg_id(mtproto::system_now());
    const Bytes packet = client.packet(msg_id, client.next_seq_no(true), body);
    REQUIRE_FALSE(co_await s.send(packet));
    co_return msg_id;
  }

  // Waits until every msg_id has its answer (false after `limit`).
  awaitable<bool> answered(std::vector<std::uint64_t> ids, std::chrono::milliseconds limit = 3s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    asio::steady_timer timer(io);
    while (std::chrono::steady_clock::now() < end) {
      bool all = true;
      for (std::uint64_t id : ids) all = all && answers.count(id) > 0;
      if (all) co_return true;
      timer.expires_after(1ms);
      co_await timer.async_wait(as_tuple_awaitable);
    }
    co_return false;
  }

  awaitable<void> sleep(std::chrono::milliseconds d) {
    asio::steady_timer timer(io, d);
    co_await timer.async_wait(as_tuple_awaitable);
  }

  // The texts of Alice's Saved Messages, oldest first.
  std::vector<std::string> box() {
    std::vector<std::string> out;
    for (const Message& m : dc.world().find_account(alice)->messages) out.push_back(m.text);
    return out;
  }

  // Runs `body`, then stops everything; the io_context must then run out of work by itself (the
  // wait timer included).
  void run(std::function<awaitable<void>()> body, std::chrono::milliseconds limit = 5s) {
    bool done = false;
    std::exception_ptr error;
    asio::co_spawn(
        io, [&]() -> awaitable<void> { co_await body(); },
        [&](std::exception_ptr e) {
          error = e;
          done = true;
          for (FramedSocket& s : sockets) s.close();
          dc.stop();
        });
    io.run_for(limit);
    CHECK_MESSAGE(done, "the test body did not finish in time");
    if (error) std::rethrow_exception(error);
    CHECK_MESSAGE(io.stopped(), "work left on the io_context after stop()");
  }

  asio::io_context io;
  TestDc dc{io, Options{.dcs = 2,
                        .key = std::make_shared<const crypto::RsaPrivateKey>(
                            *crypto::RsaPrivateKey::from_pem(crypto::test::kTestRsaPrivateKeyPem))}};
  crypto::AuthKey key = make_key(9);
  TestClient client{key, 0x5eed5eed, kSalt};
  std::int64_t alice = 0;
  tl::Schemas schemas = tl::load_embedded_schemas();
  tl::JsonToTl encoder{schemas.api};
  std::map<std::uint64_t, Outcome> answers;  // by the msg_id of the query
  std::vector<std::uint64_t> answer_order;
  std::list<FramedSocket> sockets;
  int closed = 0;  // connections the server closed

 private:
  awaitable<void> read(FramedSocket& s) {
    while (true) {
      auto event = co_await s.receive();
      if (std::holds_alternative<SocketClosed>(event)) {
        ++closed;
        co_return;
      }
      const auto* frame = std::get_if<transport::Frame>(&std::get<transport::Event>(event));
      if (!frame) continue;
      for (const auto& m : client.open(frame->payload)) {
        const auto r = as_rpc_result(m);
        if (!r) continue;
        Outcome o;
        o.at = std::chrono::steady_clock::now();
        tl::TlReader reader(r->result);
        if (reader.u32() == kRpcError) {
          o.code = reader.i32();
          o.error = std::string(reader.string());
        } else {
          o.ok = true;
        }
        answers[r->req_msg_id] = o;
        answer_order.push_back(r->req_msg_id);
      }
    }
  }
};

using Texts = std::vector<std::string>;
// Expected boxes, made outside the test coroutines: g++ 12 cannot put an initializer list of string
// literals in a coroutine frame ("array used as initializer").
const Texts kAB{"a", "b"};
const Texts kD{"d"};
const Texts kOther{"other"};
const Texts kOneTwo{"one", "two"};
const Texts kOneTwoThree{"one", "two", "three"};

}  // namespace

TEST_CASE("in one container, [B in invokeAfterMsg(A), A] runs A first, then B") {
  Fixture f;
  f.run([&]() -> awaitable<void> {
    FramedSocket* s = co_await f.connect();
    const auto now = mtproto::system_now();
    const std::uint64_t a = f.client.next_msg_id(now);
    const std::uint32_t a_seq = f.client.next_seq_no(true);
    const std::uint64_t b = f.client.next_msg_id(now);
    const std::uint32_t b_seq = f.client.next_seq_no(true);
    const Bytes items =
        container({Item{b, b_seq, f.send_text("b", 2, a)}, Item{a, a_seq, f.send_text("a", 1)}});
    const std::uint64_t c = f.client.next_msg_id(now);
    const Bytes packet = f.client.packet(c, f.client.next_seq_no(false), items);
    REQUIRE_FALSE(co_await s->send(packet));
    const std::vector<std::uint64_t> both{a, b};
    REQUIRE(co_await f.answered(both));
    CHECK(f.answers[a].ok);
    CHECK(f.answers[b].ok);
    CHECK(f.box() == kAB);
    const std::vector<std::uint64_t> a_then_b{a, b};
    CHECK(f.answer_order == a_then_b);
  });
}

TEST_CASE("across two connections of one session, a query waits for the one it names from the other") {
  Fixture f;
  f.run([&]() -> awaitable<void> {
    FramedSocket* one = co_await f.connect();
    FramedSocket* two = co_await f.connect();
    const auto now = mtproto::system_now();
    const std::uint64_t a = f.client.next_msg_id(now);
    const std::uint32_t a_seq = f.client.next_seq_no(true);
    const std::uint64_t b = f.client.next_msg_id(now);
    const Bytes b_packet = f.client.packet(b, f.client.next_seq_no(true), f.send_text("b", 2, a));
    REQUIRE_FALSE(co_await two->send(b_packet));
    co_await f.sleep(100ms);
    CHECK(f.answers.empty());  // B waits: not run, not answered
    CHECK(f.box().empty());
    const Bytes a_packet = f.client.packet(a, a_seq, f.send_text("a", 1));
    REQUIRE_FALSE(co_await one->send(a_packet));
    const std::vector<std::uint64_t> both{a, b};
    REQUIRE(co_await f.answered(both));
    CHECK(f.answers[a].ok);
    CHECK(f.answers[b].ok);
    CHECK(f.box() == kAB);
  });
}

TEST_CASE(
    "the rpc_fault control op fails the next call of a method, and the query chained to it gets "
    "MSG_WAIT_FAILED without running") {
  Fixture f;
  ControlCommands control(f.dc);
  std::string reply;
  control.execute(
      R"({"op":"rpc_fault","method":"messages.sendMessage","code":420,"error":"FLOOD_WAIT_1","count":1})",
      [&](std::string r) { reply = std::move(r); });
  CHECK(reply ==
        R"({"ok":true,"method":"messages.sendMessage","code":420,"error":"FLOOD_WAIT_1","count":1,"dc":0})");
  control.execute(R"({"op":"rpc_fault","method":"messages.sendMessage"})",
                  [&](std::string r) { reply = std::move(r); });
  CHECK(reply.find(R"("ok":false)") != std::string::npos);
  f.run([&]() -> awaitable<void> {
    FramedSocket* s = co_await f.connect();
    // Queries are named before they are co_awaited: g++ 12 mishandles temporaries in co_await.
    const Bytes qa = f.send_text("a", 1);
    const std::uint64_t a = co_await f.send(*s, qa);
    const Bytes qb = f.send_text("b", 2, a);
    const std::uint64_t b = co_await f.send(*s, qb);
    const Bytes qc = f.send_text("c", 3, b);
    const std::uint64_t c = co_await f.send(*s, qc);
    const Bytes qd = f.send_text("d", 4);  // the fault was for one call
    const std::uint64_t d = co_await f.send(*s, qd);
    const std::vector<std::uint64_t> all{a, b, c, d};
    REQUIRE(co_await f.answered(all));
    CHECK(f.answers[a].code == 420);
    CHECK(f.answers[a].error == "FLOOD_WAIT_1");
    CHECK(f.answers[b].code == 400);
    CHECK(f.answers[b].error == "MSG_WAIT_FAILED");
    CHECK(f.answers[c].error == "MSG_WAIT_FAILED");
    CHECK(f.answers[d].ok);
    CHECK(f.box() == kD);
  });
  // clear drops what is left.
  control.execute(R"({"op":"rpc_fault","error":"FLOOD_WAIT_9","count":3})",
                  [&](std::string r) { reply = std::move(r); });
  control.execute(R"({"op":"rpc_fault","clear":true})", [&](std::string r) { reply = std::move(r); });
  CHECK(reply == R"({"ok":true})");
  CHECK_FALSE(f.dc.world().take_injected_error("messages.sendMessage", 1));
}

TEST_CASE(
    "rpc_fault drop_connection: the call runs, its connection is closed before the answer, which comes "
    "on the session's next connection, and a query chained to it then runs") {
  Fixture f;
  ControlCommands control(f.dc);
  std::string reply;
  control.execute(R"({"op":"rpc_fault","method":"messages.sendMessage","drop_connection":true,"after":2})",
                  [&](std::string r) { reply = std::move(r); });
  CHECK(reply ==
        R"({"ok":true,"method":"messages.sendMessage","drop_connection":true,"after":2,"count":1,"dc":0})");
  f.run([&]() -> awaitable<void> {
    FramedSocket* one = co_await f.connect();
    const Bytes q1 = f.send_text("one", 1);
    const std::uint64_t m1 = co_await f.send(*one, q1);
    const std::vector<std::uint64_t> first{m1};
    REQUIRE(co_await f.answered(first));
    const Bytes q2 = f.send_text("two", 2, m1);  // the second call: its connection goes
    const std::uint64_t m2 = co_await f.send(*one, q2);
    co_await f.sleep(200ms);
    CHECK(f.closed == 1);
    CHECK(f.answers.count(m2) == 0);
    CHECK(f.box() == kOneTwo);  // it ran
    FramedSocket* two = co_await f.connect();
    const Bytes q3 = f.send_text("three", 3, m2);
    const std::uint64_t m3 = co_await f.send(*two, q3);
    const std::vector<std::uint64_t> rest{m2, m3};
    REQUIRE(co_await f.answered(rest));
    CHECK(f.answers[m2].ok);
    CHECK(f.answers[m3].ok);
    CHECK(f.box() == kOneTwoThree);
  });
}

TEST_CASE(
    "a query naming a msg_id the session never sent is answered MSG_WAIT_TIMEOUT 0.5 s later, while "
    "other queries go on") {
  Fixture f;
  f.run([&]() -> awaitable<void> {
    FramedSocket* s = co_await f.connect();
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t unknown = f.client.next_msg_id(mtproto::system_now()) - 4096;
    const Bytes qb = f.send_text("b", 1, unknown);
    const std::uint64_t b = co_await f.send(*s, qb);
    const Bytes qo = f.send_text("other", 2);
    const std::uint64_t other = co_await f.send(*s, qo);
    const std::vector<std::uint64_t> just_other{other}, just_b{b};
    REQUIRE(co_await f.answered(just_other));
    CHECK(f.answers[other].ok);
    CHECK(f.answers.count(b) == 0);
    REQUIRE(co_await f.answered(just_b, 2s));
    CHECK(f.answers[b].code == 400);
    CHECK(f.answers[b].error == "MSG_WAIT_TIMEOUT");
    const auto waited = f.answers[b].at - start;
    CHECK(waited >= 500ms);
    CHECK(waited < 1500ms);
    CHECK(f.box() == kOther);
  });
}

}  // namespace tgd::testdc::testing
