// input_media_for_resend: the InputMedia that sends a file again without uploading it.
#include <doctest/doctest.h>

#include "daemon/files/media_locator.hpp"
#include "tests/daemon/files/media_samples.hpp"

using namespace tgd::files;
using namespace tgd::files::test;

namespace {

std::string resend(const std::string& json) {
  auto result = input_media_for_resend(json, "params.media");
  if (auto* error = std::get_if<LocateError>(&result)) FAIL("resend failed: " << error->text());
  return std::get<std::string>(std::move(result));
}

const std::string kInputMediaDocument =
    R"({"_":"inputMediaDocument","id":{"_":"inputDocument","id":"5341234567890123456","access_hash":"-4053457523124519744",)"
    R"("file_reference":"AQAAAAFn1xYz"}})";

}  // namespace

TEST_CASE("a document anywhere becomes inputMediaDocument with its id, access_hash and file_reference") {
  const std::string update =
      R"({"_":"updateNewMessage","message":)" + message_with(media_document()) + R"(,"pts":1,"pts_count":1})";
  CHECK(resend(update) == kInputMediaDocument);
  CHECK(resend(R"({"update":)" + update + "}") == kInputMediaDocument);
  CHECK(resend(kDocument) == kInputMediaDocument);
  CHECK(
      resend(
          R"({"_":"inputDocumentFileLocation","id":"5341234567890123456","access_hash":"-4053457523124519744",)"
          R"("file_reference":"AQAAAAFn1xYz","thumb_size":""})") == kInputMediaDocument);
}

TEST_CASE("a photo becomes inputMediaPhoto, keeping the spoiler flag of its media") {
  CHECK(
      resend(message_with(media_photo())) ==
      R"({"_":"inputMediaPhoto","spoiler":true,"id":{"_":"inputPhoto","id":"6001","access_hash":"-17","file_reference":"AgAAAP8="}})");
  CHECK(
      resend(kPhoto) ==
      R"({"_":"inputMediaPhoto","id":{"_":"inputPhoto","id":"6001","access_hash":"-17","file_reference":"AgAAAP8="}})");
}

TEST_CASE("an InputMedia passes unchanged, what cannot be re-sent is an error with its path") {
  CHECK(resend(kInputMediaDocument) == kInputMediaDocument);
  auto web = input_media_for_resend(
      message_with(R"({"_":"messageMediaWebPage","webpage":{"_":"webPageEmpty","id":"1"}})"), "params.media");
  REQUIRE(std::holds_alternative<LocateError>(web));
  CHECK(std::get<LocateError>(web).text() ==
        "params.media.media: messageMediaWebPage has no downloadable file");
  auto peer_photo = input_media_for_resend(
      std::string(R"({"_":"inputPeerPhotoFileLocation","peer":{"_":"inputPeerSelf"},"photo_id":"5"})"),
      "params.media");
  REQUIRE(std::holds_alternative<LocateError>(peer_photo));
  CHECK(std::get<LocateError>(peer_photo).text() ==
        "params.media: inputPeerPhotoFileLocation cannot be sent again as a message's media");
}
