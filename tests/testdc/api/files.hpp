#pragma once
// upload.saveFilePart, upload.saveBigFilePart and upload.getFile, shared by their handlers (which
// read tgd JSON) and the fast path that reads them straight from the TL bytes (file_fast_path.cpp):
// the rules live here once. Both answer TL bytes, so a file part is never base64-encoded.
#include <cstdint>
#include <optional>
#include <string_view>

#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

// inputDocumentFileLocation / inputPhotoFileLocation.
struct FileLocation {
  MediaKind kind = MediaKind::kDocument;
  std::int64_t id = 0;
  std::int64_t access_hash = 0;
  ByteSpan file_reference;
  std::string_view thumb_size;
};

// Answers boolTrue (encoded) or the part's error (file_store.hpp, README "Files").
Reply save_file_part(Call& c, std::int64_t file_id, int part, std::optional<int> total, ByteSpan bytes);

// Answers upload.file (encoded) with the bytes read from disk into the answer, or the error:
// OFFSET_INVALID, LIMIT_INVALID, FILE_ID_INVALID, LOCATION_INVALID, 303 FILE_MIGRATE_X,
// FILE_REFERENCE_EMPTY / _INVALID / _EXPIRED. Applies FileFaults through the call's hints.
Reply get_file(Call& c, const FileLocation& location, std::int64_t offset, std::int64_t limit, bool precise);

}  // namespace tgd::testdc::api
