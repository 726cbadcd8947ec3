#pragma once
// The caller's handle on a request sent through a ClientSession. It stays the same across resends,
// while the msg_id changes with every transmission (facts §3.5: a resend needs a new msg_id).
#include <compare>
#include <cstdint>

namespace tgd::mtproto {

struct RequestId {
  // 0 = no request. Ids of one session increase in the order send() was called.
  std::uint64_t value = 0;

  explicit operator bool() const { return value != 0; }
  friend auto operator<=>(const RequestId&, const RequestId&) = default;
};

}  // namespace tgd::mtproto
