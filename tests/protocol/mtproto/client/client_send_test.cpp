// Outbound: single messages, containers and their limits, msg_id/seq_no assignment, gzip, acks,
// quick acks; and the simplest inbound answers (Result, Error, gzip_packed results, updates).
#include <doctest/doctest.h>

#include <set>

#include "protocol/mtproto/service_ids.hpp"
#include "session_fixture.hpp"

using namespace tgd;
using namespace tgd::mtproto;
using namespace tgd::mtproto::test;

TEST_CASE("a single request goes out alone and its rpc_result becomes exactly one Result") {
  SessionFixture f;
  const RequestId id = f.client.send(test_query(7));
  REQUIRE(id);
  const ClientPacket p = f.flush_one(at(0));
  CHECK_FALSE(p.container);
  REQUIRE(p.messages.size() == 1);
  CHECK(p.header.session_id == f.client.session_id());
  CHECK(p.header.salt == kSalt);
  CHECK(p.header.msg_id % 4 == 0);
  CHECK(p.header.seq_no == 1);
  CHECK(p.messages[0].body == test_query(7));
  CHECK(f.client.counters().in_flight == 1);

  const Bytes answer = test_answer(test_query(7));
  f.deliver_message(rpc_result(p.header.msg_id, answer), true, at(0.1));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].id == id);
  CHECK(results[0].body == answer);
  CHECK(f.events.empty());
  CHECK(f.client.counters().in_flight == 0);
  CHECK(f.client.counters().results == 1);

  // The same answer again (a new server message) is ignored.
  f.deliver_message(rpc_result(p.header.msg_id, answer), true, at(0.2));
  CHECK(f.events.empty());
  CHECK(f.client.counters().ignored_answers == 1);
}

TEST_CASE("1000 requests in one flush fill one container with increasing msg_ids and odd seq_nos") {
  SessionFixture f;
  std::vector<RequestId> ids;
  for (std::uint32_t i = 0; i < 1000; ++i) ids.push_back(f.client.send(test_query(i)));
  const ClientPacket p = f.flush_one(at(0));
  REQUIRE(p.container);
  REQUIRE(p.messages.size() == 1000);
  std::uint64_t last = 0;
  for (std::size_t i = 0; i < p.messages.size(); ++i) {
    CHECK(p.messages[i].msg_id > last);
    CHECK(p.messages[i].msg_id % 4 == 0);
    CHECK(p.messages[i].seq_no == 2 * i + 1);
    CHECK(p.messages[i].body == test_query(static_cast<std::uint32_t>(i)));
    last = p.messages[i].msg_id;
  }
  // The container comes after its contents: a greater id, an even seq_no not below theirs.
  CHECK(p.header.msg_id > last);
  CHECK(p.header.seq_no == 2000);

  std::vector<FakeServer::Message> answers;
  for (const auto& m : p.messages)
    answers.push_back(f.server.message(rpc_result(m.msg_id, test_answer(m.body)), true, at(1)));
  f.deliver(f.server.seal(answers, at(1)), at(1));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 1000);
  for (std::size_t i = 0; i < 1000; ++i) {
    CHECK(results[i].id == ids[i]);
    CHECK(results[i].body == test_answer(test_query(static_cast<std::uint32_t>(i))));
  }
  const auto c = f.client.counters();
  CHECK(c.containers_sent == 1);
  CHECK(c.container_messages == 1000);
  CHECK(c.in_flight == 0);
}

TEST_CASE("container limits split a flush into several packets, msg_ids and seq_nos continuing across them") {
  ClientSessionOptions options = quiet_options();
  SUBCASE("by message count") { options.max_container_messages = 100; }
  SUBCASE("by bytes") { options.max_container_bytes = 100 * (16 + 8) + 8; }
  SessionFixture f(options);
  for (std::uint32_t i = 0; i < 1000; ++i) f.client.send(test_query(i));
  const auto packets = f.flush(at(0));
  REQUIRE(packets.size() == 10);
  std::uint64_t last = 0;
  std::uint32_t content = 0;
  std::set<std::uint64_t> unique;
  for (const auto& p : packets) {
    REQUIRE(p.container);
    CHECK(p.messages.size() == 100);
    for (const auto& m : p.messages) {
      CHECK(m.msg_id > last);
      CHECK(m.seq_no == 2 * content++ + 1);
      last = m.msg_id;
      unique.insert(m.msg_id);
    }
    CHECK(p.header.msg_id > last);
    CHECK(p.header.seq_no == 2 * content);
    last = p.header.msg_id;
    unique.insert(p.header.msg_id);
  }
  CHECK(unique.size() == 1010);
  CHECK(f.client.counters().containers_sent == 10);
}

