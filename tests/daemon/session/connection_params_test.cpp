#include <doctest/doctest.h>

#include "daemon/session/connection_params.hpp"
#include "protocol/base/hex.hpp"

using namespace tgd;
using namespace tgd::session;

TEST_CASE("invokeWithLayer(initConnection(help.getConfig)) matches the facts file's bytes") {
  // facts §5.1: layer 228, api_id 12345, "PC" / "Linux" / "1.0" / "en" / "" / "en", help.getConfig.
  ConnectionParams p;
  p.api_id = 12345;
  p.device_model = "PC";
  p.system_version = "Linux";
  p.app_version = "1.0";
  p.system_lang_code = "en";
  p.lang_pack = "";
  p.lang_code = "en";
  const Bytes get_config = {0x6b, 0x18, 0xf9, 0xc4};
  const Bytes wrapped = wrap_init_connection(p, 228, get_config);
  CHECK(to_hex(wrapped) ==
        "0d0d9bdae4000000a95ecdc1000000003930000002504300"
        "054c696e7578000003312e3002656e000000000002656e006b18f9c4");
}

TEST_CASE("invokeWithoutUpdates puts its constructor id before the query") {
  const Bytes query = {1, 2, 3, 4};
  CHECK(to_hex(wrap_without_updates(query)) == "b75994bf01020304");
}

TEST_CASE("overlong initConnection strings are cut to 255 bytes instead of failing the call") {
  ConnectionParams p;
  p.device_model = std::string(1000, 'x');
  const Bytes wrapped = wrap_init_connection(p, 223, Bytes{0, 0, 0, 0});
  // 4+4+4+4+4 bytes of ids, layer, flags and api_id, then the device model with its 4-byte long header.
  CHECK(wrapped[20] == 0xfe);
  CHECK(wrapped[21] == 255);
}
