#include "protocol/transport/padding.hpp"

#include <doctest/doctest.h>

#include "tests/protocol/transport/test_util.hpp"

using namespace tgd;
using namespace tgd::transport;

namespace {
std::optional<std::string> strip_hex(const Bytes& body) {
  const auto packet = strip_transport_padding(body);
  if (!packet) return std::nullopt;
  return to_hex(*packet);
}

Bytes with_padding(const Bytes& packet, std::size_t padding) {
  Bytes out = packet;
  const Bytes pad = test::pseudo_random_bytes(padding, padding);
  out.insert(out.end(), pad.begin(), pad.end());
  return out;
}
}  // namespace

TEST_CASE("an unencrypted packet is cut after message_data_length, whatever the padding (0..15)") {
  const Bytes packet = test::req_pq_multi();
  for (std::size_t padding = 0; padding < 16; ++padding) {
    CHECK(strip_hex(with_padding(packet, padding)) == to_hex(packet));
  }
}

TEST_CASE("an encrypted packet keeps its 24-byte header and the largest multiple of 16 after it") {
  Bytes packet = test::pseudo_random_bytes(24 + 48, 1);
  packet[3] = 0x77;  // a non-zero auth_key_id
  for (std::size_t padding = 0; padding < 16; ++padding) {
    CHECK(strip_hex(with_padding(packet, padding)) == to_hex(packet));
  }
}

TEST_CASE("bodies too short for a packet header, or with an overlong message_data_length, are rejected") {
  CHECK_FALSE(strip_hex(Bytes(7)));
  CHECK_FALSE(strip_hex(Bytes(19)));                         // unencrypted, no room for the length
  CHECK_FALSE(strip_hex(hex_bytes("0100000000000000 00")));  // encrypted, under 24 bytes
  Bytes packet = test::req_pq_multi();
  packet[16] = 21;  // claims 21 bytes of data, 20 follow
  CHECK_FALSE(strip_hex(packet));
  CHECK_FALSE(strip_hex(hex_bytes("0000000000000000 0000000000000000 ffffffff")));
}
