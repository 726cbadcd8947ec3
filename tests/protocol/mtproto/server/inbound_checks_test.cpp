// One test per inbound rule of ServerSession (see server_session.hpp): each violation gets exactly
// its bad_msg_notification code, and what real clients send is accepted (facts Appendix B).
#include <doctest/doctest.h>

#include "protocol/mtproto/service_ids.hpp"
#include "tests/protocol/mtproto/server/harness.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::server;
using namespace tgd::mtproto::server::testing;
using namespace std::chrono_literals;

namespace {

std::size_t pending_queries(const Harness& h) {
  std::size_t n = 0;
  for (const Event& e : h.events) n += std::holds_alternative<Query>(e) ? 1 : 0;
  return n;
}

// Sends one message with the given fields and returns the single bad_msg it provoked; checks that
// nothing reached the API layer.
BadMsg expect_bad_msg(Harness& h, std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body) {
  const std::size_t queries_before = pending_queries(h);
  h.send_packet(h.client.packet(msg_id, seq_no, body));
  CHECK(pending_queries(h) == queries_before);
  const auto ms = h.receive();
  const BadMsg bad = only_bad_msg(ms);
  CHECK(bad.bad_msg_id == msg_id);
  CHECK(bad.bad_msg_seqno == seq_no);
  for (const ServerMessage& m : ms) {
    if (!as_bad_msg(m)) continue;
    CHECK(m.container_id == 0);  // alone at top level, where clients skip their clock check
    CHECK(m.msg_id % 4 == 1);    // an answer to a client message (facts §3.5)
    CHECK(m.seq_no % 2 == 0);    // needs no ack (facts §3.9)
  }
  return bad;
}

}  // namespace

TEST_CASE("a valid query reaches the API layer once, and its answer comes back in rpc_result") {
  Harness h;
  const std::uint64_t id = h.send(get_nearest_dc());
  const auto queries = h.take<Query>();
  REQUIRE(queries.size() == 1);
  CHECK(queries[0].msg_id == id);
  CHECK(queries[0].session == h.session());
  CHECK(queries[0].body == get_nearest_dc());
  REQUIRE(h.dc.answer(queries[0].session, id, Bytes{1, 2, 3, 4}));
  const auto ms = h.receive();
  const auto results = of_type(ms, ids::kRpcResult);
  REQUIRE(results.size() == 1);
  const auto r = as_rpc_result(results[0]);
  CHECK(r->req_msg_id == id);
  CHECK(r->result == Bytes{1, 2, 3, 4});
  CHECK(h.dc.counters().queries == 1);
  CHECK(h.dc.counters().answers == 1);
}

TEST_CASE("18: a client msg_id not divisible by 4") {
  Harness h;
  const std::uint64_t id = h.client.next_msg_id(h.now) + 1;
  CHECK(expect_bad_msg(h, id, 1, get_nearest_dc()).code == 18);
  CHECK(h.dc.counters().violations(18) == 1);
}

TEST_CASE("16: a msg_id more than 300 s in the past, 299 s is fine") {
  Harness h;
  const std::uint64_t old_id = h.client.next_msg_id(h.now - 301s);
  CHECK(expect_bad_msg(h, old_id, 1, get_nearest_dc()).code == 16);
  Harness ok;
  ok.send_packet(ok.client.packet(ok.client.next_msg_id(ok.now - 299s), 1, get_nearest_dc()));
  CHECK(ok.take<Query>().size() == 1);
}

TEST_CASE("17: a msg_id more than 30 s in the future, 29 s is fine") {
  Harness h;
  CHECK(expect_bad_msg(h, h.client.next_msg_id(h.now + 31s), 1, get_nearest_dc()).code == 17);
  Harness ok;
  ok.send_packet(ok.client.packet(ok.client.next_msg_id(ok.now + 29s), 1, get_nearest_dc()));
  CHECK(ok.take<Query>().size() == 1);
}

TEST_CASE(
    "the time window applies to the outer message: an old message inside a newer container is fine (B.3)") {
  Harness h;
  const std::uint64_t old_id = h.client.next_msg_id(h.now - 400s);
  const std::uint64_t ack_id = h.client.next_msg_id(h.now);
  const std::uint64_t container_id = h.client.next_msg_id(h.now);
  h.send_packet(h.client.packet(container_id, 2,
                                container({{old_id, 1, get_nearest_dc()}, {ack_id, 2, msgs_ack({})}})));
  const auto queries = h.take<Query>();
  REQUIRE(queries.size() == 1);
  CHECK(queries[0].msg_id == old_id);
  // But the same old id as a standalone message is refused.
  Harness h2;
  CHECK(expect_bad_msg(h2, old_id, 1, get_nearest_dc()).code == 16);
}

