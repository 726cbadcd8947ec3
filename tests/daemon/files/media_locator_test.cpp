// locate_media on every kind of object that holds media, and the errors for those that hold none.
#include <doctest/doctest.h>

#include "daemon/files/media_locator.hpp"
#include "tests/daemon/files/media_samples.hpp"

using namespace tgd::files;
using namespace tgd::files::test;

namespace {

const std::string kDocumentLocation =
    R"({"_":"inputDocumentFileLocation","id":"5341234567890123456","access_hash":"-4053457523124519744",)"
    R"("file_reference":"AQAAAAFn1xYz","thumb_size":""})";
const std::string kPhotoLocation =
    R"({"_":"inputPhotoFileLocation","id":"6001","access_hash":"-17","file_reference":"AgAAAP8=","thumb_size":"y"})";

DownloadInfo located(const std::string& json, std::string_view root = "") {
  auto result = locate_media(json, root);
  if (auto* error = std::get_if<LocateError>(&result)) FAIL("locate failed: " << error->text());
  return std::get<DownloadInfo>(std::move(result));
}

std::string locate_error(const std::string& json, std::string_view root = "") {
  auto result = locate_media(json, root);
  REQUIRE(std::holds_alternative<LocateError>(result));
  return std::get<LocateError>(result).text();
}

void check_document(const DownloadInfo& info) {
  CHECK(info.kind == DownloadInfo::Kind::kDocument);
  CHECK(info.location == kDocumentLocation);
  CHECK(info.dc_id == 4);
  CHECK(info.size == 15728641);
  CHECK(info.file_name == "holiday clip.mp4");
  CHECK(info.mime_type == "video/mp4");
  CHECK(info.id == 5341234567890123456);
}

}  // namespace

TEST_CASE("a Document, a MessageMedia, a message and the updates around it all give the same document") {
  const std::string message = message_with(media_document());
  const std::string update =
      R"({"_":"updateNewChannelMessage","message":)" + message + R"(,"pts":10,"pts_count":1})";
  const std::string inputs[] = {
      kDocument,
      media_document(),
      message,
      update,
      R"({"_":"updateNewMessage","message":)" + message + R"(,"pts":10,"pts_count":1})",
      R"({"_":"updateEditMessage","message":)" + message + R"(,"pts":10,"pts_count":1})",
      R"({"_":"updateEditChannelMessage","message":)" + message + R"(,"pts":10,"pts_count":1})",
      R"({"_":"updateShort","update":)" + update + R"(,"date":5})",
      // sendMedia's answer: updateMessageID first, then the message.
      R"({"_":"updates","updates":[{"_":"updateMessageID","id":321,"random_id":"99"},)" + update +
          R"(],"users":[],"chats":[],"date":5,"seq":0})",
      R"({"_":"updatesCombined","updates":[)" + update +
          R"(],"users":[],"chats":[],"date":5,"seq_start":1,"seq":1})",
      // tgd's update notification params and getUpdates' answer.
      R"({"subscription":1,"session":"alice","seq":42,"update":)" + update + "}",
      R"({"updates":[{"session":"alice","seq":41,"update":{"_":"updateReadHistoryInbox","peer":{"_":"peerUser","user_id":"1"},"max_id":1,"still_unread_count":0,"pts":1,"pts_count":1}},{"session":"alice","seq":42,"update":)" +
          update + R"(}],"next_offset":43})",
      R"({"_":"messages.messages","messages":[)" + message_with("") + "," + message +
          R"(],"topics":[],"chats":[],"users":[]})",
  };
  for (const std::string& input : inputs) {
    CAPTURE(input);
    const DownloadInfo info = located(input);
    check_document(info);
  }
  // Through a message, the origin says where to fetch it again.
  const DownloadInfo info = located(update);
  REQUIRE(info.origin);
  CHECK(info.origin->peer_kind == MessageOrigin::PeerKind::kChannel);
  CHECK(info.origin->peer_id == 1234567890);
  CHECK(info.origin->message_id == 321);
  CHECK(info.origin->peer_json == R"({"_":"peerChannel","channel_id":"1234567890"})");
  CHECK_FALSE(info.origin->scheduled);
  CHECK_FALSE(located(kDocument).origin);
  CHECK_FALSE(located(media_document()).origin);
}

