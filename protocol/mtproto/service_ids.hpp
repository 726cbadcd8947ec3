#pragma once
// Constructor ids of the MTProto service messages (protocol/tl/schema/mtproto.tl, facts §3.10).
// The session layers parse and build these by hand: they are on every packet's path.
#include <cstdint>

namespace tgd::mtproto::ids {

inline constexpr std::uint32_t kRpcResult = 0xf35c6d01;
inline constexpr std::uint32_t kRpcError = 0x2144ca19;
inline constexpr std::uint32_t kMsgContainer = 0x73f1f8dc;
inline constexpr std::uint32_t kMsgCopy = 0xe06046b2;
inline constexpr std::uint32_t kGzipPacked = 0x3072cfa1;
inline constexpr std::uint32_t kMsgsAck = 0x62d6b459;
inline constexpr std::uint32_t kBadMsgNotification = 0xa7eff811;
inline constexpr std::uint32_t kBadServerSalt = 0xedab447b;
inline constexpr std::uint32_t kNewSessionCreated = 0x9ec20908;
inline constexpr std::uint32_t kMsgsStateReq = 0xda69fb52;
inline constexpr std::uint32_t kMsgsStateInfo = 0x04deb57d;
inline constexpr std::uint32_t kMsgsAllInfo = 0x8cc0d131;
inline constexpr std::uint32_t kMsgDetailedInfo = 0x276d3ec6;
inline constexpr std::uint32_t kMsgNewDetailedInfo = 0x809db6df;
inline constexpr std::uint32_t kMsgResendReq = 0x7d861a08;
inline constexpr std::uint32_t kPing = 0x7abe77ec;
inline constexpr std::uint32_t kPingDelayDisconnect = 0xf3427b8c;
inline constexpr std::uint32_t kPong = 0x347773c5;
inline constexpr std::uint32_t kGetFutureSalts = 0xb921bd04;
inline constexpr std::uint32_t kFutureSalts = 0xae500895;
inline constexpr std::uint32_t kFutureSalt = 0x0949d9dc;
inline constexpr std::uint32_t kDestroySession = 0xe7512126;
inline constexpr std::uint32_t kDestroySessionOk = 0xe22045fc;
inline constexpr std::uint32_t kDestroySessionNone = 0x62d350c9;
inline constexpr std::uint32_t kRpcDropAnswer = 0x58e4a740;
inline constexpr std::uint32_t kRpcAnswerUnknown = 0x5e2ad36e;
inline constexpr std::uint32_t kRpcAnswerDroppedRunning = 0xcd78e586;
inline constexpr std::uint32_t kRpcAnswerDropped = 0xa43ad8b7;
inline constexpr std::uint32_t kHttpWait = 0x9299359f;

// API wrappers the session layer looks inside (content-relatedness, initConnection detection).
inline constexpr std::uint32_t kInvokeWithLayer = 0xda9b0d0d;
inline constexpr std::uint32_t kInitConnection = 0xc1cd5ea9;
inline constexpr std::uint32_t kInvokeAfterMsg = 0xcb9f372d;
inline constexpr std::uint32_t kInvokeWithoutUpdates = 0xbf9459b7;

}  // namespace tgd::mtproto::ids
