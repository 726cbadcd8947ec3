// The test-DC side's checks (facts §2.1 "server behaviour", §2.2, §2.5): each client message with
// one field tampered ends the handshake with a reason the caller turns into -404 (or -444), and a
// repeated identical request gets the identical answer.
#include <doctest/doctest.h>

#include "protocol/crypto/dh.hpp"
#include "protocol/crypto/pq.hpp"
#include "protocol/crypto/rsa_pad.hpp"
#include "tests/protocol/handshake/exchange.hpp"

using namespace tgd;
using namespace tgd::handshake;
using namespace tgd::handshake::test;

namespace {

const Bytes kNonce(16, 0xa1);
const Bytes kNewNonce(32, 0xb2);

// A client whose nonce and new_nonce are known, and the server it talks to, stepped by hand.
struct Run {
  explicit Run(ServerHandshake::Options server_opts = server_options(100), std::int32_t dc_id = 2)
      : server(std::move(server_opts)), client(known_client(dc_id)) {}

  static ClientHandshake::Options known_client(std::int32_t dc_id) {
    ClientHandshake::Options options = client_options(200, dc_id);
    options.random = scripted_random({kNonce, kNewNonce}, 201);
    return options;
  }

  ServerHandshake::Step to_server(const Bytes& body) {
    return server.on_message(plain(body, next_id += 4), now);
  }

  // Runs up to the server's resPQ / the client's req_DH_params / the client's set_client_DH_params.
  void until_res_pq() {
    req_pq = body_of(client.start(now));
    res_pq = body_of(sent(to_server(req_pq)));
  }
  void until_req_dh() {
    until_res_pq();
    req_dh = body_of(sent(client.on_message(plain(res_pq, 1), now)));
  }
  void until_set_dh() {
    until_req_dh();
    dh_params = body_of(sent(to_server(req_dh)));
    set_dh = body_of(sent(client.on_message(plain(dh_params, 5), now)));
  }

  ResPq res() const { return *parse_res_pq(res_pq); }
  ReqDhParams req() const { return *parse_req_dh_params(req_dh); }
  crypto::AesKeyIv tmp() const { return tmp_key(kNewNonce, res().server_nonce); }
  ServerDhInnerData server_inner() const {
    return open_server_dh_inner_data(
        tmp(), std::get<ServerDhParamsOk>(*parse_server_dh_params(dh_params)).encrypted_answer);
  }

  // set_client_DH_params carrying `inner`, sealed with the tmp key.
  Bytes set_client(const ClientDhInnerData& inner, std::size_t extra_blocks = 0,
                   bool corrupt_hash = false) const {
    const Bytes data = serialize(inner);
    return serialize(
        SetClientDhParams{int128(kNonce), res().server_nonce,
                          seal(tmp(), data, padding_for(data.size(), extra_blocks), corrupt_hash)});
  }
  ClientDhInnerData valid_client_inner() const {
    ClientDhInnerData inner;
    inner.nonce = int128(kNonce);
    inner.server_nonce = res().server_nonce;
    inner.g_b = *crypto::mod_pow(Bytes{3}, Bytes(256, 0x37), crypto::production_dh_prime());
    return inner;
  }

  // req_DH_params whose inner data is `inner`, under RSA_PAD with the server's key.
  Bytes req_dh_with(const PqInnerData& inner) const {
    ReqDhParams r = req();
    r.encrypted_data = *crypto::rsa_pad_encrypt(test_key()->public_key(), serialize(inner));
    return serialize(r);
  }
  PqInnerData valid_inner() const {
    PqInnerData inner;
    inner.pq = res().pq;
    inner.p = req().p;
    inner.q = req().q;
    inner.nonce = int128(kNonce);
    inner.server_nonce = res().server_nonce;
    inner.new_nonce = NewNonce(ByteSpan(kNewNonce).first<32>());
    inner.dc = 2;
    return inner;
  }

  ServerHandshake server;
  ClientHandshake client;
  UnixNanos now = at_seconds(1700000000.5);
  std::uint64_t next_id = std::uint64_t{1700000000} << 32;
  Bytes req_pq, res_pq, req_dh, dh_params, set_dh;
};

ServerError failure_of(ServerHandshake::Step step) { return failure(std::move(step)); }

Int128 flipped(Int128 value) {
  value[3] ^= 0x40;
  return value;
}

}  // namespace

TEST_CASE("server: resPQ offers our key, a pq of two 31-bit primes, answers with odd msg_ids") {
  Run run;
  run.until_res_pq();
  const ResPq res = run.res();
  CHECK(res.nonce == int128(kNonce));
  CHECK(res.fingerprints == std::vector<std::int64_t>{test_key()->public_key().fingerprint()});
  const std::optional<crypto::PqFactors> factors = crypto::factorize_pq(res.pq);
  REQUIRE(factors);
  CHECK(factors->p >= (1u << 30));
  CHECK(factors->q < (1u << 31));
  CHECK(msg_id_of(sent(run.to_server(run.req_pq))) % 4 == 1);
}

