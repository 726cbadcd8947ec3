#pragma once
// Deliberate misbehaviour of the test DC, so tests can check that a client copes: every request
// still gets exactly one answer and nothing hangs. Flags here are read by the sessions; one-shot
// actions (rotate salts, skew the clock, forget a key, release held answers) are Dispatcher methods.
#include <chrono>
#include <cstdint>

namespace tgd::mtproto::server {

enum class ReleaseOrder : std::uint8_t { kInOrder, kReversed };

struct Faults {
  // Answers from the API layer wait in their session until Dispatcher::release_answers(): delays
  // them, and with ReleaseOrder::kReversed reorders them. Held requests are still acknowledged.
  bool hold_answers = false;
  // The next N answers are each sent twice (two rpc_results with their own msg_ids and one
  // req_msg_id): the client must deliver one.
  std::uint32_t duplicate_answers = 0;
  // After this many more client packets (decrypted, any session), emit DropConnection for the
  // connection that carried the last one. 0 = off.
  std::uint64_t drop_after_packets = 0;
  // The same, counted in bytes of encrypted client payload: the packet that reaches the count is
  // processed, then its connection dropped. 0 = off.
  std::uint64_t drop_after_bytes = 0;
  // Every API answer is given this long after the query arrived (the I/O layer, tests/testdc,
  // applies it with a timer; the answer is computed at once). 0 = off.
  std::chrono::milliseconds answer_delay{0};
  // The next packet, whatever it is, is answered with TransportError{code} (e.g. -404, -429) and
  // not processed. 0 = off.
  std::int32_t transport_error = 0;
};

}  // namespace tgd::mtproto::server
