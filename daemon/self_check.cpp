#include "daemon/self_check.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "daemon/allocator.hpp"
#include "protocol/base/hex.hpp"
#include "protocol/crypto/aes_ige.hpp"
#include "protocol/crypto/auth_key.hpp"
#include "protocol/crypto/builtin_keys.hpp"
#include "protocol/crypto/dh.hpp"
#include "protocol/crypto/message_cipher.hpp"
#include "protocol/crypto/pq.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_out.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/tl_to_json.hpp"

namespace tgd::daemon {
namespace {

struct Outcome {
  bool ok = false;
  std::string detail;
};

struct Check {
  std::string name;
  std::function<Outcome()> run;
};

Outcome expect(bool ok, std::string detail) { return Outcome{ok, std::move(detail)}; }

// A layer-223 initConnection as the docs write it (mtproto-facts §5.1, with layer 223 = 0xdf).
constexpr std::string_view kInitConnection =
    R"({"_":"invokeWithLayer","layer":223,"query":{"_":"initConnection","api_id":12345,"device_model":"PC",)"
    R"("system_version":"Linux","app_version":"1.0","system_lang_code":"en","lang_pack":"","lang_code":"en",)"
    R"("query":{"_":"help.getConfig"}}})";
constexpr std::string_view kInitConnectionBytes =
    "0d0d9bdadf000000a95ecdc1000000003930000002504300054c696e7578000003312e3002656e000000000002656e006b18f9c"
    "4";

constexpr std::string_view kMessages =
    R"({"_":"messages.messages","messages":[{"_":"message","out":true,"id":1,"peer_id":{"_":"peerUser",)"
    R"("user_id":"777000"},"date":1700000000,"message":"Hello from tgd 👋 <b>HTML</b> \"quoted\"","entities":[)"
    R"({"_":"messageEntityBold","offset":0,"length":5}]}],"topics":[],"chats":[],"users":[{"_":"user",)"
    R"("id":"777000","access_hash":"-6917529027641081856","first_name":"Telegram","verified":true}]})";

std::vector<Check> codec_checks(const tl::Schemas& schemas) {
  const tl::Schema& api = schemas.api;
  return {
      {"schema: both schemas parsed",
       [&] {
         std::size_t methods = 0;
         for (const auto& c : api.combinators()) methods += c.is_function;
         return expect(api.layer() == 223 && methods == 766,
                       "API layer " + std::to_string(api.layer()) + ", " +
                           std::to_string(api.combinators().size() - methods) + " constructors, " +
                           std::to_string(methods) + " methods; MTProto " +
                           std::to_string(schemas.mtproto.combinators().size()) + " combinators");
       }},
      {"codec: invokeWithLayer(initConnection(help.getConfig)) encodes to the documented bytes",
       [&] {
         tl::JsonToTl encoder(api);
         Bytes out;
         if (auto err = encoder.encode_object_text(kInitConnection, out))
           return expect(false, err->to_string());
         return expect(to_hex(out) == kInitConnectionBytes,
                       std::to_string(out.size()) + " bytes: " + to_hex(out));
       }},
      {"codec: a messages.messages answer round-trips JSON -> TL -> JSON -> TL",
       [&] {
         tl::JsonToTl encoder(api);
         tl::TlToJson decoder(api);
         Bytes first, second;
         std::string json;
         if (auto err = encoder.encode_object_text(kMessages, first)) return expect(false, err->to_string());
         if (auto err = decoder.decode_object(first, json)) return expect(false, err->to_string());
         if (auto err = encoder.encode_object_text(json, second)) return expect(false, err->to_string());
         return expect(first == second, std::to_string(first.size()) + " bytes of TL <-> " +
                                            std::to_string(json.size()) + " bytes of JSON");
       }},
      {"codec: bad input is refused with a path",
       [&] {
         tl::JsonToTl encoder(api);
         Bytes out;
         auto err = encoder.encode_object_text(
             R"({"_":"messages.sendMessage","peer":{"_":"message"},"message":"x","random_id":"1"})", out,
             "params");
         const std::string expected = R"(params.peer: expected InputPeer, got constructor "message")";
         return expect(err && err->to_string() == expected && out.empty(),
                       err ? err->to_string() : "accepted");
       }},
  };
}

Bytes iota(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i);
  return b;
}

std::vector<Check> crypto_checks() {
  return {
      {"crypto: AES-256-IGE known answer (facts T3)",
       [] {
         Bytes key = iota(32), iv(32), data = iota(64), out(64);
         for (std::size_t i = 0; i < 32; ++i) iv[i] = static_cast<std::uint8_t>(0x20 + i);
         crypto::AesIge256 aes(std::span<const std::uint8_t, 32>(key.data(), 32));
         bool ok = aes.encrypt(std::span<const std::uint8_t, 32>(iv.data(), 32), data, out);
         const char* impl = aes.impl() == crypto::AesImpl::kAesNi ? "AES-NI" : "portable";
         return expect(
             ok && to_hex(out) ==
                       "42e66e1a756cccf5b27acc47523ad074ee39bf54e3db37bbdf415df6b400fca977f708327c9e9341"
                       "cc3dc8efd31e76463daa65b1f0d0252f790d77f1824a662c",
             std::string("ciphertext matches, ") + impl + " implementation");
       }},
      {"crypto: MTProto 2.0 message encryption known answer (facts T5)",
       [] {
         Bytes key_bytes = iota(256);
         auto key = crypto::AuthKey::from_bytes(key_bytes);
         std::string text = "Hello, world! This data should remain secure!";
         Bytes plaintext(text.begin(), text.end());
         plaintext.resize(plaintext.size() + 19, 0);
         Bytes packet = crypto::encrypt_message(*key, crypto::Direction::kClientToServer, plaintext);
         auto back = crypto::decrypt_message(*key, crypto::Direction::kClientToServer, packet);
         return expect(to_hex(packet) ==
                               "32d1586ea457dfc8a81729d46db54019a2bfd7f744f9b96c4f716cfdc4477db2a2c15f6ddb852"
                               "35fb9552f1d"
                               "8407c6aaea00cc844c5a1bf6ac44b79b5edc2a23868b3d6073a590992c0f2975243d563ea180d"
                               "218ee757c9a" &&
                           back && *back == plaintext,
                       std::to_string(packet.size()) + "-byte packet matches and decrypts back");
       }},
      {"crypto: Telegram's built-in RSA keys have the published fingerprints",
       [] {
         auto prod = crypto::RsaPublicKey::from_pem(crypto::kProductionRsaKey.pem);
         auto test = crypto::RsaPublicKey::from_pem(crypto::kTestDcRsaKey.pem);
         bool ok = prod && test && prod->fingerprint() == static_cast<std::int64_t>(0xd09d1d85de64fd85ULL) &&
                   test->fingerprint() == static_cast<std::int64_t>(0xb25898df208d2603ULL);
         return expect(ok, "production d09d1d85de64fd85, test b25898df208d2603");
       }},
      {"crypto: pq factorisation (facts T9)",
       [] {
         auto f = crypto::factorize_pq(0x17ED48941A08F981ULL);
         return expect(f && f->p == 0x494C553B && f->q == 0x53911073,
                       "0x17ED48941A08F981 = 0x494C553B * 0x53911073");
       }},
      {"crypto: Diffie-Hellman over Telegram's 2048-bit prime agrees",
       [] {
         auto prime = crypto::production_dh_prime();
         bool prime_ok = crypto::check_dh_params(prime, 3) == crypto::DhParamsCheck::kOk;
         auto a = crypto::dh_generate_key(3, prime);
         auto b = crypto::dh_generate_key(3, prime);
         auto ab = crypto::dh_shared_secret(b.public_value, a.secret.span(), prime);
         auto ba = crypto::dh_shared_secret(a.public_value, b.secret.span(), prime);
         bool ok =
             prime_ok && ab && ba && ab->size() == 256 && std::equal(ab->begin(), ab->end(), ba->begin());
         return expect(ok, "g=3, both sides derive the same 256-byte auth key");
       }},
  };
}

}  // namespace

