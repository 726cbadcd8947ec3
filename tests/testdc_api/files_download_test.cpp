// Downloads: upload.getFile's offset/limit rules (core.telegram.org/api/files "Downloading files"),
// the files DC (FILE_MIGRATE_X), file references that expire and come back fresh with the message,
// media messages and their updates, photos, file faults.
#include <doctest/doctest.h>

#include "tests/testdc_api/files_support.hpp"

namespace tgd::testdc::testing {
namespace {

constexpr int kFilesDc = 3;  // the harness has three DCs; the highest serves files
const std::string kSelf = R"({"_":"inputPeerSelf"})";

// Alice (DC 1) with a client logged in on the files DC too.
struct Downloader {
  Harness& h;
  std::int64_t alice = 0;
  Client home, files;
  explicit Downloader(Harness& harness) : h(harness) {
    home = h.user("9996611000", "Alice", &alice);
    files = authorize_on(h, home, kFilesDc);
  }
  // Uploads `data` and sends it to Saved Messages; the answer's message holds the document.
  Answer send(const Bytes& data, std::size_t part_size, std::int64_t file_id) {
    const bool big = data.size() > 10 * 1024 * 1024;
    const int parts = upload(h, home, file_id, data, part_size, big);
    const std::string file =
        big ? input_file_big(file_id, parts, "f.bin") : input_file(file_id, parts, "f.bin", "");
    Answer sent = send_media(h, home, kSelf, uploaded_document(file), file_id);
    REQUIRE_MESSAGE(sent.ok, sent.error.message);
    return sent;
  }
  std::string location(const Answer& sent) {
    return document_location(sent, last_message_pointer(sent) + "/media/document");
  }
};

ApiError err(std::string message) { return ApiError{400, std::move(message)}; }

}  // namespace

TEST_CASE(
    "an upload comes back byte for byte in 1 MiB, 512 KiB and 4 KiB requests (SHA-256 compared), "
    "whatever its part size") {
  Harness h;
  Downloader d(h);
  const Bytes data = file_bytes(2 * 1024 * 1024 + 300 * 1024 + 123, 7);
  for (const std::size_t part_size : {std::size_t{512 * 1024}, std::size_t{32 * 1024}}) {
    CAPTURE(part_size);
    Answer sent = d.send(data, part_size, static_cast<std::int64_t>(part_size));
    CHECK(sent.str(last_message_pointer(sent) + "/media/document/size") == std::to_string(data.size()));
    const std::string location = d.location(sent);
    for (const std::int64_t chunk : {std::int64_t{1} << 20, std::int64_t{512} << 10, std::int64_t{4} << 10}) {
      CAPTURE(chunk);
      CHECK(sha256_hex(download(h, d.files, location, chunk)) == sha256_hex(data));
    }
  }
}

TEST_CASE(
    "getFile: offset and limit in 4 KiB steps with limit dividing 1 MiB, or with precise in 1 KiB steps "
    "up to 1 MiB, never across a 1 MiB boundary (OFFSET_INVALID, LIMIT_INVALID)") {
  Harness h;
  Downloader d(h);
  const std::string loc = d.location(d.send(file_bytes(3 * 1024 * 1024), 512 * 1024, 1));
  CHECK(get_file(h, d.files, loc, 1024, 4096).error == err("OFFSET_INVALID"));
  CHECK(get_file(h, d.files, loc, -4096, 4096).error == err("OFFSET_INVALID"));
  CHECK(get_file(h, d.files, loc, 0, 1024).error == err("LIMIT_INVALID"));
  CHECK(get_file(h, d.files, loc, 0, 0).error == err("LIMIT_INVALID"));
  CHECK(get_file(h, d.files, loc, 0, 12288).error == err("LIMIT_INVALID"));  // 12 KiB does not divide 1 MiB
  CHECK(get_file(h, d.files, loc, 0, 2 << 20).error == err("LIMIT_INVALID"));
  CHECK(get_file(h, d.files, loc, 4096, 1 << 20).error == err("LIMIT_INVALID"));  // crosses 1 MiB
  CHECK(get_file(h, d.files, loc, (1 << 20) - 4096, 8192).error == err("LIMIT_INVALID"));
  CHECK(get_file(h, d.files, loc, 1 << 20, 1 << 20).ok);
  CHECK(get_file(h, d.files, loc, 8192, 8192).ok);

  CHECK(get_file(h, d.files, loc, 1024, 3072, true).ok);
  CHECK(get_file(h, d.files, loc, 1000, 1024, true).error == err("OFFSET_INVALID"));
  CHECK(get_file(h, d.files, loc, 1024, 1000, true).error == err("LIMIT_INVALID"));
  CHECK(get_file(h, d.files, loc, 0, (1 << 20) + 1024, true).error == err("LIMIT_INVALID"));
  CHECK(get_file(h, d.files, loc, 1024, 1 << 20, true).error == err("LIMIT_INVALID"));  // crosses 1 MiB
  Answer precise = get_file(h, d.files, loc, (1 << 20) - 3072, 3072, true);
  REQUIRE(precise.ok);
  CHECK(base64_decode(precise.str("/bytes"))->size() == 3072);
}

TEST_CASE(
    "getFile past the end answers what is left, then nothing, the first part's type comes from the MIME "
    "type, later ones are storage.filePartial") {
  Harness h;
  Downloader d(h);
  const Bytes data = file_bytes(10000);
  Answer sent = d.send(data, 1024, 1);
  const std::string loc = d.location(sent);
  Answer first = get_file(h, d.files, loc, 0, 4096);
  REQUIRE(first.ok);
  CHECK(first.type() == "upload.file");
  CHECK(first.str("/type/_") == "storage.fileUnknown");
  CHECK(first.num("/mtime") ==
        h.world()
            .files()
            .find_media(MediaKind::kDocument, sent.id(last_message_pointer(sent) + "/media/document/id"))
            ->date);
  Answer tail = get_file(h, d.files, loc, 8192, 4096);
  REQUIRE(tail.ok);
  CHECK(tail.str("/type/_") == "storage.filePartial");
  CHECK(*base64_decode(tail.str("/bytes")) == Bytes(data.begin() + 8192, data.end()));
  Answer beyond = get_file(h, d.files, loc, 1 << 20, 4096);
  REQUIRE(beyond.ok);
  CHECK(beyond.str("/bytes").empty());

  // Known MIME types name their storage type.
  upload(h, d.home, 2, data, 1024, false);
  Answer pdf =
      send_media(h, d.home, kSelf, uploaded_document(input_file(2, 10, "a.pdf", ""), "application/pdf"), 2);
  REQUIRE(pdf.ok);
  CHECK(get_file(h, d.files, d.location(pdf), 0, 4096).str("/type/_") == "storage.filePdf");
}

TEST_CASE(
    "getFile on a DC other than the files DC answers 303 FILE_MIGRATE_3, after exportAuthorization and "
    "importAuthorization the download works there") {
  Harness h;
  std::int64_t alice = 0;
  Client home = h.user("9996611000", "Alice", &alice);
  const Bytes data = file_bytes(70000, 3);
  const int parts = upload(h, home, 1, data, 64 * 1024, false);
  Answer sent = send_media(h, home, kSelf, uploaded_document(input_file(1, parts, "m.bin", "")), 1);
  REQUIRE(sent.ok);
  const std::string loc = document_location(sent, last_message_pointer(sent) + "/media/document");
  CHECK(sent.num(last_message_pointer(sent) + "/media/document/dc_id") == kFilesDc);
  CHECK(get_file(h, home, loc, 0, 4096).error == ApiError{303, "FILE_MIGRATE_3"});
  Client on2 = authorize_on(h, home, 2);
  CHECK(get_file(h, on2, loc, 0, 4096).error == ApiError{303, "FILE_MIGRATE_3"});
  Client fresh = h.client(kFilesDc);
  CHECK(get_file(h, fresh, loc, 0, 4096).error == ApiError{401, "AUTH_KEY_UNREGISTERED"});
  Client on3 = authorize_on(h, home, kFilesDc);
  CHECK(sha256_hex(download(h, on3, loc, 64 * 1024)) == sha256_hex(data));
}

TEST_CASE("the files DC is an option: World::files().set_options({.files_dc = 2}) moves new media there") {
  Harness h;
  Client home = h.user("9996611000", "Alice");
  h.world().files().set_options(FileOptions{.files_dc = 2});
  upload(h, home, 1, file_bytes(100), 1024, false);
  Answer sent = send_media(h, home, kSelf, uploaded_document(input_file(1, 1, "m.bin", "")), 1);
  REQUIRE(sent.ok);
  CHECK(sent.num(last_message_pointer(sent) + "/media/document/dc_id") == 2);
  const std::string loc = document_location(sent, last_message_pointer(sent) + "/media/document");
  CHECK(get_file(h, home, loc, 0, 4096).error == ApiError{303, "FILE_MIGRATE_2"});
}

TEST_CASE(
    "file references: expired ones answer FILE_REFERENCE_EXPIRED until getMessages or getHistory gives "
    "a fresh one, a changed one is FILE_REFERENCE_INVALID, an empty one FILE_REFERENCE_EMPTY") {
  Harness h;
  Downloader d(h);
  Answer sent = d.send(file_bytes(5000), 1024, 1);
  const std::string doc = last_message_pointer(sent) + "/media/document";
  const std::string loc = d.location(sent);
  REQUIRE(get_file(h, d.files, loc, 0, 4096).ok);

  h.world().expire_file_references();
  CHECK(get_file(h, d.files, loc, 0, 4096).error == err("FILE_REFERENCE_EXPIRED"));
  const std::string id = std::to_string(sent.num(last_message_pointer(sent) + "/id"));
  Answer refetched =
      h.call(d.home, "messages.getMessages", R"({"id":[{"_":"inputMessageID","id":)" + id + "}]}");
  REQUIRE(refetched.ok);
  CHECK(refetched.type() == "messages.messages");
  CHECK(refetched.str("/messages/0/media/document/id") == sent.str(doc + "/id"));
  CHECK(refetched.str("/messages/0/media/document/file_reference") != sent.str(doc + "/file_reference"));
  CHECK(get_file(h, d.files, document_location(refetched, "/messages/0/media/document"), 0, 4096).ok);

  // By age: a reference older than the TTL is expired too.
  h.world().files().set_options(FileOptions{.reference_ttl = std::chrono::seconds(0)});
  Answer history = h.call(d.home, "messages.getHistory",
                          R"({"peer":{"_":"inputPeerSelf"},"offset_id":0,"offset_date":0,"add_offset":0,)"
                          R"("limit":10,"max_id":0,"min_id":0,"hash":"0"})");
  REQUIRE(history.ok);
  const std::string from_history = document_location(history, "/messages/0/media/document");
  CHECK(get_file(h, d.files, from_history, 0, 4096).error == err("FILE_REFERENCE_EXPIRED"));
  h.world().files().set_options(FileOptions{});
  CHECK(get_file(h, d.files, from_history, 0, 4096).ok);

  std::string changed = from_history;
  const auto at = changed.find("file_reference\":\"") + 17;
  changed[at] = changed[at] == 'A' ? 'B' : 'A';
  CHECK(get_file(h, d.files, changed, 0, 4096).error == err("FILE_REFERENCE_INVALID"));
  const std::string empty = R"({"_":"inputDocumentFileLocation","id":")" + sent.str(doc + "/id") +
                            R"(","access_hash":")" + sent.str(doc + "/access_hash") +
                            R"(","file_reference":"","thumb_size":""})";
  CHECK(get_file(h, d.files, empty, 0, 4096).error == err("FILE_REFERENCE_EMPTY"));
}

