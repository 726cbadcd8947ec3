// The handshake's TL objects against the bytes of the worked sample (facts §2.11) and round trips.
#include <doctest/doctest.h>

#include "protocol/base/hex.hpp"
#include "protocol/crypto/dh.hpp"
#include "protocol/handshake/messages.hpp"
#include "tests/protocol/crypto/samples_auth_key.hpp"
#include "tests/protocol/handshake/test_support.hpp"

using namespace tgd;
using namespace tgd::handshake;
using tgd::handshake::test::int128;
namespace page = tgd::crypto::test::samples_auth_key;

TEST_CASE("messages: p_q_inner_data_dc of the sample is the 100 bytes of facts §2.11") {
  PqInnerData inner;
  inner.pq = hex_bytes("256595EDB7766797");
  inner.p = hex_bytes("5A300D4B");
  inner.q = hex_bytes("6A26DB65");
  inner.nonce = int128(hex_bytes(page::kNonce));
  inner.server_nonce = int128(hex_bytes(page::kServerNonce));
  const Bytes new_nonce = hex_bytes(page::kNewNonce);
  inner.new_nonce = NewNonce(ByteSpan(new_nonce).first<32>());
  inner.dc = 2;
  const crypto::SecureBytes bytes = serialize(inner);
  CHECK(bytes.size() == 100);
  CHECK(to_hex(bytes) == to_hex(hex_bytes(std::string("955FF5A9 08256595EDB7766797000000 045A300D4B000000 "
                                                      "046A26DB65000000") +
                                          std::string(page::kNonce) + std::string(page::kServerNonce) +
                                          std::string(page::kNewNonce) + "02000000")));

  tl::TlReader r(bytes);
  const std::optional<PqInnerData> back = read_pq_inner_data(r);
  REQUIRE(back);
  CHECK(r.done());
  CHECK(back->dc == 2);
  CHECK(!back->expires_in);
  CHECK(to_hex(back->new_nonce) == to_hex(new_nonce));
  CHECK(to_hex(back->pq) == "256595edb7766797");
}

TEST_CASE("messages: the four p_q_inner_data constructors") {
  PqInnerData inner;
  inner.pq = {1};
  inner.p = {2};
  inner.q = {3};
  const auto id_of = [](const PqInnerData& m) { return constructor_id(serialize(m)); };
  CHECK(id_of(inner) == tl_id::kPqInnerData);
  inner.expires_in = 86400;
  CHECK(id_of(inner) == tl_id::kPqInnerDataTemp);
  inner.dc = -10002;
  CHECK(id_of(inner) == tl_id::kPqInnerDataTempDc);
  const crypto::SecureBytes bytes = serialize(inner);
  tl::TlReader r(bytes);
  const std::optional<PqInnerData> back = read_pq_inner_data(r);
  REQUIRE(back);
  CHECK(back->dc == -10002);
  CHECK(back->expires_in == 86400);
  inner.expires_in.reset();
  CHECK(id_of(inner) == tl_id::kPqInnerDataDc);
}

TEST_CASE("messages: client_DH_inner_data of the sample matches the page") {
  ClientDhInnerData inner;
  inner.nonce = int128(hex_bytes(page::kNonce));
  inner.server_nonce = int128(hex_bytes(page::kServerNonce));
  inner.g_b = hex_bytes(page::kGB);
  CHECK(to_hex(serialize(inner)) == to_hex(hex_bytes(page::kClientDhInnerData)));
}

TEST_CASE("messages: server_DH_inner_data of the sample reads and re-serializes to the same bytes") {
  const Bytes answer_with_hash = hex_bytes(page::kAnswerWithHash);
  const ByteSpan data = ByteSpan(answer_with_hash).subspan(20);
  tl::TlReader r(data);
  const std::optional<ServerDhInnerData> inner = read_server_dh_inner_data(r);
  REQUIRE(inner);
  CHECK(r.offset() == 564);
  CHECK(inner->g == 3);
  CHECK(inner->server_time == 1707425105);
  CHECK(to_hex(inner->dh_prime) == to_hex(crypto::production_dh_prime()));
  CHECK(to_hex(serialize(*inner)) == to_hex(data.first(564)));
}

