#include <doctest/doctest.h>

#include <set>
#include <string>

#include "protocol/tl/declaration_id.hpp"
#include "protocol/tl/embedded_schema.hpp"

using namespace tgd::tl;

TEST_CASE("declaration CRC reproduces the worked examples of the facts file") {
  CHECK(declaration_crc("req_pq_multi#be7e8ef1 nonce:int128 = ResPQ") == 0xbe7e8ef1);
  CHECK(declaration_crc("vector#1cb5c415 {t:Type} # [ t ] = Vector t") == 0x1cb5c415);
  CHECK(declaration_crc("invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X") == 0xda9b0d0d);
  CHECK(declaration_crc("updateShortSentMessage#9015e101 flags:# out:flags.1?true id:int pts:int "
                        "pts_count:int date:int media:flags.9?MessageMedia "
                        "entities:flags.7?Vector<MessageEntity> ttl_period:flags.25?int = Updates") ==
        0x9015e101);
  // `bytes` counts as `string` only as an argument's whole type, not inside Vector<bytes>.
  CHECK(normalized_declaration("a#1 x:bytes y:flags.0?bytes z:Vector<bytes> = B") ==
        "a x:string y:flags.0?string z:Vector bytes = B");
}

namespace {
// Ids that were assigned by hand or kept after a rename; every other id must be its CRC.
const std::set<std::string> kKnownIdExceptions = {
    "inputPeerPhotoFileLocationLegacy",  // CRC of the name without "Legacy"
    "inputStickerSetThumbLegacy",        // likewise
    "msg_container",                     // CRC of the older `messages:vector message` form
};

void check_all_ids(const Schema& schema) {
  int checked = 0;
  for (const auto& c : schema.combinators()) {
    if (!c.has_id) continue;
    ++checked;
    if (kKnownIdExceptions.count(c.name)) {
      CHECK_MESSAGE(declaration_crc(c.declaration) != c.id, c.name << " is no longer an exception");
      continue;
    }
    CHECK_MESSAGE(declaration_crc(c.declaration) == c.id, c.declaration);
  }
  CHECK(checked > 0);
}
}  // namespace

TEST_CASE("every id of the API schema is the CRC32 of its declaration, except the listed ones") {
  auto schemas = load_embedded_schemas();
  check_all_ids(schemas.api);
  // The renamed exceptions are the CRC of the old name.
  auto* legacy = schemas.api.find("inputStickerSetThumbLegacy");
  REQUIRE(legacy);
  std::string old = legacy->declaration;
  old.replace(old.find("Legacy"), 6, "");
  CHECK(declaration_crc(old) == legacy->id);
}

TEST_CASE("every id of the MTProto schema is the CRC32 of its declaration, except msg_container") {
  auto schemas = load_embedded_schemas();
  check_all_ids(schemas.mtproto);
  CHECK(declaration_crc("msg_container#73f1f8dc messages:vector message = MessageContainer") == 0x73f1f8dc);
}
