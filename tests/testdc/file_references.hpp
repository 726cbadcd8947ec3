#pragma once
// File references (core.telegram.org/api/file_reference): opaque bytes in every photo and
// document that must come back in input locations and expire. Here one is
//   version (1) | generation (4) | issued at, unix seconds (4) | MAC (8)
// with the MAC a SHA-256 over a per-World secret, the media id and the rest, so a reference is
// tied to its media and cannot be forged. It is valid while it is younger than the TTL and its
// generation is the current one: expire_all() starts a new generation, expiring every reference
// handed out so far (re-fetching the message gives a fresh one).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/base/bytes.hpp"

namespace tgd::testdc {

class FileReferences {
 public:
  FileReferences();

  Bytes issue(std::int64_t media_id, std::int32_t now) const;
  // nullopt when valid, else the error: FILE_REFERENCE_EMPTY, FILE_REFERENCE_INVALID (not one of
  // ours for this media), FILE_REFERENCE_EXPIRED (too old, or of an earlier generation).
  std::optional<std::string> check(std::int64_t media_id, ByteSpan reference, std::int32_t now) const;

  void expire_all() { ++generation_; }
  std::uint32_t generation() const { return generation_; }
  void set_ttl(std::chrono::seconds ttl) { ttl_ = ttl; }
  std::chrono::seconds ttl() const { return ttl_; }

 private:
  void mac(std::int64_t media_id, ByteSpan head, std::uint8_t* out) const;

  Bytes secret_;
  std::uint32_t generation_ = 1;
  std::chrono::seconds ttl_{std::chrono::hours(24)};
};

}  // namespace tgd::testdc
