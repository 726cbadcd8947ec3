#pragma once
// What tgd tells Telegram about itself in initConnection (facts §5.1), and the wrapping of a
// connection's first calls in invokeWithLayer(layer, initConnection(..., query)).
#include <cstdint>
#include <string>

#include "protocol/base/bytes.hpp"

namespace tgd::session {

struct ConnectionParams {
  // From my.telegram.org; required for real Telegram (auth.sendCode and
  // auth.importBotAuthorization send them). The local test DC accepts any.
  std::int32_t api_id = 0;
  std::string api_hash;
  std::string device_model = "tgd";
  std::string system_version = "Linux";
  std::string app_version;  // empty: tgd's own version
  std::string system_lang_code = "en";
  std::string lang_pack;  // "" for unofficial apps (Telethon: lang packs are for official apps)
  std::string lang_code = "en";
};

// invokeWithLayer#da9b0d0d layer (initConnection#c1cd5ea9 flags=0 api_id device_model
// system_version app_version system_lang_code lang_pack lang_code query).
Bytes wrap_init_connection(const ConnectionParams& params, std::int32_t layer, ByteSpan query);

// invokeWithoutUpdates#bf9459b7 query: for connections that must not receive updates (files).
Bytes wrap_without_updates(ByteSpan query);
// The same in place: no second buffer when `query` has 4 bytes of spare capacity (file parts are
// built with it), only a move of its bytes.
void wrap_without_updates_in_place(Bytes& query);

}  // namespace tgd::session
