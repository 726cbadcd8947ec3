#pragma once
// What the file tests share: file contents, uploading in parts, sending and downloading through the
// API (tgd JSON, so the bytes travel base64-encoded: keep files to a few MB).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "protocol/base/base64.hpp"
#include "protocol/crypto/hash.hpp"
#include "tests/testdc_api/harness.hpp"

namespace tgd::testdc::testing {

// `size` bytes that differ from part to part and from seed to seed.
inline Bytes file_bytes(std::size_t size, std::uint32_t seed = 1) {
  Bytes out(size);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return out;
}

inline std::string b64(ByteSpan b) { return base64_encode(b); }

inline Answer save_part(Harness& h, Client& c, std::int64_t file_id, int part, ByteSpan bytes) {
  return h.call(c, "upload.saveFilePart",
                R"({"file_id":")" + std::to_string(file_id) + R"(","file_part":)" + std::to_string(part) +
                    R"(,"bytes":")" + b64(bytes) + "\"}");
}

inline Answer save_big_part(Harness& h, Client& c, std::int64_t file_id, int part, int total,
                            ByteSpan bytes) {
  return h.call(c, "upload.saveBigFilePart",
                R"({"file_id":")" + std::to_string(file_id) + R"(","file_part":)" + std::to_string(part) +
                    R"(,"file_total_parts":)" + std::to_string(total) + R"(,"bytes":")" + b64(bytes) + "\"}");
}

// Uploads `data` in parts of `part_size` (saveBigFilePart when `big`); returns the part count.
inline int upload(Harness& h, Client& c, std::int64_t file_id, ByteSpan data, std::size_t part_size,
                  bool big) {
  const int parts = static_cast<int>((data.size() + part_size - 1) / part_size);
  for (int i = 0; i < parts; ++i) {
    const ByteSpan part =
        data.subspan(static_cast<std::size_t>(i) * part_size,
                     std::min(part_size, data.size() - static_cast<std::size_t>(i) * part_size));
    Answer a = big ? save_big_part(h, c, file_id, i, parts, part) : save_part(h, c, file_id, i, part);
    REQUIRE_MESSAGE(a.ok, "part ", i, ": ", a.error.message);
  }
  return parts;
}

inline std::string input_file(std::int64_t file_id, int parts, std::string_view name, std::string_view md5) {
  return R"({"_":"inputFile","id":")" + std::to_string(file_id) + R"(","parts":)" + std::to_string(parts) +
         R"(,"name":")" + std::string(name) + R"(","md5_checksum":")" + std::string(md5) + "\"}";
}

inline std::string input_file_big(std::int64_t file_id, int parts, std::string_view name) {
  return R"({"_":"inputFileBig","id":")" + std::to_string(file_id) + R"(","parts":)" + std::to_string(parts) +
         R"(,"name":")" + std::string(name) + "\"}";
}

inline std::string uploaded_document(const std::string& file,
                                     std::string_view mime = "application/octet-stream") {
  return R"({"_":"inputMediaUploadedDocument","file":)" + file + R"(,"mime_type":")" + std::string(mime) +
         R"(","attributes":[]})";
}

inline Answer send_media(Harness& h, Client& c, const std::string& peer, const std::string& media,
                         std::int64_t random_id, std::string_view caption = "") {
  return h.call(c, "messages.sendMedia",
                R"({"peer":)" + peer + R"(,"media":)" + media + R"(,"message":")" + std::string(caption) +
                    R"(","random_id":")" + std::to_string(random_id) + "\"}");
}

// The document of an updates answer whose last update carries the message.
inline std::string last_message_pointer(const Answer& updates) {
  return "/updates/" + std::to_string(updates.size("/updates") - 1) + "/message";
}

// inputDocumentFileLocation of a document object found at `pointer` in `a`.
inline std::string document_location(const Answer& a, const std::string& pointer) {
  return R"({"_":"inputDocumentFileLocation","id":")" + a.str(pointer + "/id") + R"(","access_hash":")" +
         a.str(pointer + "/access_hash") + R"(","file_reference":")" + a.str(pointer + "/file_reference") +
         R"(","thumb_size":""})";
}

inline Answer get_file(Harness& h, Client& c, const std::string& location, std::int64_t offset,
                       std::int64_t limit, bool precise = false) {
  return h.call(c, "upload.getFile",
                std::string(R"({"precise":)") + (precise ? "true" : "false") + R"(,"location":)" + location +
                    R"(,"offset":")" + std::to_string(offset) + R"(","limit":)" + std::to_string(limit) +
                    "}");
}

// The whole file in `chunk`-byte requests, stopping at the first short answer (as Telethon does).
inline Bytes download(Harness& h, Client& c, const std::string& location, std::int64_t chunk) {
  Bytes out;
  for (std::int64_t offset = 0;; offset += chunk) {
    Answer a = get_file(h, c, location, offset, chunk);
    REQUIRE_MESSAGE(a.ok, "offset ", offset, ": ", a.error.message);
    auto bytes = base64_decode(a.str("/bytes"));
    REQUIRE(bytes);
    out.insert(out.end(), bytes->begin(), bytes->end());
    if (static_cast<std::int64_t>(bytes->size()) < chunk) return out;
  }
}

inline std::string sha256_hex(ByteSpan b) { return base64_encode(crypto::sha256(b)); }

// Logs `c`'s account in on DC `dc` with exportAuthorization / importAuthorization.
inline Client authorize_on(Harness& h, Client& home, int dc) {
  Answer exported = h.call(home, "auth.exportAuthorization", R"({"dc_id":)" + std::to_string(dc) + "}");
  REQUIRE(exported.ok);
  Client there = h.client(dc);
  REQUIRE(h.call(there, "auth.importAuthorization",
                 R"({"id":")" + exported.str("/id") + R"(","bytes":")" + exported.str("/bytes") + "\"}")
              .ok);
  return there;
}

}  // namespace tgd::testdc::testing