TEST_CASE("a photo: the largest downloadable size, inline sizes skipped") {
  const DownloadInfo info = located(message_with(media_photo(), R"({"_":"peerUser","user_id":"42"})"));
  CHECK(info.kind == DownloadInfo::Kind::kPhoto);
  CHECK(info.location == kPhotoLocation);
  CHECK(info.size == 150321);  // photoSizeProgressive's last size beats photoSize x
  CHECK(info.dc_id == 2);
  CHECK(info.file_name == "photo_6001.jpg");
  CHECK(info.mime_type == "image/jpeg");
  REQUIRE(info.origin);
  CHECK(info.origin->peer_kind == MessageOrigin::PeerKind::kUser);
  CHECK(info.origin->peer_id == 42);

  const std::string plain =
      R"({"_":"photo","id":"1","access_hash":"2","file_reference":"","date":1,"sizes":[)"
      R"({"_":"photoSize","type":"s","w":90,"h":90,"size":1000},{"_":"photoSize","type":"w","w":2560,"h":1920,"size":900000},)"
      R"({"_":"photoSize","type":"x","w":800,"h":600,"size":90000}],"dc_id":5})";
  const DownloadInfo largest = located(plain);
  CHECK(largest.location ==
        R"({"_":"inputPhotoFileLocation","id":"1","access_hash":"2","file_reference":"","thumb_size":"w"})");
  CHECK(largest.size == 900000);
  CHECK(largest.dc_id == 5);
}

TEST_CASE("names: documentAttributeFilename sanitized, else kind + id + the MIME type's extension") {
  CHECK(located(kNamelessVoice).file_name == "voice_77.ogg");
  const std::string evil =
      R"({"_":"document","id":"9","access_hash":"1","file_reference":"","date":1,"mime_type":"application/pdf","size":"0",)"
      R"("dc_id":1,"attributes":[{"_":"documentAttributeFilename","file_name":"../../etc/passwd"}]})";
  const DownloadInfo info = located(evil);
  CHECK(info.file_name == "_.._etc_passwd");
  CHECK_FALSE(info.size);  // size 0: unknown
  const std::string dots =
      R"({"_":"document","id":"9","access_hash":"1","file_reference":"","date":1,"mime_type":"application/pdf","size":"10",)"
      R"("dc_id":1,"attributes":[{"_":"documentAttributeFilename","file_name":".."}]})";
  CHECK(located(dots).file_name == "document_9.pdf");
  const std::string sticker =
      R"({"_":"document","id":"10","access_hash":"1","file_reference":"","date":1,"mime_type":"application/x-tgsticker","size":"10",)"
      R"("dc_id":1,"attributes":[{"_":"documentAttributeSticker","alt":"x","stickerset":{"_":"inputStickerSetEmpty"}}]})";
  CHECK(located(sticker).file_name == "sticker_10.tgs");
  const std::string unknown_mime =
      R"({"_":"document","id":"11","access_hash":"1","file_reference":"","date":1,"mime_type":"application/x-what","size":"10","dc_id":1,"attributes":[]})";
  CHECK(located(unknown_mime).file_name == "document_11");
}

TEST_CASE("updateShortSentMessage (sendMedia's short answer), scheduled messages, games and stories") {
  const DownloadInfo sent =
      located(R"({"_":"updateShortSentMessage","out":true,"id":77,"pts":5,"pts_count":1,"date":9,"media":)" +
              media_document() + "}");
  check_document(sent);
  REQUIRE(sent.origin);
  CHECK(sent.origin->message_id == 77);
  CHECK(sent.origin->peer_kind == MessageOrigin::PeerKind::kUnknown);
  CHECK(sent.origin->peer_json.empty());

  const DownloadInfo scheduled =
      located(R"({"_":"updateNewScheduledMessage","message":)" + message_with(media_document()) + "}");
  REQUIRE(scheduled.origin);
  CHECK(scheduled.origin->scheduled);

  const std::string game =
      R"({"_":"messageMediaGame","game":{"_":"game","id":"1","access_hash":"2","short_name":"g","title":"G",)"
      R"("description":"d","photo":)" +
      kPhoto + R"(,"document":)" + kDocument + "}}";
  check_document(located(game));
  const std::string story =
      R"({"_":"messageMediaStory","peer":{"_":"peerUser","user_id":"1"},"id":5,"story":{"_":"storyItem","id":5,)"
      R"("date":1,"expire_date":2,"media":)" +
      media_photo() + "}}";
  CHECK(located(story).location == kPhotoLocation);
}

TEST_CASE("input locations pass through, an inputDocument becomes its file location") {
  const DownloadInfo location = located(kDocumentLocation);
  CHECK(location.location == kDocumentLocation);
  CHECK(location.dc_id == 0);
  CHECK_FALSE(location.size);
  CHECK(location.file_name == "document_5341234567890123456");
  const std::string peer_photo =
      R"({"_":"inputPeerPhotoFileLocation","big":true,"peer":{"_":"inputPeerSelf"},"photo_id":"5"})";
  CHECK(located(peer_photo).location == peer_photo);
  CHECK(located(peer_photo).file_name == "file");
  const DownloadInfo input_document = located(
      R"({"_":"inputDocument","id":"5341234567890123456","access_hash":"-4053457523124519744","file_reference":"AQAAAAFn1xYz"})");
  CHECK(input_document.location == kDocumentLocation);
}