TEST_CASE(
    "getMessages answers messageEmpty for ids not in the box, channels.getMessages finds channel posts "
    "with their media") {
  Harness h;
  std::int64_t alice = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  Answer none = h.call(a, "messages.getMessages", R"({"id":[{"_":"inputMessageID","id":77}]})");
  REQUIRE(none.ok);
  CHECK(none.str("/messages/0/_") == "messageEmpty");
  CHECK(none.num("/messages/0/id") == 77);

  Answer created = h.call(a, "channels.createChannel", R"({"broadcast":true,"title":"Files","about":""})");
  REQUIRE(created.ok);
  const std::int64_t channel = created.id("/chats/0/id");
  upload(h, a, 1, file_bytes(100), 1024, false);
  Answer posted = send_media(h, a, input_peer_channel(h, alice, channel),
                             uploaded_document(input_file(1, 1, "c.bin", "")), 1, "post");
  REQUIRE(posted.ok);
  CHECK(posted.str("/updates/0/_") == "updateMessageID");
  CHECK(posted.str("/updates/1/_") == "updateNewChannelMessage");
  const std::string id = std::to_string(posted.num("/updates/1/message/id"));
  Answer got = h.call(a, "channels.getMessages",
                      R"({"channel":)" + input_channel(h, alice, channel) +
                          R"(,"id":[{"_":"inputMessageID","id":)" + id + "}]}");
  REQUIRE(got.ok);
  CHECK(got.type() == "messages.channelMessages");
  CHECK(got.str("/messages/0/message") == "post");
  CHECK(got.str("/messages/0/media/document/id") == posted.str("/updates/1/message/media/document/id"));
}