TEST_CASE("19: a container whose msg_id equals an earlier msg_id") {
  Harness h;
  const std::uint64_t id = h.send(get_nearest_dc());
  h.receive();
  const std::uint64_t inner = h.client.next_msg_id(h.now);
  CHECK(expect_bad_msg(h, id, 2, container({{inner - 8, 3, ping(1)}})).code == 19);
}

TEST_CASE("32: seq_no lower than that of a message with a lower msg_id") {
  Harness h;
  const std::uint64_t first = h.client.next_msg_id(h.now);
  h.send_packet(h.client.packet(first, 5, get_nearest_dc()));
  h.receive();
  CHECK(expect_bad_msg(h, h.client.next_msg_id(h.now), 3, get_nearest_dc()).code == 32);
  // Two content-related messages may not share a seq_no either.
  CHECK(expect_bad_msg(h, h.client.next_msg_id(h.now), 5, get_nearest_dc()).code == 32);
  // A gap upwards is fine (a rejected message used up its number; Telethon jumps by 64 after a 32).
  h.send_packet(h.client.packet(h.client.next_msg_id(h.now), 71, get_nearest_dc()));
  CHECK(h.take<Query>().size() == 2);
  CHECK(h.dc.counters().violations(32) == 2);
}

TEST_CASE("33: seq_no higher than that of a message with a higher msg_id (out-of-order arrival)") {
  Harness h;
  const std::uint64_t a = h.client.next_msg_id(h.now);
  const std::uint64_t b = h.client.next_msg_id(h.now);
  const std::uint64_t c = h.client.next_msg_id(h.now);
  h.send_packet(h.client.packet(c, 5, get_nearest_dc()));
  h.receive();
  CHECK(expect_bad_msg(h, b, 7, get_nearest_dc()).code == 33);
  // Arriving late with a number that fits is fine.
  h.send_packet(h.client.packet(a, 1, get_nearest_dc()));
  h.send_packet(h.client.packet(b, 3, get_nearest_dc()));
  CHECK(h.take<Query>().size() == 3);
}

TEST_CASE("34: a container, or msg_copy, with an odd seq_no") {
  Harness h;
  const std::uint64_t inner = h.client.next_msg_id(h.now);
  CHECK(expect_bad_msg(h, h.client.next_msg_id(h.now), 3, container({{inner, 1, get_nearest_dc()}})).code ==
        34);
  CHECK(expect_bad_msg(h, h.client.next_msg_id(h.now), 5, msg_copy(ping(1))).code == 34);
  CHECK(h.dc.counters().violations(34) == 2);
}

TEST_CASE("35: an API query with an even seq_no, also when gzip_packed") {
  Harness h;
  CHECK(expect_bad_msg(h, h.client.next_msg_id(h.now), 2, get_nearest_dc()).code == 35);
  CHECK(expect_bad_msg(h, h.client.next_msg_id(h.now), 2, gzip_packed(api_query(0x12345678, 300))).code ==
        35);
}

TEST_CASE("msgs_ack with an odd seq_no is tolerated and counted (B.2)") {
  Harness h;
  h.send(msgs_ack({}), true);
  h.send(msgs_ack({}), false);
  const auto ms = h.receive();
  for (const ServerMessage& m : ms) CHECK_FALSE(as_bad_msg(m));
  CHECK(h.dc.counters().odd_seq_acks == 1);
  CHECK(h.dc.counters().acks_in == 2);
}

TEST_CASE("service requests are accepted with either seq_no parity (tdlib sends them even, Telethon odd)") {
  Harness h;
  h.send(ping(1), true);
  h.send(ping(2), false);
  h.send(get_future_salts(1), false);
  h.send(msgs_state_req({}), false);
  const auto ms = h.receive();
  for (const ServerMessage& m : ms) CHECK_FALSE(as_bad_msg(m));
  CHECK(of_type(ms, ids::kPong).size() == 2);
  CHECK(of_type(ms, ids::kFutureSalts).size() == 1);
  CHECK(of_type(ms, ids::kMsgsStateInfo).size() == 1);
}

TEST_CASE("48: an unknown salt gets bad_server_salt with the current salt, the message is not processed") {
  Harness h;
  const std::int64_t good = h.client.salt;
  h.client.salt = good ^ 0x5a5a;
  const std::uint64_t id = h.client.next_msg_id(h.now);
  const BadMsg bad = expect_bad_msg(h, id, 1, get_nearest_dc());
  CHECK(bad.code == 48);
  CHECK(bad.new_salt == good);
  CHECK(h.dc.counters().violations(48) == 1);
  // Re-sent with the new salt (and a new msg_id): processed.
  h.client.salt = bad.new_salt;
  h.send(get_nearest_dc());
  CHECK(h.take<Query>().size() == 1);
}