TEST_CASE("server: plain message checks") {
  Run run;
  Bytes encrypted = plain(serialize(ReqPq{int128(kNonce), true}), 4);
  encrypted[7] = 1;
  CHECK(failure_of(run.server.on_message(encrypted, run.now)) == ServerError::kBadPlainMessage);

  for (std::uint64_t bad_id : {std::uint64_t{5}, std::uint64_t{6}, std::uint64_t{7}}) {
    Run other;
    CHECK(failure_of(other.server.on_message(plain(serialize(ReqPq{int128(kNonce), true}), bad_id),
                                             other.now)) == ServerError::kBadPlainMessage);
  }
}

TEST_CASE("server: a failed handshake answers everything with a failure, even a valid req_pq") {
  Run run;
  const ServerHandshake::Step step = run.to_server(serialize(DhGenAnswer{}));  // not a request
  const auto failed = take<ServerHandshake::Failed>(step);
  CHECK(failed.code == ServerError::kUnexpectedMessage);
  CHECK(failed.transport_error() == -404);
  CHECK(failure_of(run.to_server(serialize(ReqPq{int128(kNonce), true}))) == ServerError::kAfterFailure);
}

TEST_CASE("server: requests out of order") {
  Run donor;
  donor.until_set_dh();
  SUBCASE("req_DH_params first") {
    Run run;
    CHECK(failure_of(run.to_server(donor.req_dh)) == ServerError::kUnexpectedMessage);
  }
  SUBCASE("set_client_DH_params first") {
    Run run;
    CHECK(failure_of(run.to_server(donor.set_dh)) == ServerError::kUnexpectedMessage);
  }
  SUBCASE("set_client_DH_params instead of req_DH_params") {
    Run run;
    run.until_res_pq();
    CHECK(failure_of(run.to_server(donor.set_dh)) == ServerError::kUnexpectedMessage);
  }
  SUBCASE("a new req_pq_multi in the middle of the handshake") {
    Run run;
    run.until_req_dh();
    CHECK(failure_of(run.to_server(serialize(ReqPq{int128(Bytes(16, 3)), true}))) ==
          ServerError::kUnexpectedMessage);
  }
  SUBCASE("replay of an older request") {
    Run run;
    run.until_set_dh();
    CHECK(failure_of(run.to_server(run.req_pq)) == ServerError::kUnexpectedMessage);
  }
  SUBCASE("replay of req_DH_params after the key was made") {
    Run run;
    run.until_set_dh();
    (void)take<ServerHandshake::Done>(run.to_server(run.set_dh));
    CHECK(failure_of(run.to_server(run.req_dh)) == ServerError::kUnexpectedMessage);
  }
  SUBCASE("malformed req_pq") {
    Run run;
    Bytes req = serialize(ReqPq{int128(kNonce), true});
    req.resize(req.size() + 4);
    CHECK(failure_of(run.to_server(req)) == ServerError::kMalformedMessage);
  }
}

TEST_CASE("server: an identical repeated request gets the identical answer (new msg_id)") {
  Run run;
  run.until_res_pq();
  const Bytes res_again = sent(run.to_server(run.req_pq));
  CHECK(body_of(res_again) == run.res_pq);

  run.req_dh = body_of(sent(run.client.on_message(plain(run.res_pq, 1), run.now)));
  const Bytes first = sent(run.to_server(run.req_dh));
  const Bytes second = sent(run.to_server(run.req_dh));
  CHECK(body_of(first) == body_of(second));
  CHECK(msg_id_of(second) > msg_id_of(first));
  CHECK(msg_id_of(second) % 4 == 1);

  run.dh_params = body_of(first);
  run.set_dh = body_of(sent(run.client.on_message(first, run.now)));
  const auto done = take<ServerHandshake::Done>(run.to_server(run.set_dh));
  const Bytes repeated = sent(run.to_server(run.set_dh));  // Done only once; the answer again
  CHECK(body_of(repeated) == body_of(done.message));
  const auto client_done = take<ClientHandshake::Done>(run.client.on_message(repeated, run.now));
  CHECK(client_done.key.id() == done.key.id());
}