TEST_CASE("messages: resPQ serializes pq as TL bytes and fingerprints as a boxed vector") {
  ResPq res;
  res.nonce = int128(hex_bytes(page::kNonce));
  res.server_nonce = int128(hex_bytes(page::kServerNonce));
  res.pq = hex_bytes("256595EDB7766797");
  res.fingerprints = {static_cast<std::int64_t>(0xd09d1d85de64fd85ULL)};
  const Bytes bytes = serialize(res);
  CHECK(to_hex(bytes) == to_hex(hex_bytes(std::string("63241605") + std::string(page::kNonce) +
                                          std::string(page::kServerNonce) +
                                          "08256595EDB7766797000000 15c4b51c 01000000 85fd64de851d9dd0")));
  const std::optional<ResPq> back = parse_res_pq(bytes);
  REQUIRE(back);
  CHECK(back->fingerprints == res.fingerprints);
  CHECK(back->pq == res.pq);
}

TEST_CASE("messages: every top-level message round-trips, and truncation or trailing bytes are rejected") {
  const Int128 nonce = int128(hex_bytes(page::kNonce));
  const Int128 server_nonce = int128(hex_bytes(page::kServerNonce));

  const Bytes req_pq = serialize(ReqPq{nonce, true});
  CHECK(to_hex(ByteSpan(req_pq).first(4)) == "f18e7ebe");
  CHECK(parse_req_pq(req_pq)->multi);
  CHECK(!parse_req_pq(serialize(ReqPq{nonce, false}))->multi);

  ReqDhParams req;
  req.nonce = nonce;
  req.server_nonce = server_nonce;
  req.p = {0x5a, 0x30, 0x0d, 0x4b};
  req.q = {0x6a, 0x26, 0xdb, 0x65};
  req.public_key_fingerprint = -3414540481677951611;
  req.encrypted_data = Bytes(256, 7);
  const Bytes req_bytes = serialize(req);
  const std::optional<ReqDhParams> req_back = parse_req_dh_params(req_bytes);
  REQUIRE(req_back);
  CHECK(req_back->public_key_fingerprint == req.public_key_fingerprint);
  CHECK(req_back->encrypted_data == req.encrypted_data);

  const Bytes ok = serialize(ServerDhParamsOk{nonce, server_nonce, hex_bytes(page::kEncryptedAnswer)});
  const std::optional<ServerDhParams> ok_back = parse_server_dh_params(ok);
  REQUIRE(ok_back);
  CHECK(std::get<ServerDhParamsOk>(*ok_back).encrypted_answer.size() == 592);
  const Bytes refusal = serialize(ServerDhParamsFail{nonce, server_nonce, nonce});
  REQUIRE(parse_server_dh_params(refusal));
  CHECK(std::holds_alternative<ServerDhParamsFail>(*parse_server_dh_params(refusal)));

  const Bytes set =
      serialize(SetClientDhParams{nonce, server_nonce, hex_bytes(page::kClientDhEncryptedData)});
  REQUIRE(parse_set_client_dh_params(set));

  for (DhGenResult result : {DhGenResult::kOk, DhGenResult::kRetry, DhGenResult::kFail}) {
    const Bytes gen =
        serialize(DhGenAnswer{result, nonce, server_nonce, int128(hex_bytes(page::kNewNonceHash1))});
    const std::optional<DhGenAnswer> back = parse_dh_gen_answer(gen);
    REQUIRE(back);
    CHECK(back->result == result);
  }
  CHECK(to_hex(ByteSpan(serialize(DhGenAnswer{DhGenResult::kOk, nonce, server_nonce, {}})).first(4)) ==
        "34f7cb3b");

  for (const Bytes* message : {&req_pq, &req_bytes, &ok, &refusal, &set}) {
    Bytes longer = *message;
    longer.insert(longer.end(), {0, 0, 0, 0});
    const ByteSpan shorter = ByteSpan(*message).first(message->size() - 4);
    CHECK(!parse_req_pq(longer));
    CHECK(!parse_req_dh_params(longer));
    CHECK(!parse_server_dh_params(longer));
    CHECK(!parse_set_client_dh_params(longer));
    CHECK(!parse_req_pq(shorter));
    CHECK(!parse_req_dh_params(shorter));
    CHECK(!parse_server_dh_params(shorter));
    CHECK(!parse_set_client_dh_params(shorter));
  }
  CHECK(!constructor_id(Bytes{1, 2, 3}));
}

TEST_CASE("messages: a resPQ announcing more fingerprints than fit is rejected without allocating them") {
  ResPq res;
  res.pq = {1};
  res.fingerprints = {1};
  Bytes bytes = serialize(res);
  bytes[bytes.size() - 12] = 0xff;  // count 255 + 256*... of the vector header
  bytes[bytes.size() - 10] = 0xff;
  CHECK(!parse_res_pq(bytes));
}
