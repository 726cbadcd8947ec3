// Every check of the client (facts §2.1-§2.5): each server message of the worked sample with one
// field tampered must end the handshake with that check's reason.
#include <doctest/doctest.h>

#include "protocol/crypto/pq.hpp"
#include "tests/protocol/handshake/sample.hpp"

using namespace tgd;
using namespace tgd::handshake;
using namespace tgd::handshake::test;

namespace {

ClientError res_pq_failure(const ResPq& res) {
  ClientHandshake client = sample::started();
  return failure(client.on_message(sample::from_server(serialize(res)), sample::client_now()));
}

ClientError dh_params_failure(const Bytes& body) {
  ClientHandshake client = sample::after_res_pq();
  return failure(client.on_message(sample::from_server(body), sample::client_now()));
}

ClientError inner_data_failure(const ServerDhInnerData& inner) {
  return dh_params_failure(serialize(sample::server_dh_params_ok(inner)));
}

ClientError dh_gen_failure(const DhGenAnswer& answer) {
  ClientHandshake client = sample::after_dh_params();
  return failure(client.on_message(sample::from_server(serialize(answer)), sample::client_now()));
}

Bytes prime() { return Bytes(crypto::production_dh_prime().begin(), crypto::production_dh_prime().end()); }

Int128 flipped(Int128 value) {
  value[5] ^= 0x10;
  return value;
}

}  // namespace

TEST_CASE("client rejects a message that is not a plain message") {
  ClientHandshake client = sample::started();
  Bytes message = sample::from_server(serialize(sample::res_pq()));
  message[0] = 1;  // auth_key_id != 0
  CHECK(failure(client.on_message(message, sample::client_now())) == ClientError::kBadPlainMessage);
  // A failed handshake stays failed.
  CHECK(failure(client.on_message(sample::from_server(serialize(sample::res_pq())), sample::client_now())) ==
        ClientError::kUnexpectedMessage);
}

TEST_CASE("client rejects messages before start() and the wrong constructor for the step") {
  ClientHandshake idle(sample::options());
  CHECK(failure(idle.on_message(sample::from_server(serialize(sample::res_pq())), sample::client_now())) ==
        ClientError::kUnexpectedMessage);
  CHECK(res_pq_failure(ResPq{}) == ClientError::kNonceMismatch);
  ClientHandshake client = sample::started();
  CHECK(failure(client.on_message(sample::from_server(serialize(sample::dh_gen_ok())),
                                  sample::client_now())) == ClientError::kUnexpectedMessage);
  CHECK(dh_params_failure(serialize(sample::res_pq())) == ClientError::kUnexpectedMessage);
}

TEST_CASE("client rejects a truncated resPQ") {
  Bytes body = serialize(sample::res_pq());
  body.resize(body.size() - 4);
  ClientHandshake client = sample::started();
  CHECK(failure(client.on_message(sample::from_server(body), sample::client_now())) ==
        ClientError::kMalformedMessage);
}

TEST_CASE("client: resPQ checks") {
  SUBCASE("nonce") {
    ResPq res = sample::res_pq();
    res.nonce = flipped(res.nonce);
    CHECK(res_pq_failure(res) == ClientError::kNonceMismatch);
  }
  SUBCASE("pq is a prime") {
    ResPq res = sample::res_pq();
    res.pq = hex_bytes("7FFFFFFF");  // 2^31 - 1
    CHECK(res_pq_failure(res) == ClientError::kBadPq);
  }
  SUBCASE("pq is a square") {
    ResPq res = sample::res_pq();
    res.pq = crypto::to_big_endian(std::uint64_t{1513098571} * 1513098571);
    CHECK(res_pq_failure(res) == ClientError::kBadPq);
  }
  SUBCASE("pq has three factors") {
    ResPq res = sample::res_pq();
    res.pq = crypto::to_big_endian(std::uint64_t{3} * 1513098571 * 1780931429);
    CHECK(res_pq_failure(res) == ClientError::kBadPq);
  }
  SUBCASE("pq wider than 64 bits") {
    ResPq res = sample::res_pq();
    res.pq = hex_bytes("01256595EDB7766797");
    CHECK(res_pq_failure(res) == ClientError::kBadPq);
  }
  SUBCASE("empty pq") {
    ResPq res = sample::res_pq();
    res.pq.clear();
    CHECK(res_pq_failure(res) == ClientError::kBadPq);
  }
  SUBCASE("none of our keys is offered") {
    ResPq res = sample::res_pq();
    res.fingerprints.pop_back();  // leaves only the legacy keys
    ClientHandshake client = sample::started();
    const ClientHandshake::Step step =
        client.on_message(sample::from_server(serialize(res)), sample::client_now());
    const auto failed = take<ClientHandshake::Failed>(step);
    CHECK(failed.code == ClientError::kNoKnownRsaKey);
    CHECK(failed.message.find("0xd09d1d85de64fd85") != std::string::npos);  // ours, named in the message
    res.fingerprints.clear();
    CHECK(res_pq_failure(res) == ClientError::kNoKnownRsaKey);
  }
  SUBCASE("the offered key is not a 2048-bit key") {
    const std::optional<crypto::RsaPublicKey> small =
        crypto::RsaPublicKey::from_components(Bytes(128, 0xff), Bytes{1, 0, 1});
    REQUIRE(small);
    ClientHandshake::Options options = sample::options();
    options.rsa_keys = {*small};
    ResPq res = sample::res_pq();
    res.fingerprints = {small->fingerprint()};
    ClientHandshake client = sample::started(std::move(options));
    CHECK(failure(client.on_message(sample::from_server(serialize(res)), sample::client_now())) ==
          ClientError::kRsaEncryptFailed);
  }
}

