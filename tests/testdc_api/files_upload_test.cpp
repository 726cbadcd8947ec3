// Uploads: Telegram's part rules (core.telegram.org/api/files "Uploading files"), checked when a
// part is saved and when the file is used by messages.sendMedia.
#include <doctest/doctest.h>

#include "protocol/base/hex.hpp"
#include "tests/testdc_api/files_support.hpp"

namespace tgd::testdc::testing {
namespace {

const std::string kSelf = R"({"_":"inputPeerSelf"})";

ApiError err(std::string message) { return ApiError{400, std::move(message)}; }

}  // namespace

TEST_CASE(
    "saveFilePart: a part number outside 0..3999 is FILE_PART_INVALID, an empty part FILE_PART_EMPTY, "
    "one over 512 KiB FILE_PART_TOO_BIG") {
  Harness h;
  Client a = h.user("9996611000", "Alice");
  const Bytes kib = file_bytes(1024);
  CHECK(save_part(h, a, 1, -1, kib).error == err("FILE_PART_INVALID"));
  CHECK(save_part(h, a, 1, 4000, kib).error == err("FILE_PART_INVALID"));
  CHECK(save_part(h, a, 1, 3999, kib).ok);
  CHECK(save_part(h, a, 2, 0, Bytes{}).error == err("FILE_PART_EMPTY"));
  CHECK(save_part(h, a, 3, 0, file_bytes(512 * 1024 + 1)).error == err("FILE_PART_TOO_BIG"));
  CHECK(save_part(h, a, 3, 0, file_bytes(512 * 1024)).ok);
}

TEST_CASE("saveFilePart needs a logged-in key: AUTH_KEY_UNREGISTERED") {
  Harness h;
  Client c = h.client(1);
  CHECK(save_part(h, c, 1, 0, file_bytes(1024)).error == ApiError{401, "AUTH_KEY_UNREGISTERED"});
}

TEST_CASE("a part that is not the last must divide 512 KiB in whole KiB, else FILE_PART_SIZE_INVALID") {
  Harness h;
  Client a = h.user("9996611000", "Alice");
  // 3000 bytes is fine as the only (last) part, but not once a later part shows it was not the last.
  CHECK(save_part(h, a, 1, 0, file_bytes(3000)).ok);
  CHECK(save_part(h, a, 1, 1, file_bytes(1000)).error == err("FILE_PART_SIZE_INVALID"));
  // Below the highest part: never the last.
  CHECK(save_part(h, a, 2, 5, file_bytes(1024)).ok);
  CHECK(save_part(h, a, 2, 1, file_bytes(3072)).error == err("FILE_PART_SIZE_INVALID"));  // 3 KiB
  CHECK(save_part(h, a, 2, 1, file_bytes(2048)).ok);
}

TEST_CASE(
    "parts keep the size of the parts before them (FILE_PART_SIZE_CHANGED), only the last may be smaller") {
  Harness h;
  Client a = h.user("9996611000", "Alice");
  CHECK(save_part(h, a, 1, 0, file_bytes(2048)).ok);
  CHECK(save_part(h, a, 1, 1, file_bytes(1024)).ok);  // may be the last
  CHECK(save_part(h, a, 1, 2, file_bytes(1024)).error == err("FILE_PART_SIZE_CHANGED"));
  CHECK(save_part(h, a, 1, 1, file_bytes(2048)).ok);  // sent again whole
  CHECK(save_part(h, a, 1, 2, file_bytes(100)).ok);
  CHECK(save_part(h, a, 1, 3, file_bytes(4096)).error == err("FILE_PART_SIZE_CHANGED"));
  CHECK(save_part(h, a, 2, 0, file_bytes(1024)).ok);
  CHECK(save_part(h, a, 2, 1, file_bytes(2048)).error ==
        err("FILE_PART_SIZE_CHANGED"));  // bigger than part 0
}

TEST_CASE(
    "saveBigFilePart: file_total_parts is 1..4000 or -1 (streamed) and the same for every part "
    "(FILE_PARTS_INVALID), file_part must be below it (FILE_PART_INVALID)") {
  Harness h;
  Client a = h.user("9996611000", "Alice");
  const Bytes kib = file_bytes(1024);
  CHECK(save_big_part(h, a, 1, 0, 0, kib).error == err("FILE_PARTS_INVALID"));
  CHECK(save_big_part(h, a, 1, 0, -2, kib).error == err("FILE_PARTS_INVALID"));
  CHECK(save_big_part(h, a, 1, 0, 4001, kib).error == err("FILE_PARTS_INVALID"));
  CHECK(save_big_part(h, a, 1, 2, 2, kib).error == err("FILE_PART_INVALID"));
  CHECK(save_big_part(h, a, 1, 0, 2, kib).ok);
  CHECK(save_big_part(h, a, 1, 1, 3, kib).error == err("FILE_PARTS_INVALID"));
  CHECK(save_big_part(h, a, 1, 1, 2, kib).ok);
  // Streamed: -1 until the last part names the total.
  CHECK(save_big_part(h, a, 2, 0, -1, kib).ok);
  CHECK(save_big_part(h, a, 2, 1, -1, kib).ok);
  CHECK(save_big_part(h, a, 2, 2, 3, file_bytes(10)).ok);
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file_big(2, 3, "streamed.bin")), 1).ok);
}