TEST_CASE(
    "a document sent to another user reaches them as updates{updateNewMessage} with seq, the sender's answer "
    "has updateMessageID, access hashes are per viewer (another's is FILE_ID_INVALID)") {
  Harness h;
  std::int64_t alice = 0, bob = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  Client b = h.user("9996621000", "Bob", &bob);
  REQUIRE(h.call(b, "updates.getState").ok);
  upload(h, a, 1, file_bytes(3000), 1024, false);
  Answer sent =
      send_media(h, a, input_peer_user(h, alice, bob), uploaded_document(input_file(1, 3, "x", "")), 11);
  REQUIRE(sent.ok);
  CHECK(sent.type() == "updates");
  CHECK(sent.str("/updates/0/_") == "updateMessageID");
  CHECK(sent.str("/updates/0/random_id") == "11");
  CHECK(sent.str("/updates/1/_") == "updateNewMessage");
  CHECK(sent.num("/seq") == h.world().find_account(alice)->seq);
  auto pushes = h.take_pushes(b);
  REQUIRE(pushes.size() == 1);
  const Answer& pushed = pushes[0].updates;
  CHECK(pushed.str("/updates/0/_") == "updateNewMessage");
  CHECK(pushed.num("/seq") == 1);
  const std::string bobs = "/updates/0/message/media/document";
  CHECK(pushed.str(bobs + "/id") == sent.str("/updates/1/message/media/document/id"));
  CHECK(pushed.str(bobs + "/access_hash") != sent.str("/updates/1/message/media/document/access_hash"));

  Client a3 = authorize_on(h, a, kFilesDc);
  Client b3 = authorize_on(h, b, kFilesDc);
  const std::string alices_location = document_location(sent, "/updates/1/message/media/document");
  CHECK(get_file(h, a3, alices_location, 0, 4096).ok);
  CHECK(get_file(h, b3, alices_location, 0, 4096).error == err("FILE_ID_INVALID"));
  CHECK(get_file(h, b3, document_location(pushed, bobs), 0, 4096).ok);
}

