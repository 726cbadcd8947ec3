// TL codec benchmark: schema start-up parse, TL -> JSON and JSON -> TL of a realistic
// messages.messages (100 messages with users, chats, entities and media), on one core.
#include <simdjson.h>

#include <cstdio>
#include <string>

#include "bench_util.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/tl_to_json.hpp"
#include "tl_payload.hpp"

using namespace tgd;
using namespace tgd::tl;

int main() {
  double parse_s = bench::median_seconds_per_call(
      [] {
        auto schemas = load_embedded_schemas();
        bench::keep(schemas);
      },
      5, 0.3);

  auto schemas = load_embedded_schemas();
  const Schema& api = schemas.api;
  JsonToTl encoder(api);
  TlToJson decoder(api);

  const std::string json_in = bench::realistic_messages_json(100);
  Bytes tl;
  if (auto err = encoder.encode_object_text(json_in, tl)) {
    std::fprintf(stderr, "payload does not encode: %s\n", err->to_string().c_str());
    return 1;
  }
  std::string json;
  if (auto err = decoder.decode_object(tl, json)) {
    std::fprintf(stderr, "payload does not decode: %s\n", err->to_string().c_str());
    return 1;
  }
  std::size_t objects = 0;
  for (std::size_t p = json.find("\"_\""); p != std::string::npos; p = json.find("\"_\"", p + 3)) ++objects;

  std::string out;
  out.reserve(json.size() * 2);
  double decode_s = bench::median_seconds_per_call([&] {
    out.clear();
    (void)decoder.decode_object(tl, out);
    bench::keep(out);
  });

  Bytes bytes;
  bytes.reserve(tl.size() * 2);
  double encode_text_s = bench::median_seconds_per_call([&] {
    bytes.clear();
    (void)encoder.encode_object_text(json, bytes);
    bench::keep(bytes);
  });

  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json).value();
  double encode_dom_s = bench::median_seconds_per_call([&] {
    bytes.clear();
    (void)encoder.encode_object(doc, bytes);
    bench::keep(bytes);
  });

  simdjson::dom::parser parse_only;
  double simdjson_s = bench::median_seconds_per_call([&] {
    auto d = parse_only.parse(json);
    bench::keep(d);
  });

  const double mb = 1e6;
  std::printf("payload: messages.messages, 100 messages; %zu bytes TL, %zu bytes JSON, %zu objects\n\n",
              tl.size(), json.size(), objects);
  std::printf("| measurement | median | throughput |\n|---|---|---|\n");
  std::printf("| schema start-up parse (api.tl + mtproto.tl, %.1f MB) | %.2f ms | |\n",
              (api_schema_text().size() + mtproto_schema_text().size()) / mb, parse_s * 1e3);
  std::printf(
      "| TL -> JSON | %.1f us | %.0f MB/s of TL, %.0f MB/s of JSON out, %.2f M objects/s, %.0f payloads/s "
      "|\n",
      decode_s * 1e6, tl.size() / decode_s / mb, json.size() / decode_s / mb, objects / decode_s / 1e6,
      1 / decode_s);
  std::printf(
      "| JSON text -> TL (simdjson parse + encode) | %.1f us | %.0f MB/s of JSON, %.2f M objects/s, %.0f "
      "payloads/s |\n",
      encode_text_s * 1e6, json.size() / encode_text_s / mb, objects / encode_text_s / 1e6,
      1 / encode_text_s);
  std::printf("| parsed JSON (DOM) -> TL | %.1f us | %.0f MB/s of JSON, %.2f M objects/s |\n",
              encode_dom_s * 1e6, json.size() / encode_dom_s / mb, objects / encode_dom_s / 1e6);
  std::printf("| simdjson DOM parse alone (reference) | %.1f us | %.0f MB/s |\n", simdjson_s * 1e6,
              json.size() / simdjson_s / mb);
  return 0;
}
