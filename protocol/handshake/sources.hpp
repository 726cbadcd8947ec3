#pragma once
// What a sans-IO handshake is given from outside instead of reaching for it: the time and random
// bytes. Injecting both makes every message reproducible in tests (the worked sample of facts §2.11
// needs the page's nonce, new_nonce and b).
#include "protocol/crypto/random.hpp"
#include "protocol/mtproto/message_id.hpp"

namespace tgd::handshake {

using crypto::RandomSource;
using mtproto::MsgIdClock;
using mtproto::MsgIdKind;
using mtproto::unix_seconds;
using mtproto::UnixNanos;

}  // namespace tgd::handshake
