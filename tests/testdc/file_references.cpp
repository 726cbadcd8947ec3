#include "tests/testdc/file_references.hpp"

#include <cstring>

#include "protocol/crypto/constant_time.hpp"
#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/random.hpp"

namespace tgd::testdc {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kHeadSize = 9;  // version, generation, issued
constexpr std::size_t kMacSize = 8;

}  // namespace

FileReferences::FileReferences() : secret_(crypto::random_bytes(32)) {}

void FileReferences::mac(std::int64_t media_id, ByteSpan head, std::uint8_t* out) const {
  std::uint8_t id[8];
  std::memcpy(id, &media_id, 8);
  const auto digest = crypto::sha256({secret_, ByteSpan(id, sizeof id), head});
  std::memcpy(out, digest.data(), kMacSize);
}

Bytes FileReferences::issue(std::int64_t media_id, std::int32_t now) const {
  Bytes out(kHeadSize + kMacSize);
  out[0] = kVersion;
  std::memcpy(out.data() + 1, &generation_, 4);
  std::memcpy(out.data() + 5, &now, 4);
  mac(media_id, ByteSpan(out.data(), kHeadSize), out.data() + kHeadSize);
  return out;
}

std::optional<std::string> FileReferences::check(std::int64_t media_id, ByteSpan reference,
                                                 std::int32_t now) const {
  if (reference.empty()) return "FILE_REFERENCE_EMPTY";
  if (reference.size() != kHeadSize + kMacSize || reference[0] != kVersion) return "FILE_REFERENCE_INVALID";
  std::uint8_t expected[kMacSize];
  mac(media_id, reference.first(kHeadSize), expected);
  if (!crypto::constant_time_equal(ByteSpan(expected, kMacSize), reference.subspan(kHeadSize))) {
    return "FILE_REFERENCE_INVALID";
  }
  std::uint32_t generation = 0;
  std::int32_t issued = 0;
  std::memcpy(&generation, reference.data() + 1, 4);
  std::memcpy(&issued, reference.data() + 5, 4);
  if (generation != generation_ || std::int64_t{now} - issued >= ttl_.count())
    return "FILE_REFERENCE_EXPIRED";
  return std::nullopt;
}

}  // namespace tgd::testdc