TEST_CASE(
    "a small file's md5_checksum is checked when it is used: MD5_CHECKSUM_INVALID when wrong, the "
    "right one (any case) or an empty one is accepted") {
  Harness h;
  Client a = h.user("9996611000", "Alice");
  const Bytes data = file_bytes(5000);
  const std::string md5 = crypto::md5_hex(data);
  const int parts = upload(h, a, 7, data, 1024, false);
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(7, parts, "a.bin", std::string(32, '0'))), 1)
            .error == err("MD5_CHECKSUM_INVALID"));
  std::string upper = md5;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(7, parts, "a.bin", upper)), 2).ok);

  upload(h, a, 8, data, 2048, false);
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(8, 3, "b.bin", "")), 3).ok);
}

TEST_CASE(
    "sending an upload with a part missing answers FILE_PART_X_MISSING for the first one, declaring fewer "
    "parts than were saved, or none, is FILE_PARTS_INVALID") {
  Harness h;
  Client a = h.user("9996611000", "Alice");
  const Bytes kib = file_bytes(1024);
  for (int part : {0, 1, 3}) REQUIRE(save_part(h, a, 5, part, kib).ok);
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(5, 4, "x", "")), 1).error ==
        err("FILE_PART_2_MISSING"));
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(5, 5, "x", "")), 2).error ==
        err("FILE_PART_2_MISSING"));
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(5, 3, "x", "")), 3).error ==
        err("FILE_PARTS_INVALID"));
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(5, 0, "x", "")), 4).error ==
        err("FILE_PARTS_INVALID"));
  // A file_id never uploaded, or uploaded the other way (big vs small): nothing there.
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(99, 1, "x", "")), 5).error ==
        err("FILE_PART_0_MISSING"));
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file_big(5, 4, "x")), 6).error ==
        err("FILE_PART_0_MISSING"));
  REQUIRE(save_part(h, a, 5, 2, kib).ok);
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(5, 4, "x", "")), 7).ok);
}

TEST_CASE("uploads are per account: another account cannot use Alice's file_id") {
  Harness h;
  Client a = h.user("9996611000", "Alice");
  Client b = h.user("9996621000", "Bob");
  upload(h, a, 42, file_bytes(100), 1024, false);
  CHECK(send_media(h, b, kSelf, uploaded_document(input_file(42, 1, "x", "")), 1).error ==
        err("FILE_PART_0_MISSING"));
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(42, 1, "x", "")), 1).ok);
}

TEST_CASE(
    "files over 10 MiB must go up with saveBigFilePart: exactly 10 MiB is fine as inputFile, 10 MiB + 1 "
    "answers FILE_PARTS_INVALID, inputFileBig takes it (and small files too)") {
  Harness h;
  Client a = h.user("9996611000", "Alice");
  const std::size_t ten_mib = 10 * 1024 * 1024;
  const Bytes data = file_bytes(ten_mib + 1);
  const std::size_t part = 512 * 1024;
  const int exact = upload(h, a, 1, ByteSpan(data).first(ten_mib), part, false);
  CHECK(exact == 20);
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(1, exact, "ten.bin", "")), 1).ok);

  const int over = upload(h, a, 2, data, part, false);
  CHECK(over == 21);
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file(2, over, "over.bin", "")), 2).error ==
        err("FILE_PARTS_INVALID"));

  const int big = upload(h, a, 3, data, part, true);
  Answer sent = send_media(h, a, kSelf, uploaded_document(input_file_big(3, big, "over.bin")), 3);
  REQUIRE(sent.ok);
  CHECK(sent.str(last_message_pointer(sent) + "/media/document/size") == std::to_string(ten_mib + 1));

  const int small_big = upload(h, a, 4, ByteSpan(data).first(3000), part, true);
  CHECK(send_media(h, a, kSelf, uploaded_document(input_file_big(4, small_big, "small.bin")), 4).ok);
}

TEST_CASE(
    "an uploaded document keeps its MIME type and attributes, the InputFile's name becomes "
    "documentAttributeFilename when none is given") {
  Harness h;
  Client a = h.user("9996611000", "Alice");
  upload(h, a, 1, file_bytes(10), 1024, false);
  Answer sent =
      send_media(h, a, kSelf, uploaded_document(input_file(1, 1, "notes.txt", ""), "text/plain"), 1, "cap");
  REQUIRE(sent.ok);
  const std::string m = last_message_pointer(sent);
  CHECK(sent.str(m + "/message") == "cap");
  CHECK(sent.str(m + "/media/document/mime_type") == "text/plain");
  CHECK(sent.str(m + "/media/document/attributes/0/_") == "documentAttributeFilename");
  CHECK(sent.str(m + "/media/document/attributes/0/file_name") == "notes.txt");
  CHECK(sent.num(m + "/media/document/dc_id") == 3);

  upload(h, a, 2, file_bytes(10), 1024, false);
  Answer named = send_media(
      h, a, kSelf,
      R"({"_":"inputMediaUploadedDocument","file":)" + input_file(2, 1, "ignored", "") +
          R"(,"mime_type":"","attributes":[{"_":"documentAttributeFilename","file_name":"given.bin"}]})",
      2);
  REQUIRE(named.ok);
  CHECK(named.size(last_message_pointer(named) + "/media/document/attributes") == 1);
  CHECK(named.str(last_message_pointer(named) + "/media/document/attributes/0/file_name") == "given.bin");
  CHECK(named.str(last_message_pointer(named) + "/media/document/mime_type") == "application/octet-stream");
}

}  // namespace tgd::testdc::testing
