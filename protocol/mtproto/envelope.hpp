#pragma once
// The plaintext inside an encrypted MTProto 2.0 packet (facts §3.1) and msg_container bodies
// (§3.11), built and parsed with every structural check; both the client session and the test DC
// use these.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/random.hpp"

namespace tgd::mtproto {

using crypto::RandomSource;

struct MessageHeader {
  std::int64_t salt = 0;
  std::int64_t session_id = 0;
  std::uint64_t msg_id = 0;
  std::uint32_t seq_no = 0;
};

inline constexpr std::size_t kPlaintextHeaderSize = 32;  // salt, session_id, msg_id, seq_no, length
inline constexpr std::size_t kMinPadding = 12;
inline constexpr std::size_t kMaxPadding = 1024;

// Pads the plaintext that starts at out[start] (header and body already written) with random bytes:
// 12..1024 of them, the total a multiple of 16, plus up to max_extra_padding more (tdlib's way of
// hiding lengths). Returns the padded plaintext's size.
std::size_t append_padding(Bytes& out, std::size_t start, const RandomSource& random,
                           std::size_t max_extra_padding = 0);

// Appends header + body + random padding (12..1024 bytes, total a multiple of 16) to out. Like
// tdlib, adds up to `max_extra_padding` more random bytes so that lengths leak less. `body` must
// be a multiple of 4 bytes (a TL object always is).
void build_plaintext(const MessageHeader& header, ByteSpan body, const RandomSource& random, Bytes& out,
                     std::size_t max_extra_padding = 0);

struct ParsedPlaintext {
  MessageHeader header;
  ByteSpan body;  // a view into the parsed buffer
};

enum class PlaintextError : std::uint8_t {
  TooShort,         // less than the header and minimal padding
  NotBlockAligned,  // not a multiple of 16
  BadLength,        // message_data_length not a multiple of 4, or larger than what follows
  BadPadding,       // padding outside 12..1024 bytes
};
std::string_view describe(PlaintextError e);

// Parses a decrypted plaintext; the caller has verified msg_key already.
struct PlaintextResult {
  std::optional<ParsedPlaintext> message;
  PlaintextError error = PlaintextError::TooShort;
};
PlaintextResult parse_plaintext(ByteSpan plaintext);

// msg_container (facts §3.11): 73f1f8dc, count, then count × (msg_id, seq_no, bytes, body).
struct ContainerItem {
  std::uint64_t msg_id = 0;
  std::uint32_t seq_no = 0;
  ByteSpan body;
};

// The documented limit; tdlib sends at most 1000 queries in one, Telethon 100.
inline constexpr std::size_t kMaxContainerMessages = 1024;

class ContainerWriter {
 public:
  explicit ContainerWriter(Bytes& out);  // writes the constructor id and a count placeholder
  void add(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body);
  std::size_t count() const { return count_; }
  std::size_t size() const { return out_.size() - start_; }
  void finish();  // patches the count

 private:
  Bytes& out_;
  std::size_t start_;
  std::uint32_t count_ = 0;
};

// Parses a container body that starts with its constructor id. nullopt when malformed: truncated,
// more than kMaxContainerMessages items, an item length not a multiple of 4 or beyond the end,
// an empty item, a nested container, or bytes left over after the last item.
std::optional<std::vector<ContainerItem>> parse_container(ByteSpan body);

}  // namespace tgd::mtproto
