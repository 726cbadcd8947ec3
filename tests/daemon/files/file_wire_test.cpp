// The file methods' TL, written and read by hand (daemon/files/file_wire.hpp), against the schema
// and the JSON codec: the same bytes as the codec would make, the same bytes read back.
#include <doctest/doctest.h>
#include <simdjson.h>

#include "daemon/files/file_wire.hpp"
#include "protocol/base/base64.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_to_tl.hpp"

using namespace tgd;
using namespace tgd::files;

namespace {

const tl::Schema& api() {
  static const tl::Schemas s = tl::load_embedded_schemas();
  return s.api;
}

Bytes encoded_call(std::string_view method, const std::string& params) {
  tl::JsonToTl encoder(api());
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(params).get(root) == simdjson::SUCCESS);
  Bytes out;
  const auto error = encoder.encode_call(method, root, out);
  REQUIRE_MESSAGE(!error, (error ? error->message : ""));
  return out;
}

Bytes encoded_object(const std::string& json) {
  tl::JsonToTl encoder(api());
  Bytes out;
  const auto error = encoder.encode_object_text(json, out);
  REQUIRE_MESSAGE(!error, (error ? error->message : ""));
  return out;
}

Bytes pattern(std::size_t size) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return b;
}

}  // namespace

TEST_CASE("file_wire constructor ids are the schema's") {
  CHECK(api().find("upload.getFile")->id == kUploadGetFile);
  CHECK(api().find("upload.file")->id == kUploadFile);
  CHECK(api().find("upload.fileCdnRedirect")->id == kUploadFileCdnRedirect);
  CHECK(api().find("upload.saveFilePart")->id == kUploadSaveFilePart);
  CHECK(api().find("upload.saveBigFilePart")->id == kUploadSaveBigFilePart);
  CHECK(api().find("boolTrue")->id == kBoolTrue);
  CHECK(api().find("boolFalse")->id == kBoolFalse);
}

TEST_CASE("upload.getFile requests are the bytes the JSON codec makes, precise or not") {
  const std::string location =
      R"({"_":"inputDocumentFileLocation","id":"5341234567890123456","access_hash":"-4053457523124519744",)"
      R"("file_reference":"AQAAAAFn1xYz","thumb_size":""})";
  const GetFileRequests requests(encoded_object(location));
  for (const PartRequest& part :
       {PartRequest{.part = 0, .offset = 0, .limit = 1 << 20, .precise = false},
        PartRequest{.part = 3, .offset = 3LL << 30, .limit = 4096, .precise = true}}) {
    const std::string params = R"({"precise":)" + std::string(part.precise ? "true" : "false") +
                               R"(,"location":)" + location + R"(,"offset":")" + std::to_string(part.offset) +
                               R"(","limit":)" + std::to_string(part.limit) + "}";
    CHECK(requests.make(part) == encoded_call("upload.getFile", params));
  }
}

TEST_CASE("save(Big)FilePart requests are the bytes the JSON codec makes, for every bytes length form") {
  for (std::size_t size : {0, 1, 2, 3, 4, 253, 254, 255, 1000, 512 * 1024}) {
    CAPTURE(size);
    const Bytes data = pattern(size);
    const std::string b64 = base64_encode(data);
    CHECK(save_file_part(42, 7, std::nullopt, data) ==
          encoded_call("upload.saveFilePart", R"({"file_id":"42","file_part":7,"bytes":")" + b64 + "\"}"));
    CHECK(save_file_part(-5, 0, 4000, data) ==
          encoded_call("upload.saveBigFilePart",
                       R"({"file_id":"-5","file_part":0,"file_total_parts":4000,"bytes":")" + b64 + "\"}"));
  }
}

TEST_CASE("read_upload_file gives the bytes of an upload.file and refuses the rest") {
  for (std::size_t size : {0, 1, 253, 254, 4096, 1 << 20}) {
    CAPTURE(size);
    const Bytes data = pattern(size);
    const Bytes answer =
        encoded_object(R"({"_":"upload.file","type":{"_":"storage.filePartial"},"mtime":17,"bytes":")" +
                       base64_encode(data) + "\"}");
    auto read = read_upload_file(answer);
    REQUIRE(std::holds_alternative<ByteSpan>(read));
    const ByteSpan got = std::get<ByteSpan>(read);
    CHECK(Bytes(got.begin(), got.end()) == data);
    // Cut anywhere inside: an error, never a read past the end.
    const Bytes cut(answer.begin(), answer.begin() + static_cast<std::ptrdiff_t>(answer.size() - 1));
    if (size > 0) CHECK(std::holds_alternative<std::string>(read_upload_file(cut)));
  }
  const Bytes redirect = encoded_object(
      R"({"_":"upload.fileCdnRedirect","dc_id":203,"file_token":"AQID","encryption_key":"AQID","encryption_iv":"AQID","file_hashes":[]})");
  auto read = read_upload_file(redirect);
  REQUIRE(std::holds_alternative<std::string>(read));
  CHECK(std::get<std::string>(read).find("CDN") != std::string::npos);
  CHECK(std::holds_alternative<std::string>(read_upload_file(encoded_object(R"({"_":"boolTrue"})"))));
  CHECK(std::holds_alternative<std::string>(read_upload_file(Bytes{1, 2})));
}

TEST_CASE("read_bool reads boolTrue and boolFalse only") {
  CHECK(read_bool(encoded_object(R"({"_":"boolTrue"})")) == true);
  CHECK(read_bool(encoded_object(R"({"_":"boolFalse"})")) == false);
  CHECK_FALSE(read_bool(Bytes{1, 2, 3, 4}).has_value());
  CHECK_FALSE(read_bool(Bytes{}).has_value());
}