TEST_CASE("server: req_DH_params checks") {
  Run run;
  run.until_req_dh();
  SUBCASE("nonce") {
    ReqDhParams r = run.req();
    r.nonce = flipped(r.nonce);
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kNonceMismatch);
  }
  SUBCASE("server_nonce") {
    ReqDhParams r = run.req();
    r.server_nonce = flipped(r.server_nonce);
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kServerNonceMismatch);
  }
  SUBCASE("fingerprint") {
    ReqDhParams r = run.req();
    r.public_key_fingerprint ^= 1;
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kUnknownFingerprint);
  }
  SUBCASE("wrong p") {
    ReqDhParams r = run.req();
    r.p.back() += 2;
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kBadPq);
  }
  SUBCASE("1 and pq") {
    ReqDhParams r = run.req();
    r.p = {1};
    r.q = run.res().pq;
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kBadPq);
  }
  SUBCASE("p and q swapped is still p * q == pq, but then differs from the inner data") {
    ReqDhParams r = run.req();
    std::swap(r.p, r.q);
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kBadPq);
  }
  SUBCASE("tampered RSA block") {
    ReqDhParams r = run.req();
    r.encrypted_data[100] ^= 1;
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kBadRsaPayload);
  }
  SUBCASE("RSA block of 255 bytes") {
    ReqDhParams r = run.req();
    r.encrypted_data.erase(r.encrypted_data.begin());
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kBadRsaPayload);
  }
  SUBCASE("malformed") {
    Bytes body = run.req_dh;
    body.resize(body.size() - 8);
    CHECK(failure_of(run.to_server(body)) == ServerError::kMalformedMessage);
  }
}

TEST_CASE("server: p_q_inner_data checks") {
  Run run;
  run.until_req_dh();
  SUBCASE("well-formed inner data crafted independently is accepted") {
    (void)sent(run.to_server(run.req_dh_with(run.valid_inner())));
  }
  SUBCASE("nonce") {
    PqInnerData inner = run.valid_inner();
    inner.nonce = flipped(inner.nonce);
    CHECK(failure_of(run.to_server(run.req_dh_with(inner))) == ServerError::kNonceMismatch);
  }
  SUBCASE("server_nonce") {
    PqInnerData inner = run.valid_inner();
    inner.server_nonce = flipped(inner.server_nonce);
    CHECK(failure_of(run.to_server(run.req_dh_with(inner))) == ServerError::kServerNonceMismatch);
  }
  SUBCASE("pq") {
    PqInnerData inner = run.valid_inner();
    inner.pq.back() ^= 2;
    CHECK(failure_of(run.to_server(run.req_dh_with(inner))) == ServerError::kBadPq);
  }
  SUBCASE("p and q swapped relative to the outer message") {
    PqInnerData inner = run.valid_inner();
    std::swap(inner.p, inner.q);
    CHECK(failure_of(run.to_server(run.req_dh_with(inner))) == ServerError::kBadPq);
  }
  SUBCASE("a dc the server does not serve: -444") {
    PqInnerData inner = run.valid_inner();
    inner.dc = 10002;  // the test-DC id sent to a production-numbered DC
    const auto failed = take<ServerHandshake::Failed>(run.to_server(run.req_dh_with(inner)));
    CHECK(failed.code == ServerError::kWrongDc);
    CHECK(failed.transport_error() == -444);
  }
  SUBCASE("temporary key with expires_in <= 0") {
    PqInnerData inner = run.valid_inner();
    inner.expires_in = 0;
    CHECK(failure_of(run.to_server(run.req_dh_with(inner))) == ServerError::kBadExpiresIn);
  }
  SUBCASE("not a p_q_inner_data under a valid RSA_PAD") {
    ReqDhParams r = run.req();
    r.encrypted_data =
        *crypto::rsa_pad_encrypt(test_key()->public_key(), serialize(ReqPq{int128(kNonce), true}));
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kBadRsaPayload);
  }
  SUBCASE("legacy scheme with a wrong SHA1") {
    PqInnerData inner = run.valid_inner();
    inner.dc.reset();
    const crypto::SecureBytes data = serialize(inner);
    Bytes block(255, 0x99);
    const crypto::Sha1Digest hash =
        crypto::sha1(Bytes(data.begin(), data.end() - 4));  // hashes too few bytes
    std::copy(data.begin(), data.end(), std::copy(hash.begin(), hash.end(), block.begin()));
    ReqDhParams r = run.req();
    r.encrypted_data = *test_key()->public_key().encrypt_raw(block);
    CHECK(failure_of(run.to_server(serialize(r))) == ServerError::kBadRsaPayload);
    // The same block with the right hash is accepted.
    Run again;
    again.until_req_dh();
    PqInnerData good = again.valid_inner();
    good.dc.reset();
    ReqDhParams r2 = again.req();
    r2.encrypted_data = *crypto::rsa_encrypt_legacy(test_key()->public_key(), serialize(good));
    (void)sent(again.to_server(serialize(r2)));
  }
}

TEST_CASE("server: the client's dc must be one it serves (end to end)") {
  ServerHandshake server(server_options(300));
  ClientHandshake client(client_options(301, 3));
  const Outcome out = exchange(client, server, at_seconds(1700000000), at_seconds(1700000000));
  REQUIRE(out.server_failed);
  CHECK(out.server_failed->code == ServerError::kWrongDc);
  CHECK(out.server_failed->transport_error() == -444);
}