TEST_CASE("Telethon's first message with salt 0 gets bad_server_salt, then the session starts (B.5)") {
  Harness h;
  h.client.salt = 0;
  const std::uint64_t first = h.send(get_nearest_dc());
  CHECK(h.take<Query>().empty());
  auto ms = h.receive();
  REQUIRE(ms.size() == 1);  // no new_session_created yet: nothing was accepted
  const BadMsg bad = *as_bad_msg(ms[0]);
  CHECK(bad.code == 48);
  CHECK(bad.bad_msg_id == first);
  h.client.salt = bad.new_salt;
  const std::uint64_t second = h.send(get_nearest_dc());
  CHECK(h.answer_all() == 1);
  ms = h.receive();
  REQUIRE(ms.size() == 2);
  const auto created = as_new_session(ms[0]);
  REQUIRE(created);
  CHECK(created->first_msg_id == second);
  CHECK(as_rpc_result(ms[1])->req_msg_id == second);
}

TEST_CASE("salts: the previous one is accepted during the overlap, the handshake salt for one period") {
  Harness h;
  const std::int64_t first = h.client.salt;
  h.now += 1800s;  // the next salt starts; the first one is accepted for 1800 s more
  h.send(get_nearest_dc());
  CHECK(h.take<Query>().size() == 1);
  h.now += 1800s;  // now it has expired
  const BadMsg bad = expect_bad_msg(h, h.client.next_msg_id(h.now), 3, get_nearest_dc());
  CHECK(bad.code == 48);
  CHECK(bad.new_salt != first);

  Harness k;
  const crypto::AuthKey key2 = make_key(2);
  k.dc.add_auth_key(key2, std::int64_t{0x0123456789}, k.now);
  TestClient c2(key2, 77, 0x0123456789);
  k.dc.on_packet(1, c2.packet(c2.next_msg_id(k.now), 1, get_nearest_dc()), k.now, k.events);
  CHECK(k.take<Query>().size() == 1);
  k.now += 1801s;
  k.dc.on_packet(1, c2.packet(c2.next_msg_id(k.now), 3, get_nearest_dc()), k.now, k.events);
  CHECK(k.take<Query>().empty());
  CHECK(k.dc.counters().violations(48) == 1);
}

TEST_CASE("64: invalid containers are refused whole") {
  Harness h;
  const auto id = [&] { return h.client.next_msg_id(h.now); };
  SUBCASE("an item whose msg_id is not below the container's") {
    const std::uint64_t c = id();
    CHECK(expect_bad_msg(h, c, 2, container({{c + 4, 1, get_nearest_dc()}})).code == 64);
  }
  SUBCASE("an item whose seq_no is above the container's (it was made after its contents)") {
    const std::uint64_t inner = id();
    CHECK(expect_bad_msg(h, id(), 2, container({{inner, 3, get_nearest_dc()}})).code == 64);
  }
  SUBCASE("a truncated item") {
    const std::uint64_t inner = id();
    Bytes body = container({{inner, 1, get_nearest_dc()}});
    body[8 + 12] = 8;  // the item's length claims more than there is
    CHECK(expect_bad_msg(h, id(), 2, body).code == 64);
  }
  SUBCASE("a nested container") {
    const std::uint64_t a = id();
    const std::uint64_t b = id();
    CHECK(expect_bad_msg(h, id(), 2, container({{b, 2, container({{a, 1, get_nearest_dc()}})}})).code == 64);
  }
  SUBCASE("more than 1024 items") {
    std::vector<Item> items;
    for (int i = 0; i < 1025; ++i) items.push_back({id(), static_cast<std::uint32_t>(2 * i), msgs_ack({})});
    CHECK(expect_bad_msg(h, id(), 2050, container(items)).code == 64);
  }
  SUBCASE("gzip_packed around a container") {
    const std::uint64_t inner = id();
    const std::uint64_t outer = id();
    h.send_packet(h.client.packet(outer, 2, gzip_packed(container({{inner, 1, get_nearest_dc()}}))));
    CHECK(only_bad_msg(h.receive()).code == 64);
  }
  CHECK(h.take<Query>().empty());
}

TEST_CASE("an item with a bad msg_id inside a valid container is refused alone") {
  Harness h;
  const std::uint64_t a = h.client.next_msg_id(h.now);
  const std::uint64_t b = h.client.next_msg_id(h.now);
  const std::uint64_t c = h.client.next_msg_id(h.now);
  h.send_packet(h.client.packet(c, 4, container({{a | 2, 1, get_nearest_dc()}, {b, 3, get_nearest_dc()}})));
  const auto queries = h.take<Query>();
  REQUIRE(queries.size() == 1);
  CHECK(queries[0].msg_id == b);
  const BadMsg bad = only_bad_msg(h.receive());
  CHECK(bad.code == 18);
  CHECK(bad.bad_msg_id == (a | 2));
}

