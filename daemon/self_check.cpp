#include "daemon/self_check.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "protocol/base/hex.hpp"
#include "protocol/tl/embedded_schema.hpp"
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

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

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

}  // namespace

int api_layer() { return tl::load_embedded_schemas().api.layer(); }

int run_self_check(ReportFormat format) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const tl::Schemas schemas = tl::load_embedded_schemas();
  std::vector<Check> checks = codec_checks(schemas);

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
      json += std::string(i ? "," : "") + "{\"name\":\"" + json_escape(checks[i].name) +
              "\",\"ok\":" + (outcome.ok ? "true" : "false") + ",\"detail\":\"" +
              json_escape(outcome.detail) + "\"}";
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
