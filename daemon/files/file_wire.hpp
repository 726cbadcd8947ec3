#pragma once
// The TL of the file methods, written and read directly rather than through the JSON codec: a
// 1 MiB part as JSON would be base64 text encoded, parsed and decoded again for every part, which
// costs more than the AES-IGE and SHA-256 the part needs. The constructor ids are checked against
// the schema by the unit tests.
//
//   upload.getFile#be5335be flags:# precise:flags.0?true cdn_supported:flags.1?true
//                  location:InputFileLocation offset:long limit:int = upload.File;
//   upload.file#96a18d5 type:storage.FileType mtime:int bytes:bytes = upload.File;
//   upload.fileCdnRedirect#f18cda44 dc_id:int file_token:bytes encryption_key:bytes ... = upload.File;
//   upload.saveFilePart#b304a621 file_id:long file_part:int bytes:bytes = Bool;
//   upload.saveBigFilePart#de7b673d file_id:long file_part:int file_total_parts:int bytes:bytes = Bool;
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "daemon/files/download_plan.hpp"
#include "protocol/base/bytes.hpp"

namespace tgd::files {

inline constexpr std::uint32_t kUploadGetFile = 0xbe5335be;
inline constexpr std::uint32_t kUploadFile = 0x096a18d5;
inline constexpr std::uint32_t kUploadFileCdnRedirect = 0xf18cda44;
inline constexpr std::uint32_t kUploadSaveFilePart = 0xb304a621;
inline constexpr std::uint32_t kUploadSaveBigFilePart = 0xde7b673d;
inline constexpr std::uint32_t kBoolTrue = 0x997275b5;
inline constexpr std::uint32_t kBoolFalse = 0xbc799737;

// upload.getFile requests for one location (its TL, boxed, as the JSON codec encoded it once).
class GetFileRequests {
 public:
  explicit GetFileRequests(Bytes location_tl) : location_(std::move(location_tl)) {}
  Bytes make(const PartRequest& part) const;

 private:
  Bytes location_;
};

// The bytes of an upload.file answer (a view into `answer`), or why there are none: a CDN redirect
// (tgd does not ask for them: cdn_supported is never set) or an answer that is not upload.File.
std::variant<ByteSpan, std::string> read_upload_file(ByteSpan answer);

// upload.saveFilePart (total_parts nullopt) or upload.saveBigFilePart.
Bytes save_file_part(std::int64_t file_id, std::int32_t part, std::optional<std::int32_t> total_parts,
                     ByteSpan bytes);
// The same with room for `size` bytes of data at `data_at`, to be read there straight from the file
// (no part buffer, no copy); the padding is zeroed. Capacity for a 4-byte wrapper in front
// (invokeWithoutUpdates) is reserved.
struct SaveFilePartQuery {
  Bytes query;
  std::size_t data_at = 0;
};
SaveFilePartQuery save_file_part_query(std::int64_t file_id, std::int32_t part,
                                       std::optional<std::int32_t> total_parts, std::size_t size);
// The Bool a save*FilePart answers: true, false, or nullopt when it is not a Bool.
std::optional<bool> read_bool(ByteSpan answer);

}  // namespace tgd::files
