#pragma once
// Objects holding media, shaped as tgd's JSON form of the schema (protocol/tl/schema/api.tl, layer
// 223): longs as strings, bytes as base64, absent optional fields left out.
#include <string>

namespace tgd::files::test {

inline const std::string kDocument =
    R"({"_":"document","id":"5341234567890123456","access_hash":"-4053457523124519744","file_reference":"AQAAAAFn1xYz",)"
    R"("date":1700000000,"mime_type":"video/mp4","size":"15728641",)"
    R"("thumbs":[{"_":"photoStrippedSize","type":"i","bytes":"AQID"},{"_":"photoSize","type":"m","w":320,"h":180,"size":9000}],)"
    R"("dc_id":4,"attributes":[{"_":"documentAttributeVideo","supports_streaming":true,"duration":12.5,"w":1280,"h":720},)"
    R"({"_":"documentAttributeFilename","file_name":"holiday clip.mp4"}]})";

inline const std::string kNamelessVoice =
    R"({"_":"document","id":"77","access_hash":"88","file_reference":"AQ==","date":1,"mime_type":"audio/ogg",)"
    R"("size":"3000","dc_id":2,"attributes":[{"_":"documentAttributeAudio","voice":true,"duration":3}]})";

inline const std::string kPhoto =
    R"({"_":"photo","id":"6001","access_hash":"-17","file_reference":"AgAAAP8=","date":1700000001,)"
    R"("sizes":[{"_":"photoStrippedSize","type":"i","bytes":"AQID"},)"
    R"({"_":"photoSize","type":"m","w":320,"h":240,"size":20123},)"
    R"({"_":"photoSize","type":"x","w":800,"h":600,"size":81234},)"
    R"({"_":"photoSizeProgressive","type":"y","w":1280,"h":960,"sizes":[10000,40000,150321]},)"
    R"({"_":"photoCachedSize","type":"s","w":90,"h":90,"bytes":"AQID"},)"
    R"({"_":"photoPathSize","type":"j","bytes":"AQID"}],"dc_id":2})";

inline std::string message_with(
    const std::string& media, const std::string& peer = R"({"_":"peerChannel","channel_id":"1234567890"})") {
  return R"({"_":"message","out":true,"id":321,"from_id":{"_":"peerUser","user_id":"42"},"peer_id":)" + peer +
         R"(,"date":1700000002,"message":"look",)" +
         (media.empty() ? std::string() : R"("media":)" + media + ",") + R"("entities":[]})";
}

inline std::string media_document(const std::string& document = kDocument) {
  return R"({"_":"messageMediaDocument","video":true,"document":)" + document + "}";
}

inline std::string media_photo(const std::string& photo = kPhoto) {
  return R"({"_":"messageMediaPhoto","spoiler":true,"photo":)" + photo + "}";
}

}  // namespace tgd::files::test