TEST_CASE(
    "inputMediaDocument re-sends a document without uploading it again (same id), a wrong access hash is "
    "MEDIA_EMPTY, an expired reference FILE_REFERENCE_EXPIRED") {
  Harness h;
  std::int64_t alice = 0, bob = 0;
  Client a = h.user("9996611000", "Alice", &alice);
  h.user("9996621000", "Bob", &bob);
  upload(h, a, 1, file_bytes(3000), 1024, false);
  Answer first = send_media(h, a, kSelf, uploaded_document(input_file(1, 3, "x", "")), 1);
  REQUIRE(first.ok);
  const std::string doc = last_message_pointer(first) + "/media/document";
  const auto input_document = [&](const Answer& from, const std::string& pointer,
                                  std::string_view hash = "") {
    return R"({"_":"inputMediaDocument","id":{"_":"inputDocument","id":")" + from.str(pointer + "/id") +
           R"(","access_hash":")" + (hash.empty() ? from.str(pointer + "/access_hash") : std::string(hash)) +
           R"(","file_reference":")" + from.str(pointer + "/file_reference") + "\"}}";
  };
  Answer again = send_media(h, a, input_peer_user(h, alice, bob), input_document(first, doc), 2, "again");
  REQUIRE(again.ok);
  CHECK(again.str(last_message_pointer(again) + "/media/document/id") == first.str(doc + "/id"));
  CHECK(send_media(h, a, kSelf, input_document(first, doc, "12345"), 3).error == err("MEDIA_EMPTY"));
  CHECK(send_media(h, a, kSelf, R"({"_":"inputMediaDocument","id":{"_":"inputDocumentEmpty"}})", 4).error ==
        err("MEDIA_EMPTY"));
  h.world().expire_file_references();
  CHECK(send_media(h, a, kSelf, input_document(first, doc), 5).error == err("FILE_REFERENCE_EXPIRED"));

  // messages.uploadMedia stores media without a message; it can be sent later.
  upload(h, a, 2, file_bytes(500), 1024, false);
  Answer stored = h.call(a, "messages.uploadMedia",
                         R"({"peer":{"_":"inputPeerSelf"},"media":)" +
                             uploaded_document(input_file(2, 1, "later.bin", "")) + "}");
  REQUIRE(stored.ok);
  CHECK(stored.type() == "messageMediaDocument");
  CHECK(send_media(h, a, kSelf, input_document(stored, "/document"), 6).ok);
}