TEST_CASE("client: server_DH_params_ok checks") {
  SUBCASE("nonce") {
    ServerDhParamsOk ok = sample::server_dh_params_ok();
    ok.nonce = flipped(ok.nonce);
    CHECK(dh_params_failure(serialize(ok)) == ClientError::kNonceMismatch);
  }
  SUBCASE("server_nonce") {
    ServerDhParamsOk ok = sample::server_dh_params_ok();
    ok.server_nonce = flipped(ok.server_nonce);
    CHECK(dh_params_failure(serialize(ok)) == ClientError::kServerNonceMismatch);
  }
  SUBCASE("encrypted_answer length not a multiple of 16") {
    ServerDhParamsOk ok = sample::server_dh_params_ok();
    ok.encrypted_answer.pop_back();
    CHECK(dh_params_failure(serialize(ok)) == ClientError::kBadEncryptedAnswer);
    ok.encrypted_answer.clear();
    CHECK(dh_params_failure(serialize(ok)) == ClientError::kBadEncryptedAnswer);
  }
  SUBCASE("encrypted_answer that does not decrypt to server_DH_inner_data") {
    ServerDhParamsOk ok = sample::server_dh_params_ok();
    ok.encrypted_answer[30] ^= 1;  // garbles the constructor id's block onwards
    CHECK(dh_params_failure(serialize(ok)) == ClientError::kBadEncryptedAnswer);
  }
  SUBCASE("SHA1 of the answer") {
    const Bytes data = serialize(sample::server_dh_inner_data());
    ServerDhParamsOk ok = sample::server_dh_params_ok();
    ok.encrypted_answer = seal(sample::tmp(), data, padding_for(data.size()), /*corrupt_hash=*/true);
    CHECK(dh_params_failure(serialize(ok)) == ClientError::kBadAnswerHash);
  }
  SUBCASE("more than 15 bytes of padding") {
    const Bytes data = serialize(sample::server_dh_inner_data());
    ServerDhParamsOk ok = sample::server_dh_params_ok();
    ok.encrypted_answer = seal(sample::tmp(), data, padding_for(data.size(), 1));
    CHECK(dh_params_failure(serialize(ok)) == ClientError::kBadAnswerPadding);
  }
  SUBCASE("resealed unchanged, it is accepted (the helpers are sound)") {
    ClientHandshake client = sample::after_res_pq();
    (void)sent(client.on_message(
        sample::from_server(serialize(sample::server_dh_params_ok(sample::server_dh_inner_data()))),
        sample::client_now()));
  }
}

TEST_CASE("client: server_DH_inner_data checks") {
  SUBCASE("nonce") {
    ServerDhInnerData inner = sample::server_dh_inner_data();
    inner.nonce = flipped(inner.nonce);
    CHECK(inner_data_failure(inner) == ClientError::kNonceMismatch);
  }
  SUBCASE("server_nonce") {
    ServerDhInnerData inner = sample::server_dh_inner_data();
    inner.server_nonce = flipped(inner.server_nonce);
    CHECK(inner_data_failure(inner) == ClientError::kServerNonceMismatch);
  }
  SUBCASE("dh_prime of 2047 bits") {
    ServerDhInnerData inner = sample::server_dh_inner_data();
    inner.dh_prime[0] = 0x7f;
    CHECK(inner_data_failure(inner) == ClientError::kBadDhPrime);
  }
  SUBCASE("dh_prime of 255 bytes") {
    ServerDhInnerData inner = sample::server_dh_inner_data();
    inner.dh_prime.pop_back();
    CHECK(inner_data_failure(inner) == ClientError::kBadDhPrime);
  }
  SUBCASE("dh_prime that is not a safe prime") {
    ServerDhInnerData inner = sample::server_dh_inner_data();
    inner.dh_prime.back() += 2;  // p + 2: (p + 1) / 2 is even
    inner.g = 4;                 // g = 4 has no residue condition, so the primality test decides
    CHECK(inner_data_failure(inner) == ClientError::kBadDhPrime);
  }
  SUBCASE("g outside 2..7") {
    ServerDhInnerData inner = sample::server_dh_inner_data();
    for (std::int32_t g : {0, 1, 8, -3}) {
      inner.g = g;
      CHECK(inner_data_failure(inner) == ClientError::kBadDhGenerator);
    }
  }
  SUBCASE("g whose quadratic-residue condition the production prime fails") {
    ServerDhInnerData inner = sample::server_dh_inner_data();
    for (std::int32_t g : {2, 5, 6}) {  // facts §2.5: only 3, 4, 7 work with this prime
      inner.g = g;
      CHECK(inner_data_failure(inner) == ClientError::kBadDhGenerator);
    }
  }
  SUBCASE("g_a out of range") {
    ServerDhInnerData inner = sample::server_dh_inner_data();
    inner.g_a = {1};
    CHECK(inner_data_failure(inner) == ClientError::kBadGA);
    Bytes p_minus_1 = prime();
    p_minus_1.back() -= 1;
    inner.g_a = p_minus_1;
    CHECK(inner_data_failure(inner) == ClientError::kBadGA);
    Bytes just_below = Bytes(256, 0);
    just_below[8] = 0x80;  // 2^1983 < 2^1984
    inner.g_a = just_below;
    CHECK(inner_data_failure(inner) == ClientError::kBadGA);
    inner.g_a = prime();
    CHECK(inner_data_failure(inner) == ClientError::kBadGA);
  }
}