TEST_CASE("server: set_client_DH_params checks") {
  Run run;
  run.until_set_dh();
  SUBCASE("the client's own message completes the handshake") {
    (void)take<ServerHandshake::Done>(run.to_server(run.set_dh));
  }
  SUBCASE("a crafted valid one too") {
    (void)take<ServerHandshake::Done>(run.to_server(run.set_client(run.valid_client_inner())));
  }
  SUBCASE("nonce") {
    SetClientDhParams set = *parse_set_client_dh_params(run.set_dh);
    set.nonce = flipped(set.nonce);
    CHECK(failure_of(run.to_server(serialize(set))) == ServerError::kNonceMismatch);
  }
  SUBCASE("server_nonce") {
    SetClientDhParams set = *parse_set_client_dh_params(run.set_dh);
    set.server_nonce = flipped(set.server_nonce);
    CHECK(failure_of(run.to_server(serialize(set))) == ServerError::kServerNonceMismatch);
  }
  SUBCASE("encrypted_data length not a multiple of 16") {
    SetClientDhParams set = *parse_set_client_dh_params(run.set_dh);
    set.encrypted_data.resize(set.encrypted_data.size() - 1);
    CHECK(failure_of(run.to_server(serialize(set))) == ServerError::kBadEncryptedData);
  }
  SUBCASE("encrypted_data that is not client_DH_inner_data") {
    SetClientDhParams set = *parse_set_client_dh_params(run.set_dh);
    set.encrypted_data[20] ^= 1;
    CHECK(failure_of(run.to_server(serialize(set))) == ServerError::kBadEncryptedData);
  }
  SUBCASE("SHA1") {
    CHECK(failure_of(run.to_server(run.set_client(run.valid_client_inner(), 0, true))) ==
          ServerError::kBadDataHash);
  }
  SUBCASE("padding over 15 bytes") {
    CHECK(failure_of(run.to_server(run.set_client(run.valid_client_inner(), 1))) ==
          ServerError::kBadDataPadding);
  }
  SUBCASE("inner nonce") {
    ClientDhInnerData inner = run.valid_client_inner();
    inner.nonce = flipped(inner.nonce);
    CHECK(failure_of(run.to_server(run.set_client(inner))) == ServerError::kNonceMismatch);
  }
  SUBCASE("inner server_nonce") {
    ClientDhInnerData inner = run.valid_client_inner();
    inner.server_nonce = flipped(inner.server_nonce);
    CHECK(failure_of(run.to_server(run.set_client(inner))) == ServerError::kServerNonceMismatch);
  }
  SUBCASE("retry_id on a first attempt") {
    ClientDhInnerData inner = run.valid_client_inner();
    inner.retry_id[0] = 1;
    CHECK(failure_of(run.to_server(run.set_client(inner))) == ServerError::kBadRetryId);
  }
  SUBCASE("g_b out of range") {
    ClientDhInnerData inner = run.valid_client_inner();
    inner.g_b = {1};
    CHECK(failure_of(run.to_server(run.set_client(inner))) == ServerError::kBadGB);
    Run other;
    other.until_set_dh();
    Bytes p_minus_1(crypto::production_dh_prime().begin(), crypto::production_dh_prime().end());
    p_minus_1.back() -= 1;
    inner = other.valid_client_inner();
    inner.g_b = p_minus_1;
    CHECK(failure_of(other.to_server(other.set_client(inner))) == ServerError::kBadGB);
  }
}

TEST_CASE("server: after dh_gen_retry the retry_id must be the rejected key's aux hash") {
  ServerHandshake::Options options = server_options(400);
  options.faults.dh_gen_retry_once = true;
  Run run(std::move(options));
  run.until_set_dh();
  const std::optional<DhGenAnswer> retry = parse_dh_gen_answer(body_of(sent(run.to_server(run.set_dh))));
  REQUIRE(retry);
  CHECK(retry->result == DhGenResult::kRetry);
  CHECK(failure_of(run.to_server(run.set_client(run.valid_client_inner()))) == ServerError::kBadRetryId);
}

TEST_CASE("server: every reason has a description") {
  for (int e = 0; e <= static_cast<int>(ServerError::kInternal); ++e)
    CHECK(describe(static_cast<ServerError>(e)) != "unknown error");
}

TEST_CASE("server: without an RSA key it fails instead of crashing") {
  ServerHandshake::Options options = server_options(500);
  options.rsa_key.reset();
  Run run(std::move(options));
  CHECK(failure_of(run.to_server(serialize(ReqPq{int128(kNonce), true}))) == ServerError::kInternal);
}
