// help.*: the DC list. Both methods are exempt from the initConnection requirement (api.hpp).
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

Reply get_nearest_dc(Call& c) {
  return R"({"_":"nearestDc","country":"ZZ","this_dc":)" + std::to_string(c.ctx.dc) + R"(,"nearest_dc":)" +
         std::to_string(c.ctx.dc) + "}";
}

Reply get_config(Call& c) {
  std::string options;
  for (const auto& dc : c.dcs) {
    if (!options.empty()) options += ",";
    options += R"({"_":"dcOption","id":)" + std::to_string(dc.id) + R"(,"ip_address":)" + jstr(dc.host) +
               R"(,"port":)" + std::to_string(dc.port) + "}";
  }
  const std::int64_t now = World::now();
  return R"({"_":"config","date":)" + std::to_string(now) + R"(,"expires":)" + std::to_string(now + 3600) +
         R"(,"test_mode":true,"this_dc":)" + std::to_string(c.ctx.dc) + R"(,"dc_options":[)" + options +
         R"(],"dc_txt_domain_name":"","chat_size_max":200,"megagroup_size_max":200000,)"
         R"("forwarded_count_max":100,"online_update_period_ms":210000,"offline_blur_timeout_ms":5000,)"
         R"("offline_idle_timeout_ms":30000,"online_cloud_timeout_ms":300000,"notify_cloud_delay_ms":30000,)"
         R"("notify_default_delay_ms":1500,"push_chat_period_ms":60000,"push_chat_limit":2,)"
         R"("edit_time_limit":172800,"revoke_time_limit":2147483647,"revoke_pm_time_limit":2147483647,)"
         R"("rating_e_decay":2419200,"stickers_recent_limit":200,"channels_read_media_period":604800,)"
         R"("call_receive_timeout_ms":20000,"call_ring_timeout_ms":90000,"call_connect_timeout_ms":30000,)"
         R"("call_packet_timeout_ms":10000,"me_url_prefix":"https://t.me/","caption_length_max":1024,)"
         R"("message_length_max":4096,"webfile_dc_id":)" +
         std::to_string(c.ctx.dc) + "}";
}

}  // namespace

void register_help(Handlers& h) {
  h["help.getNearestDc"] = get_nearest_dc;
  h["help.getConfig"] = get_config;
}

}  // namespace tgd::testdc::api