TEST_CASE(
    "an uploaded photo becomes messageMediaPhoto with one size x holding the uploaded bytes, downloaded "
    "with inputPhotoFileLocation, re-sent with inputMediaPhoto") {
  Harness h;
  Downloader d(h);
  const Bytes jpeg = file_bytes(40000, 9);
  const int parts = upload(h, d.home, 1, jpeg, 16 * 1024, false);
  Answer sent =
      send_media(h, d.home, kSelf,
                 R"({"_":"inputMediaUploadedPhoto","file":)" + input_file(1, parts, "p.jpg", "") + "}", 1);
  REQUIRE(sent.ok);
  const std::string photo = last_message_pointer(sent) + "/media/photo";
  CHECK(sent.str(last_message_pointer(sent) + "/media/_") == "messageMediaPhoto");
  CHECK(sent.str(photo + "/sizes/0/type") == "x");
  CHECK(sent.num(photo + "/sizes/0/size") == 40000);
  CHECK(sent.num(photo + "/dc_id") == kFilesDc);
  const auto location = [&](std::string_view thumb) {
    return R"({"_":"inputPhotoFileLocation","id":")" + sent.str(photo + "/id") + R"(","access_hash":")" +
           sent.str(photo + "/access_hash") + R"(","file_reference":")" +
           sent.str(photo + "/file_reference") + R"(","thumb_size":")" + std::string(thumb) + "\"}";
  };
  Answer first = get_file(h, d.files, location("x"), 0, 4096);
  REQUIRE(first.ok);
  CHECK(first.str("/type/_") == "storage.fileJpeg");
  CHECK(sha256_hex(download(h, d.files, location("x"), 8192)) == sha256_hex(jpeg));
  CHECK(get_file(h, d.files, location("y"), 0, 4096).error == err("LOCATION_INVALID"));
  // A photo's id is not a document's.
  CHECK(get_file(h, d.files, document_location(sent, photo), 0, 4096).error == err("FILE_ID_INVALID"));

  Answer again =
      send_media(h, d.home, kSelf,
                 R"({"_":"inputMediaPhoto","id":{"_":"inputPhoto","id":")" + sent.str(photo + "/id") +
                     R"(","access_hash":")" + sent.str(photo + "/access_hash") + R"(","file_reference":")" +
                     sent.str(photo + "/file_reference") + "\"}}",
                 2);
  REQUIRE(again.ok);
  CHECK(again.str(last_message_pointer(again) + "/media/photo/id") == sent.str(photo + "/id"));
}