TEST_CASE("20: a msg_id below the remembered window cannot be checked for duplicates") {
  DcOptions o = fixed_options();
  o.limits.received_window = 4;
  Harness h(o);
  const std::uint64_t early = h.client.next_msg_id(h.now);
  for (int i = 0; i < 4; ++i) h.send(msgs_ack({}), false);
  h.receive();
  CHECK(expect_bad_msg(h, early, 0, ping(1)).code == 20);
}

TEST_CASE("a duplicate request gets the same answer again, and the handler is not called twice (B.7)") {
  Harness h;
  const std::uint64_t id = h.client.next_msg_id(h.now);
  const Bytes packet = h.client.packet(id, 1, get_nearest_dc());
  h.send_packet(packet);
  // Still running: a duplicate is ignored (the answer will come).
  h.send_packet(packet);
  CHECK(h.answer_all(Bytes{9, 9, 9, 9}) == 1);
  const auto first = of_type(h.receive(), ids::kRpcResult);
  REQUIRE(first.size() == 1);
  // Answered: the same request again (e.g. re-sent after a reconnect) gets the kept answer.
  h.send_packet(packet);
  CHECK(h.take<Query>().empty());
  const auto again = of_type(h.receive(), ids::kRpcResult);
  REQUIRE(again.size() == 1);
  CHECK(again[0].body == first[0].body);
  CHECK(again[0].msg_id > first[0].msg_id);  // a new message, not a reused id
  CHECK(h.dc.counters().queries == 1);
  CHECK(h.dc.counters().duplicates_replayed == 1);
  CHECK(h.dc.counters().duplicates_ignored == 1);
}

TEST_CASE("packets that fail decryption or the envelope checks are dropped silently") {
  Harness h;
  SUBCASE("bad msg_key") {
    Bytes p = h.client.packet(h.client.next_msg_id(h.now), 1, get_nearest_dc());
    p[30] ^= 1;
    h.send_packet(p);
    const auto dropped = h.take<Dropped>();
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].reason == DropReason::kBadMsgKey);
  }
  SUBCASE("padding over 1024 bytes") {
    Bytes plaintext;
    build_plaintext({h.client.salt, h.client.session_id, h.client.next_msg_id(h.now), 1}, get_nearest_dc(),
                    crypto::random_fill, plaintext);
    plaintext.resize(plaintext.size() + 1024);
    h.send_packet(h.client.raw_packet(plaintext));
    const auto dropped = h.take<Dropped>();
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].reason == DropReason::kEnvelopeBadPadding);
  }
  SUBCASE("a length beyond the packet") {
    Bytes plaintext;
    build_plaintext({h.client.salt, h.client.session_id, h.client.next_msg_id(h.now), 1}, get_nearest_dc(),
                    crypto::random_fill, plaintext);
    plaintext[28] = 0xf0;
    h.send_packet(h.client.raw_packet(plaintext));
    const auto dropped = h.take<Dropped>();
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].reason == DropReason::kEnvelopeBadLength);
  }
  SUBCASE("a ciphertext that is not a multiple of 16") {
    Bytes p = h.client.packet(h.client.next_msg_id(h.now), 1, get_nearest_dc());
    p.pop_back();
    h.send_packet(p);
    REQUIRE(h.take<Dropped>().size() == 1);
  }
  CHECK(h.take<Query>().empty());
  CHECK(h.receive().empty());
}

TEST_CASE("an unknown auth key gets transport error -404, so does session_id 0") {
  Harness h;
  const crypto::AuthKey other = make_key(9);
  TestClient stranger(other, 5, h.client.salt);
  h.send_packet(stranger.packet(stranger.next_msg_id(h.now), 1, get_nearest_dc()));
  auto errors = h.take<TransportError>();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].code == -404);
  CHECK(errors[0].cause == TransportErrorCause::kUnknownAuthKey);
  CHECK(errors[0].connection == h.connection);
  CHECK(h.dc.counters().unknown_auth_key == 1);

  h.client.session_id = 0;
  h.send(get_nearest_dc());
  errors = h.take<TransportError>();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].cause == TransportErrorCause::kZeroSessionId);
  CHECK(h.take<Query>().empty());
}

TEST_CASE("an unencrypted packet is not the session's business") {
  Harness h;
  h.send_packet(Bytes(40, 0));
  const auto dropped = h.take<Dropped>();
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].reason == DropReason::kNotEncrypted);
}
