#pragma once
// Builds the plaintext of one outgoing packet in place: either one message, or a msg_container
// of several (facts §3.1, §3.11). Messages are appended with the msg_id and seq_no the session
// assigned at that moment; the caller decides with fits() when a packet is full.
//
// The buffer starts with room for the 32-byte plaintext header, then the container header, then
// the items (msg_id, seq_no, length, body). A single message needs no copy: its item header is
// laid out exactly like the tail of the plaintext header (msg_id, seq_no, length), so salt and
// session_id are written just before it and the plaintext starts 16 bytes in.
#include <cstddef>
#include <cstdint>

#include "protocol/base/bytes.hpp"
#include "protocol/mtproto/envelope.hpp"

namespace tgd::mtproto::client_detail {

class PacketAssembler {
 public:
  PacketAssembler(std::size_t max_messages, std::size_t max_container_bytes);

  void reset();
  std::size_t count() const { return count_; }
  // Whether a message with a body of this size may join the packet. An empty packet takes any
  // message, however large: it then goes out alone.
  bool fits(std::size_t body_size) const;

  void add(std::uint64_t msg_id, std::uint32_t seq_no, ByteSpan body);
  std::uint64_t first_msg_id() const;
  // Bytes of the container body (constructor, count, items).
  std::size_t container_size() const;

  // Finishes the plaintext, padding included (12..1024 random bytes to a multiple of 16, like
  // build_plaintext in envelope.hpp), and returns it. The view is valid until the next reset().
  // seal_single needs count() == 1, seal_container count() >= 1.
  ByteSpan seal_single(std::int64_t salt, std::int64_t session_id, const RandomSource& random,
                       std::size_t max_extra_padding);
  ByteSpan seal_container(std::int64_t salt, std::int64_t session_id, std::uint64_t container_msg_id,
                          std::uint32_t seq_no, const RandomSource& random, std::size_t max_extra_padding);

 private:
  ByteSpan pad(std::size_t start, const RandomSource& random, std::size_t max_extra_padding);

  Bytes buf_;
  std::size_t count_ = 0;
  std::size_t max_messages_;
  std::size_t max_bytes_;
};

}  // namespace tgd::mtproto::client_detail
