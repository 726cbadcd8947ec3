#include <doctest/doctest.h>

#include <simdjson.h>
#include <zlib.h>

#include "protocol/base/base64.hpp"
#include "protocol/base/hex.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/tl_to_json.hpp"
#include "test_schemas.hpp"

using namespace tgd;
using namespace tgd::tl;

namespace {
std::string encode_hex(const Schema& schema, std::string_view json) {
  JsonToTl encoder(schema);
  Bytes out;
  auto err = encoder.encode_object_text(json, out);
  REQUIRE_MESSAGE(!err, (err ? err->to_string() : ""));
  return to_hex(out);
}
std::string compact(std::string_view hex) {
  std::string s;
  for (char c : hex)
    if (c != ' ') s += c;
  return s;
}
}  // namespace

TEST_CASE("msgs_ack serializes as in the MTProto docs (boxed Vector<long>)") {
  CHECK(encode_hex(testing::schemas().mtproto, R"({"_":"msgs_ack","msg_ids":[1,"2"]})") ==
        compact("59b4d662 15c4b51c 02000000 0100000000000000 0200000000000000"));
}

TEST_CASE("updates.getDifference computes its flags from the fields present") {
  CHECK(encode_hex(
            testing::schemas().api,
            R"({"_":"updates.getDifference","pts":100,"pts_total_limit":1000,"date":1700000000,"qts":0})") ==
        compact("63f7c219 01000000 64000000 e8030000 00f15365 00000000"));
}

TEST_CASE("p_q_inner_data_dc matches the auth-key sample of the docs byte for byte") {
  auto b64 = [](std::string_view hex) { return base64_encode(hex_bytes(hex)); };
  std::string json = R"({"_":"p_q_inner_data_dc","pq":")" + b64("256595EDB7766797") + R"(","p":")" +
                     b64("5A300D4B") + R"(","q":")" + b64("6A26DB65") + R"(","nonce":")" +
                     b64("406709F612FADFBEC3F0289D0AA67EEF") + R"(","server_nonce":")" +
                     b64("E11DBC3BC97D91A26154F932AF019943") + R"(","new_nonce":")" +
                     b64("A8BBC849512DAC6C67B6EFD9157D6CA7377A1776307D84265C6BE9BDCF802AC1") + R"(","dc":2})";
  CHECK(encode_hex(testing::schemas().mtproto, json) ==
        compact("955ff5a9 08256595edb7766797000000 045a300d4b000000 046a26db65000000"
                "406709f612fadfbec3f0289d0aa67eef e11dbc3bc97d91a26154f932af019943"
                "a8bbc849512dac6c67b6efd9157d6ca7377a1776307d84265c6be9bdcf802ac1 02000000"));
}

TEST_CASE("invokeWithLayer(initConnection(help.getConfig)) nests queries boxed as in the docs") {
  CHECK(encode_hex(
            testing::schemas().api,
            R"({"_":"invokeWithLayer","layer":228,"query":{"_":"initConnection","api_id":12345,)"
            R"("device_model":"PC","system_version":"Linux","app_version":"1.0","system_lang_code":"en",)"
            R"("lang_pack":"","lang_code":"en","query":{"_":"help.getConfig"}}})") ==
        compact("0d0d9bda e4000000 a95ecdc1 00000000 39300000 02504300 054c696e 75780000 03312e30 02656e00 "
                "00000000 02656e00 6b18f9c4"));
}

TEST_CASE("strings use one length byte up to 253 and 0xfe plus three bytes above") {
  const Schema& api = testing::schemas().api;
  CHECK(encode_hex(api, R"({"_":"error","code":1,"text":"hello"})") == "bbf9b9c4010000000568656c6c6f0000");
  CHECK(encode_hex(api, R"({"_":"error","code":1,"text":""})") == "bbf9b9c40100000000000000");
  std::string s253(253, 'a'), s254(254, 'a');
  auto h253 = encode_hex(api, R"({"_":"error","code":1,"text":")" + s253 + "\"}");
  CHECK(h253.size() == 2 * (8 + 256));
  CHECK(h253.substr(16, 2) == "fd");
  auto h254 = encode_hex(api, R"({"_":"error","code":1,"text":")" + s254 + "\"}");
  CHECK(h254.size() == 2 * (8 + 260));
  CHECK(h254.substr(16, 8) == "fefe0000");
}

namespace {
Bytes compress(const Bytes& data, int window_bits) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes out(deflateBound(&z, data.size()) + 32);
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Bytes gzip_packed(const Bytes& packed) {
  Bytes out = hex_bytes("a1cf7230");
  std::size_t len = packed.size();
  if (len <= 253) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else {
    out.insert(out.end(), {0xfe, static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8),
                           static_cast<std::uint8_t>(len >> 16)});
  }
  out.insert(out.end(), packed.begin(), packed.end());
  while (out.size() % 4) out.push_back(0);
  return out;
}
}  // namespace

TEST_CASE("gzip_packed is unpacked transparently, with gzip or zlib framing") {
  const Schema& api = testing::schemas().api;
  JsonToTl encoder(api);
  TlToJson decoder(api);
  Bytes plain;
  REQUIRE(!encoder.encode_object_text(R"({"_":"inputPeerUser","user_id":"42","access_hash":"-1"})", plain));
  std::string expected;
  REQUIRE(!decoder.decode_object(plain, expected));
  for (int window_bits : {15 + 16, 15}) {
    std::string json;
    auto err = decoder.decode_object(gzip_packed(compress(plain, window_bits)), json);
    REQUIRE_MESSAGE(!err, err->to_string());
    CHECK(json == expected);
  }
  // Also where a typed value is expected, e.g. a method's Vector result.
  const Combinator* ids = api.find("contacts.getContactIDs");
  std::string json;
  auto err = decoder.decode_result(
      *ids, gzip_packed(compress(hex_bytes("15c4b51c 02000000 01000000 02000000"), 31)), json);
  REQUIRE_MESSAGE(!err, err->to_string());
  CHECK(json == "[1,2]");
}

TEST_CASE("gzip_packed bombs beyond the size limit and corrupt streams are errors") {
  const Schema& api = testing::schemas().api;
  TlToJson small(api, DecodeOptions{.max_unpacked_size = 1000});
  Bytes zeros(100000, 0);
  std::string json;
  auto err = small.decode_object(gzip_packed(compress(zeros, 31)), json);
  REQUIRE(err);
  CHECK(err->message == "gzip_packed: corrupt, truncated, or larger than 1000 bytes unpacked");
  CHECK(json.empty());
  Bytes corrupt = compress(hex_bytes("c0c0c0c0c0c0"), 31);
  corrupt[corrupt.size() / 2] ^= 0xff;
  err = small.decode_object(gzip_packed(corrupt), json);
  REQUIRE(err);
  CHECK(err->message.find("gzip_packed") != std::string::npos);
}
