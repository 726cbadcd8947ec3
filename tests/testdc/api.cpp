#include "tests/testdc/api.hpp"

#include <simdjson.h>

#include <chrono>

namespace tgd::testdc {
namespace {

// Wrappers whose `query` field holds the call that actually runs (facts §5.1).
bool is_wrapper(std::string_view name) {
  return name == "invokeWithLayer" || name == "initConnection" || name == "invokeWithoutUpdates" ||
         name == "invokeAfterMsg" || name == "invokeAfterMsgs" || name == "invokeWithTakeout" ||
         name == "invokeWithMessagesRange";
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Api::Api(const tl::Schema& api_schema, int this_dc, std::vector<DcEndpoint> dcs)
    : schema_(api_schema),
      decoder_(api_schema),
      encoder_(api_schema),
      this_dc_(this_dc),
      dcs_(std::move(dcs)),
      parser_(std::make_unique<simdjson::dom::parser>()) {}

Api::~Api() = default;

ApiResult Api::encode(std::string_view json) {
  Bytes out;
  if (auto err = encoder_.encode_object_text(json, out)) return ApiError{500, "INTERNAL_TEST_DC_ENCODING"};
  return out;
}

ApiResult Api::handle(ByteSpan query) {
  last_method_.clear();
  scratch_.clear();
  // Any layer number is accepted; the query decodes with the schema tgd was built with.
  if (auto err = decoder_.decode_object(query, scratch_)) return ApiError{400, "INPUT_METHOD_INVALID"};
  simdjson::dom::element call = parser_->parse(scratch_).value();
  std::string_view name = call["_"].get_string().value();
  while (is_wrapper(name)) {
    simdjson::dom::element inner;
    if (call["query"].get(inner) != simdjson::SUCCESS) return ApiError{400, "INPUT_METHOD_INVALID"};
    call = inner;
    name = call["_"].get_string().value();
  }
  last_method_ = std::string(name);

  if (name == "help.getNearestDc") {
    return encode(R"({"_":"nearestDc","country":"ZZ","this_dc":)" + std::to_string(this_dc_) +
                  R"(,"nearest_dc":)" + std::to_string(this_dc_) + "}");
  }
  if (name == "help.getConfig") {
    std::string options;
    for (const auto& dc : dcs_) {
      if (!options.empty()) options += ",";
      options += R"({"_":"dcOption","id":)" + std::to_string(dc.id) + R"(,"ip_address":")" + dc.host +
                 R"(","port":)" + std::to_string(dc.port) + "}";
    }
    const std::int64_t now = unix_now();
    return encode(
        R"({"_":"config","date":)" + std::to_string(now) + R"(,"expires":)" + std::to_string(now + 3600) +
        R"(,"test_mode":true,"this_dc":)" + std::to_string(this_dc_) + R"(,"dc_options":[)" + options +
        R"(],"dc_txt_domain_name":"","chat_size_max":200,"megagroup_size_max":200000,)"
        R"("forwarded_count_max":100,"online_update_period_ms":210000,"offline_blur_timeout_ms":5000,)"
        R"("offline_idle_timeout_ms":30000,"online_cloud_timeout_ms":300000,"notify_cloud_delay_ms":30000,)"
        R"("notify_default_delay_ms":1500,"push_chat_period_ms":60000,"push_chat_limit":2,)"
        R"("edit_time_limit":172800,"revoke_time_limit":2147483647,"revoke_pm_time_limit":2147483647,)"
        R"("rating_e_decay":2419200,"stickers_recent_limit":200,"channels_read_media_period":604800,)"
        R"("call_receive_timeout_ms":20000,"call_ring_timeout_ms":90000,"call_connect_timeout_ms":30000,)"
        R"("call_packet_timeout_ms":10000,"me_url_prefix":"https://t.me/","caption_length_max":1024,)"
        R"("message_length_max":4096,"webfile_dc_id":)" +
        std::to_string(this_dc_) + "}");
  }
  return ApiError{400, "METHOD_NOT_SUPPORTED_BY_TEST_DC"};
}

}  // namespace tgd::testdc
