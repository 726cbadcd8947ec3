#pragma once
// Helpers shared by the transport tests.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/base/hex.hpp"
#include "protocol/transport/frame_decoder.hpp"
#include "protocol/transport/random_source.hpp"

namespace tgd::transport::test {

// The 40-byte req_pq_multi message of facts §1.8.
inline Bytes req_pq_multi() {
  return hex_bytes("00000000 00000000 d4720600503dc565 14000000 f18e7ebe 406709f612fadfbec3f0289d0aa67eef");
}

inline std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Deterministic pseudo-random bytes.
inline Bytes pseudo_random_bytes(std::size_t size, std::uint64_t seed) {
  Bytes out(size);
  for (auto& b : out) b = static_cast<std::uint8_t>(splitmix64(seed));
  return out;
}

// A deterministic RandomSource (each copy continues its own sequence).
inline RandomSource seeded_random(std::uint64_t seed) {
  return [state = seed](MutableByteSpan out) mutable {
    for (auto& b : out) b = static_cast<std::uint8_t>(splitmix64(state));
  };
}

// A RandomSource that hands out `bytes` in order, then zeros.
inline RandomSource scripted_random(Bytes bytes) {
  return [bytes = std::move(bytes), at = std::size_t{0}](MutableByteSpan out) mutable {
    for (auto& b : out) b = at < bytes.size() ? bytes[at++] : 0;
  };
}

// Every event the decoder (or anything with next()) has ready.
template <typename Source>
std::vector<Event> drain(Source& source) {
  std::vector<Event> events;
  while (auto event = source.next()) events.push_back(std::move(*event));
  return events;
}

// Feeds `bytes` in pieces of the given sizes (cycled), draining after each piece.
template <typename Source>
std::vector<Event> feed_in_pieces(Source& source, ByteSpan bytes, const std::vector<std::size_t>& sizes) {
  std::vector<Event> events;
  std::size_t at = 0;
  for (std::size_t i = 0; at < bytes.size(); ++i) {
    const std::size_t n = std::min(sizes[i % sizes.size()], bytes.size() - at);
    source.feed(bytes.subspan(at, n));
    at += n;
    for (auto& e : drain(source)) events.push_back(std::move(e));
  }
  return events;
}

// A readable form of an event, so whole event lists compare in one CHECK with a useful message.
inline std::string describe(const Event& event) {
  struct {
    std::string operator()(const Frame& f) const {
      return std::string("Frame(") + to_hex(f.payload) + (f.quick_ack_requested ? ", quick ack)" : ")");
    }
    std::string operator()(const QuickAck& q) const { return "QuickAck(" + std::to_string(q.token) + ")"; }
    std::string operator()(const TransportError& e) const {
      return "TransportError(" + std::to_string(e.code) + ")";
    }
    std::string operator()(const Violation& v) const { return "Violation(" + v.reason + ")"; }
  } visitor;
  return std::visit(visitor, event);
}

// All events joined by "; ".
inline std::string describe(const std::vector<Event>& events) {
  std::string out;
  for (const auto& e : events) out += (out.empty() ? "" : "; ") + describe(e);
  return out;
}

inline bool is_violation(const Event& event) { return std::holds_alternative<Violation>(event); }

}  // namespace tgd::transport::test
