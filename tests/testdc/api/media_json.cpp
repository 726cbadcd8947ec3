// Photos and documents in tgd's JSON form, as Telegram shapes them: the access hash is the
// viewer's, the file reference fresh (re-fetching a message is how a client renews it), dc_id the
// files DC.
#include "protocol/base/base64.hpp"
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

// The photo's only size (the test DC does not decode images: w and h are placeholders).
constexpr int kPhotoSide = 800;

}  // namespace

std::string media_object_json(World& w, const Media& m, std::int64_t viewer) {
  const std::string head = R"(,"id":)" + long_str(m.id) + R"(,"access_hash":)" +
                           long_str(w.files().access_hash(viewer, m)) + R"(,"file_reference":")" +
                           base64_encode(w.files().references().issue(m.id, World::now())) + R"(","date":)" +
                           std::to_string(m.date);
  if (m.kind == MediaKind::kPhoto) {
    return R"({"_":"photo")" + head + R"(,"sizes":[{"_":"photoSize","type":"x","w":)" +
           std::to_string(kPhotoSide) + R"(,"h":)" + std::to_string(kPhotoSide) + R"(,"size":)" +
           std::to_string(m.size()) + R"(}],"dc_id":)" + std::to_string(m.dc) + "}";
  }
  return R"({"_":"document")" + head + R"(,"mime_type":)" + jstr(m.mime_type) + R"(,"size":)" +
         long_str(static_cast<std::int64_t>(m.size())) + R"(,"dc_id":)" + std::to_string(m.dc) +
         R"(,"attributes":)" + m.attributes + "}";
}

std::string message_media_json(World& w, const Media& m, std::int64_t viewer) {
  if (m.kind == MediaKind::kPhoto) {
    return R"({"_":"messageMediaPhoto","photo":)" + media_object_json(w, m, viewer) + "}";
  }
  return R"({"_":"messageMediaDocument","document":)" + media_object_json(w, m, viewer) + "}";
}

}  // namespace tgd::testdc::api