int api_layer() { return tl::load_embedded_schemas().api.layer(); }

int run_self_check(ReportFormat format) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const tl::Schemas schemas = tl::load_embedded_schemas();
  std::vector<Check> checks = codec_checks(schemas);
  for (auto& check : crypto_checks()) checks.push_back(std::move(check));
  checks.push_back({"allocator: the one the build chose serves the process", [] {
                      AllocatorReport report = allocator_report();
                      return expect(report.malloc_is_mimalloc == report.expected_mimalloc,
                                    report.description);
                    }});

  int failed = 0;
  std::string json = "{\"checks\":[";
  if (format == ReportFormat::Text) std::printf("tgd self-check\n");
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const auto t0 = clock::now();
    Outcome outcome = checks[i].run();
    const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    failed += !outcome.ok;
    if (format == ReportFormat::Text) {
      std::printf("  %s  %s\n        %s (%.2f ms)\n", outcome.ok ? "ok  " : "FAIL", checks[i].name.c_str(),
                  outcome.detail.c_str(), ms);
    } else {
      json += std::string(i ? "," : "") + "{\"name\":" + tl::json_quoted(checks[i].name) +
              ",\"ok\":" + (outcome.ok ? "true" : "false") +
              ",\"detail\":" + tl::json_quoted(outcome.detail) + "}";
    }
  }
  const double total_ms = std::chrono::duration<double, std::milli>(clock::now() - start).count();
  if (format == ReportFormat::Text) {
    std::printf("%s: %zu checks, %d failed (%.1f ms)\n", failed ? "FAILED" : "all passed", checks.size(),
                failed, total_ms);
  } else {
    json += "],\"passed\":" + std::to_string(checks.size() - failed) +
            ",\"failed\":" + std::to_string(failed) + "}";
    std::printf("%s\n", json.c_str());
  }
  return failed ? 1 : 0;
}

}  // namespace tgd::daemon