TEST_CASE("upload.getFileHashes gives the SHA-256 of 128 KiB pieces from the offset on") {
  Harness h;
  Downloader d(h);
  const Bytes data = file_bytes(300 * 1024);
  const std::string loc = d.location(d.send(data, 512 * 1024, 1));
  Answer hashes = h.call(d.files, "upload.getFileHashes", R"({"location":)" + loc + R"(,"offset":"131072"})");
  REQUIRE(hashes.ok);
  const auto& root = hashes.root;
  REQUIRE(root.get_array().value().size() == 2);
  CHECK(hashes.str("/0/offset") == "131072");
  CHECK(hashes.num("/1/limit") == 300 * 1024 - 262144);
  CHECK(hashes.str("/0/hash") == sha256_hex(ByteSpan(data).subspan(131072, 131072)));
}

TEST_CASE(
    "file faults: part_delay delays every getFile answer, drop_after_parts drops the connection of the "
    "Nth, file parts are never gzip-compressed") {
  Harness h;
  Downloader d(h);
  const std::string loc = d.location(d.send(file_bytes(20000), 4096, 1));
  REQUIRE(get_file(h, d.files, loc, 0, 4096).ok);
  CHECK(h.last_hints(kFilesDc).incompressible);
  CHECK(h.last_hints(kFilesDc).delay.count() == 0);
  CHECK_FALSE(h.last_hints(kFilesDc).drop_connection);

  h.world().files().faults() = FileFaults{.drop_after_parts = 2, .part_delay = std::chrono::milliseconds(30)};
  REQUIRE(get_file(h, d.files, loc, 4096, 4096).ok);
  CHECK(h.last_hints(kFilesDc).delay == std::chrono::milliseconds(30));
  CHECK_FALSE(h.last_hints(kFilesDc).drop_connection);
  REQUIRE(get_file(h, d.files, loc, 8192, 4096).ok);
  CHECK(h.last_hints(kFilesDc).drop_connection);
  REQUIRE(get_file(h, d.files, loc, 12288, 4096).ok);
  CHECK_FALSE(h.last_hints(kFilesDc).drop_connection);  // once
  CHECK(h.world().files().stats().dropped_connections == 1);
  CHECK(h.world().files().stats().parts_served == 4);
}

TEST_CASE(
    "getFile gives the same answer through the general path (first call, inside initConnection) as through "
    "the fast path") {
  Harness h;
  std::int64_t alice = 0;
  Client home = h.user("9996611000", "Alice", &alice);
  upload(h, home, 1, file_bytes(9000), 1024, false);
  Answer sent = send_media(h, home, kSelf, uploaded_document(input_file(1, 9, "x", "")), 1);
  REQUIRE(sent.ok);
  const std::string loc = document_location(sent, last_message_pointer(sent) + "/media/document");
  Client on3 = h.client(kFilesDc);
  h.world().authorize(kFilesDc, on3.auth_key_id, alice);
  Answer general = get_file(h, on3, loc, 4096, 8192);  // wrapped in invokeWithLayer(initConnection)
  Answer fast = get_file(h, on3, loc, 4096, 8192);
  REQUIRE(general.ok);
  REQUIRE(fast.ok);
  CHECK(general.json == fast.json);
  // A saved part too: the first call of a fresh client goes the general way.
  Client other = h.client(1);
  h.world().authorize(1, other.auth_key_id, alice);
  CHECK(save_part(h, other, 2, 0, file_bytes(1000)).ok);
  CHECK(save_part(h, other, 2, 1, file_bytes(1000)).error == err("FILE_PART_SIZE_INVALID"));
}

}  // namespace tgd::testdc::testing