TEST_CASE("a body larger than the container byte limit goes out alone") {
  ClientSessionOptions options = quiet_options();
  options.max_container_bytes = 256;
  options.gzip_threshold = 0;
  SessionFixture f(options);
  f.client.send(test_query(1));
  f.client.send(test_query(2, 1000));
  f.client.send(test_query(3));
  const auto packets = f.flush(at(0));
  REQUIRE(packets.size() == 3);
  for (const auto& p : packets) CHECK_FALSE(p.container);
  CHECK(packets[1].messages[0].body == test_query(2, 1000));
}

TEST_CASE("non content-related requests get even seq_nos without advancing the counter") {
  SessionFixture f;
  f.client.send(test_query(1));
  f.client.send(test_query(2), not_content_related());
  f.client.send(test_query(3));
  const ClientPacket p = f.flush_one(at(0));
  REQUIRE(p.messages.size() == 3);
  CHECK(p.messages[0].seq_no == 1);
  CHECK(p.messages[1].seq_no == 2);
  CHECK(p.messages[2].seq_no == 3);
  CHECK(p.header.seq_no == 4);
}

TEST_CASE(
    "large compressible queries go gzip_packed keeping their odd seq_no, small or incompressible ones do "
    "not") {
  SessionFixture f;
  f.client.send(test_query(1, 4000));  // compressible
  f.client.send(test_query(2, 100));   // below the threshold
  Bytes noise = test_query(3);
  Bytes random(2000);
  seeded_random(9)(random);
  noise.insert(noise.end(), random.begin(), random.end());
  f.client.send(noise);  // incompressible
  const ClientPacket p = f.flush_one(at(0));
  REQUIRE(p.messages.size() == 3);
  CHECK(constructor(p.messages[0].body) == ids::kGzipPacked);
  CHECK(p.messages[0].body.size() < 1000);
  CHECK(p.messages[0].seq_no == 1);
  const Query q = unwrap(p.messages[0].body);
  CHECK(q.gzipped);
  CHECK(q.body == test_query(1, 4000));
  CHECK(p.messages[1].body == test_query(2, 100));
  CHECK(p.messages[2].body == noise);
  CHECK(f.client.counters().gzip_packed_sent == 1);
}

TEST_CASE("a query sent as not compressible goes as it is however well it would compress") {
  SessionFixture f;
  SendOptions options;
  options.compressible = false;
  f.client.send(test_query(1, 4000), options);
  const ClientPacket p = f.flush_one(at(0));
  REQUIRE(p.messages.size() == 1);
  CHECK(p.messages[0].body == test_query(1, 4000));
  CHECK(f.client.counters().gzip_packed_sent == 0);
}

TEST_CASE("one flush serialises about max_flush_bytes of queries, the next flush the rest, in order") {
  SessionFixture f;
  SendOptions options;
  options.compressible = false;
  for (std::uint32_t i = 1; i <= 3; ++i) f.client.send(test_query(i, 600 * 1024), options);
  // 600 KiB, then 1.2 MiB >= 1 MiB: the third waits.
  std::vector<ClientPacket> first = f.flush(at(0));
  std::size_t messages = 0;
  for (const ClientPacket& p : first) messages += p.messages.size();
  CHECK(messages == 2);
  CHECK(f.client.wants_flush(at(0)));
  std::vector<ClientPacket> second = f.flush(at(0));
  REQUIRE(second.size() == 1);
  REQUIRE(second[0].messages.size() == 1);
  CHECK(second[0].messages[0].body == test_query(3, 600 * 1024));
}

TEST_CASE("rpc_error becomes an Error with code and message, counted by code") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  const RequestId b = f.client.send(test_query(2));
  const ClientPacket p = f.flush_one(at(0));
  std::vector<FakeServer::Message> answers{
      f.server.message(rpc_error(p.messages[0].msg_id, 420, "FLOOD_WAIT_7"), true, at(1)),
      f.server.message(rpc_error(p.messages[1].msg_id, 420, "FLOOD_WAIT_8"), true, at(1))};
  f.deliver(f.server.seal(answers, at(1)), at(1));
  auto errors = f.take<client_event::Error>();
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].id == a);
  CHECK(errors[0].code == 420);
  CHECK(errors[0].message == "FLOOD_WAIT_7");
  CHECK(errors[1].id == b);
  const auto c = f.client.counters();
  CHECK(c.rpc_errors == 2);
  CHECK(c.rpc_errors_by_code.at(420) == 2);
}