TEST_CASE("client: server_DH_params_fail") {
  ServerDhParamsFail refusal{sample::nonce(), sample::server_nonce(),
                             crypto::new_nonce_hash_for_fail(ByteSpan(sample::new_nonce()).first<32>())};
  CHECK(dh_params_failure(serialize(refusal)) == ClientError::kServerDhParamsFail);
  ServerDhParamsFail forged = refusal;
  forged.new_nonce_hash = flipped(forged.new_nonce_hash);
  CHECK(dh_params_failure(serialize(forged)) == ClientError::kBadNewNonceHash);
  ServerDhParamsFail wrong_nonce = refusal;
  wrong_nonce.nonce = flipped(wrong_nonce.nonce);
  CHECK(dh_params_failure(serialize(wrong_nonce)) == ClientError::kNonceMismatch);
  ServerDhParamsFail wrong_server_nonce = refusal;
  wrong_server_nonce.server_nonce = flipped(wrong_server_nonce.server_nonce);
  CHECK(dh_params_failure(serialize(wrong_server_nonce)) == ClientError::kServerNonceMismatch);
}

TEST_CASE("client: dh_gen_* checks") {
  const auto hash = [](std::uint8_t n) {
    return crypto::new_nonce_hash(ByteSpan(sample::new_nonce()).first<32>(), n,
                                  sample::auth_key().aux_hash());
  };
  SUBCASE("nonce") {
    DhGenAnswer ok = sample::dh_gen_ok();
    ok.nonce = flipped(ok.nonce);
    CHECK(dh_gen_failure(ok) == ClientError::kNonceMismatch);
  }
  SUBCASE("server_nonce") {
    DhGenAnswer ok = sample::dh_gen_ok();
    ok.server_nonce = flipped(ok.server_nonce);
    CHECK(dh_gen_failure(ok) == ClientError::kServerNonceMismatch);
  }
  SUBCASE("new_nonce_hash1") {
    DhGenAnswer ok = sample::dh_gen_ok();
    ok.new_nonce_hash = flipped(ok.new_nonce_hash);
    CHECK(dh_gen_failure(ok) == ClientError::kBadNewNonceHash);
  }
  SUBCASE("dh_gen_retry proven with the hash of another N") {
    CHECK(dh_gen_failure(DhGenAnswer{DhGenResult::kRetry, sample::nonce(), sample::server_nonce(),
                                     hash(1)}) == ClientError::kBadNewNonceHash);
  }
  SUBCASE("dh_gen_fail") {
    CHECK(dh_gen_failure(DhGenAnswer{DhGenResult::kFail, sample::nonce(), sample::server_nonce(), hash(3)}) ==
          ClientError::kDhGenFail);
    CHECK(dh_gen_failure(DhGenAnswer{DhGenResult::kFail, sample::nonce(), sample::server_nonce(), hash(1)}) ==
          ClientError::kBadNewNonceHash);
  }
  SUBCASE("malformed") {
    Bytes body = serialize(sample::dh_gen_ok());
    body.push_back(0);
    body.push_back(0);
    body.push_back(0);
    body.push_back(0);
    ClientHandshake client = sample::after_dh_params();
    CHECK(failure(client.on_message(sample::from_server(body), sample::client_now())) ==
          ClientError::kMalformedMessage);
  }
}

TEST_CASE("client: a random source that never gives g_b in range fails instead of looping") {
  // b = 0 gives g_b = 1 on every draw.
  std::vector<Bytes> zeros(16, Bytes(256, 0));
  ClientHandshake::Options options = sample::options();
  std::vector<Bytes> script = {hex_bytes(sample::page::kNonce), sample::new_nonce()};
  script.insert(script.end(), zeros.begin(), zeros.end());
  options.random = scripted_random(std::move(script));
  ClientHandshake client = sample::after_res_pq(std::move(options));
  CHECK(failure(client.on_message(sample::from_server(serialize(sample::server_dh_params_ok())),
                                  sample::client_now())) == ClientError::kBadGB);
}

TEST_CASE("client: every reason has a description") {
  for (int e = 0; e <= static_cast<int>(ClientError::kTooManyRetries); ++e)
    CHECK(describe(static_cast<ClientError>(e)) != "unknown error");
}
