// Api::fast_path: file parts go both ways at the speed of the crypto only if the test DC does not
// turn them into JSON. upload.saveFilePart / saveBigFilePart / getFile (with a document or photo
// location), bare or inside invokeWithoutUpdates / invokeWithLayer, are read straight from the
// decrypted query: a saved part is written to disk from the packet buffer, a served part read from
// disk into the answer. Anything else, initConnection included, takes the general path, which runs
// the same rules (files.cpp).
//
// An outermost invokeAfterMsg(s) never gets here: Api::handle orders the query first
// (invoke_after.hpp), so a wrapped part waits, or fails with MSG_WAIT_FAILED, like any other query,
// and runs here once it may (from a copy of its bytes if it waited). One nested further in is
// skipped without waiting, as the general path does.
#include "protocol/tl/tl_buffer.hpp"
#include "tests/testdc/api.hpp"
#include "tests/testdc/api/files.hpp"

namespace tgd::testdc {
namespace {

constexpr std::uint32_t kInvokeWithoutUpdates = 0xbf9459b7;
constexpr std::uint32_t kInvokeAfterMsg = 0xcb9f372d;
constexpr std::uint32_t kInvokeAfterMsgs = 0x3dc4b4f0;
constexpr std::uint32_t kInvokeWithLayer = 0xda9b0d0d;
constexpr std::uint32_t kSaveFilePart = 0xb304a621;
constexpr std::uint32_t kSaveBigFilePart = 0xde7b673d;
constexpr std::uint32_t kGetFile = 0xbe5335be;
constexpr std::uint32_t kInputDocumentFileLocation = 0xbad07584;
constexpr std::uint32_t kInputPhotoFileLocation = 0x40181ffe;

}  // namespace

std::optional<ApiResult> Api::fast_path(const CallContext& context, ByteSpan query) {
  tl::TlReader r(query);
  bool without_updates = false;
  std::uint32_t id = r.u32();
  for (;; id = r.u32()) {
    if (id == kInvokeWithoutUpdates) {
      without_updates = true;
    } else if (id == kInvokeAfterMsg) {
      r.i64();
    } else if (id == kInvokeAfterMsgs) {
      for (std::uint32_t n = r.vector_header(8); n > 0 && r.ok(); --n) r.i64();
    } else if (id == kInvokeWithLayer) {
      r.i32();  // any layer; an initConnection inside is not ours
    } else {
      break;
    }
  }
  if (!r.ok() || (id != kSaveFilePart && id != kSaveBigFilePart && id != kGetFile)) return std::nullopt;

  api::Call c{world_, context, simdjson::dom::element{}, dcs_, nullptr, &hints_};
  const char* name = nullptr;
  api::Reply reply;
  if (id == kGetFile) {
    name = "upload.getFile";
    const std::uint32_t flags = r.u32();
    const std::uint32_t kind = r.u32();
    if (kind != kInputDocumentFileLocation && kind != kInputPhotoFileLocation) return std::nullopt;
    api::FileLocation location;
    location.kind = kind == kInputPhotoFileLocation ? MediaKind::kPhoto : MediaKind::kDocument;
    location.id = r.i64();
    location.access_hash = r.i64();
    location.file_reference = r.bytes();
    location.thumb_size = r.string();
    const std::int64_t offset = r.i64();
    const std::int32_t limit = r.i32();
    if (!r.done()) return std::nullopt;
    last_method_ = name;
    if (auto refused = admit(context, name)) return ApiResult{std::move(*refused)};
    reply = api::get_file(c, location, offset, limit, (flags & 1) != 0);
  } else {
    const bool big = id == kSaveBigFilePart;
    name = big ? "upload.saveBigFilePart" : "upload.saveFilePart";
    const std::int64_t file_id = r.i64();
    const std::int32_t part = r.i32();
    const std::optional<int> total = big ? std::optional<int>(r.i32()) : std::nullopt;
    const ByteSpan bytes = r.bytes();
    if (!r.done()) return std::nullopt;
    last_method_ = name;
    if (auto refused = admit(context, name)) return ApiResult{std::move(*refused)};
    reply = api::save_file_part(c, file_id, part, total, bytes);
  }
  after_call(context, without_updates);
  if (auto* e = std::get_if<ApiError>(&reply)) return ApiResult{std::move(*e)};
  return ApiResult{std::get<Bytes>(std::move(reply))};
}

}  // namespace tgd::testdc