TEST_CASE("a gzip_packed result is inflated, a corrupt one fails the request as MalformedAnswer") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1));
  const RequestId b = f.client.send(test_query(2));
  const RequestId c = f.client.send(test_query(3));
  const ClientPacket p = f.flush_one(at(0));
  const Bytes big = test_answer(test_query(1, 3000));
  Bytes corrupt = gzip_packed(big);
  corrupt[20] ^= 0xff;
  Bytes packed_error;
  {
    const Bytes e = rpc_error(0, 500, "INTERNAL");
    packed_error = gzip_packed(ByteSpan(e).subspan(12));  // the rpc_error object alone
  }
  std::vector<FakeServer::Message> answers{
      f.server.message(rpc_result(p.messages[0].msg_id, gzip_packed(big)), true, at(1)),
      f.server.message(rpc_result(p.messages[1].msg_id, corrupt), true, at(1)),
      f.server.message(rpc_result(p.messages[2].msg_id, packed_error), true, at(1))};
  f.deliver(f.server.seal(answers, at(1)), at(1));
  auto results = f.take<client_event::Result>();
  REQUIRE(results.size() == 1);
  CHECK(results[0].id == a);
  CHECK(results[0].body == big);
  auto failed = f.take<client_event::Failed>();
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].id == b);
  CHECK(failed[0].reason == FailReason::MalformedAnswer);
  auto errors = f.take<client_event::Error>();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].id == c);
  CHECK(errors[0].code == 500);
}

TEST_CASE("acks go only to odd seq_no messages and ride along with the next request") {
  SessionFixture f;
  f.client.send(test_query(1));
  const ClientPacket p = f.flush_one(at(0));
  const auto result = f.deliver_message(rpc_result(p.header.msg_id, test_answer(test_query(1))), true, at(1));
  const auto update = f.deliver_message(test_answer(test_query(99)), true, at(1));
  f.deliver_message(msgs_ack({p.header.msg_id}), false, at(1), false);  // even: no ack
  // Fewer than ack_flush_count and younger than ack_delay: nothing goes out on its own.
  CHECK(f.flush(at(1.5)).empty());

  f.client.send(test_query(2));
  const ClientPacket next = f.flush_one(at(1.5));
  REQUIRE(next.container);
  const auto acks = with_constructor(next, ids::kMsgsAck);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].seq_no % 2 == 0);
  CHECK(id_vector(acks[0].body) == std::vector<std::uint64_t>{result.msg_id, update.msg_id});
  CHECK(queries_in(next).size() == 1);
  // Nothing left to ack.
  CHECK(f.flush(at(100)).empty());
}

TEST_CASE("pending acks go out alone when ack_flush_count are pending or ack_delay has passed") {
  SessionFixture f;
  for (int i = 0; i < 15; ++i) f.deliver_message(test_answer(test_query(i)), true, at(0));
  CHECK(f.flush(at(0)).empty());
  REQUIRE(f.client.next_deadline());
  CHECK(*f.client.next_deadline() == at(0) + std::chrono::seconds(2));
  auto late = f.flush_one(at(2));
  CHECK_FALSE(late.container);
  CHECK(id_vector(late.messages[0].body).size() == 15);

  for (int i = 0; i < 16; ++i) f.deliver_message(test_answer(test_query(i)), true, at(3));
  const ClientPacket p = f.flush_one(at(3));
  CHECK(constructor(p.messages[0].body) == ids::kMsgsAck);
  CHECK(id_vector(p.messages[0].body).size() == 16);
  CHECK(f.client.counters().acks_sent == 31);
}

TEST_CASE("content-related server messages that are not answers become Update events, inflated if packed") {
  SessionFixture f;
  const Bytes update = test_answer(test_query(5, 2000));
  f.deliver_message(update, true, at(0), false);
  f.deliver_message(gzip_packed(update), true, at(0), false);
  f.deliver_message(test_answer(test_query(6)), false, at(0), false);  // not content-related: ignored
  auto updates = f.take<client_event::Update>();
  REQUIRE(updates.size() == 2);
  CHECK(updates[0].body == update);
  CHECK(updates[1].body == update);
  CHECK(f.client.counters().ignored_messages == 1);
}

TEST_CASE("a quick ack names the requests of its packet that asked for one") {
  SessionFixture f;
  const RequestId a = f.client.send(test_query(1), with_quick_ack());
  f.client.send(test_query(2));
  f.flush(at(0));
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].quick_ack);
  f.client.on_quick_ack(f.out[0].quick_ack_token, f.events);
  auto acked = f.take<client_event::QuickAcked>();
  REQUIRE(acked.size() == 1);
  CHECK(acked[0].ids == std::vector<RequestId>{a});
  // An unknown token, or the same one twice, yields nothing.
  f.client.on_quick_ack(f.out[0].quick_ack_token, f.events);
  f.client.on_quick_ack(0x80000001, f.events);
  CHECK(f.events.empty());

  f.client.send(test_query(3));
  f.flush(at(0));
  CHECK_FALSE(f.out[0].quick_ack);
}

TEST_CASE("a stray rpc_error outside rpc_result is not taken for an update") {
  SessionFixture f;
  const Bytes wrapped = rpc_error(0, 400, "STRAY");
  f.deliver_message(Bytes(wrapped.begin() + 12, wrapped.end()), true, at(0), false);
  CHECK(f.events.empty());
  CHECK(f.client.counters().ignored_messages == 1);
}