TEST_CASE("objects without media: each error names the JSON path") {
  CHECK(locate_error(message_with(""), "params.file") == "params.file: the message holds no media");
  CHECK(locate_error(R"({"_":"updateNewMessage","message":)" + message_with("") +
                     R"(,"pts":1,"pts_count":1})") == "message: the message holds no media");
  CHECK(
      locate_error(message_with(R"({"_":"messageMediaWebPage","webpage":{"_":"webPageEmpty","id":"1"}})")) ==
      "media: messageMediaWebPage has no downloadable file");
  CHECK(locate_error(message_with(R"({"_":"messageMediaEmpty"})")) ==
        "media: the message's media is empty (messageMediaEmpty)");
  CHECK(locate_error(message_with(R"({"_":"messageMediaGeo","geo":{"_":"geoPointEmpty"}})")) ==
        "media: messageMediaGeo has no downloadable file");
  CHECK(locate_error(R"({"_":"messageMediaDocument","ttl_seconds":10})") ==
        "messageMediaDocument holds no document (it expired or was a self-destructing one)");
  CHECK(locate_error(R"({"_":"messageMediaPhoto","photo":{"_":"photoEmpty","id":"3"}})") ==
        "photo: the photo is empty (photoEmpty)");
  CHECK(locate_error(R"({"_":"messageMediaDocument","document":{"_":"documentEmpty","id":"3"}})") ==
        "document: the document is empty (documentEmpty)");
  CHECK(
      locate_error(
          R"({"_":"messageService","id":1,"peer_id":{"_":"peerUser","user_id":"1"},"date":1,"action":{"_":"messageActionEmpty"}})") ==
      "a service message holds no media");
  CHECK(locate_error(R"({"_":"messageEmpty","id":4})") ==
        "the message is empty (messageEmpty): deleted or inaccessible");
  CHECK(
      locate_error(
          R"({"_":"updateShortMessage","id":1,"user_id":"2","message":"hi","pts":1,"pts_count":1,"date":1})") ==
      "updateShortMessage is a text message: it holds no media");
  CHECK(locate_error(R"({"_":"updateShortSentMessage","id":1,"pts":1,"pts_count":1,"date":1})") ==
        "updateShortSentMessage holds no media");
  CHECK(locate_error(R"({"_":"updates","updates":[],"users":[],"chats":[],"date":1,"seq":0})") ==
        "updates: the updates list is empty: it holds no media");
  CHECK(
      locate_error(
          R"({"_":"updates","updates":[{"_":"updateMessageID","id":1,"random_id":"2"}],"users":[],"chats":[],"date":1,"seq":0})") ==
      "updates: none of the 1 updates holds media");
  CHECK(locate_error(R"({"_":"user","id":"1"})") == "the object holds no media (user)");
  CHECK(locate_error(R"({"seq":3})", "params") ==
        "params: the object names no TL constructor (no \"_\") and holds no \"update\"");
  CHECK(locate_error("42") == "expected an object holding media, got a number");
  CHECK(locate_error("{nope", "params.file") == "params.file: not valid JSON");
  CHECK(
      locate_error(
          R"({"_":"photo","id":"1","access_hash":"2","file_reference":"","date":1,"sizes":[{"_":"photoStrippedSize","type":"i","bytes":""}],"dc_id":1})") ==
      "sizes: the photo has no downloadable size (only inline thumbnails)");
  CHECK(locate_error(R"({"_":"document","id":"1","file_reference":"","dc_id":1})") ==
        "document has no access_hash");
  CHECK(locate_error(R"({"_":"inputPhoto","id":"1","access_hash":"2","file_reference":""})") ==
        "an inputPhoto does not say which size to download: pass the photo or its message");
}

TEST_CASE("getDownloadInfo's JSON") {
  const DownloadInfo info = located(message_with(media_document()));
  CHECK(
      info.to_json() ==
      R"({"kind":"document","location":)" + kDocumentLocation +
          R"(,"dc_id":4,"size":15728641,"file_name":"holiday clip.mp4","mime_type":"video/mp4","id":"5341234567890123456",)"
          R"("origin":{"peer":{"_":"peerChannel","channel_id":"1234567890"},"message_id":321,"scheduled":false}})");
  CHECK(
      located(kDocumentLocation).to_json() ==
      R"({"kind":"document","location":)" + kDocumentLocation +
          R"(,"dc_id":0,"size":null,"file_name":"document_5341234567890123456","mime_type":"","id":"5341234567890123456"})");
}
