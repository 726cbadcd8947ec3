// Unencrypted messages and their msg_ids (facts §3.4, §3.5, §1.3).
#include <doctest/doctest.h>

#include "protocol/base/hex.hpp"
#include "protocol/handshake/plain_message.hpp"

using namespace tgd;
using namespace tgd::handshake;

TEST_CASE("plain message: header layout and round trip") {
  const Bytes body = hex_bytes("f18e7ebe 00112233445566778899aabbccddeeff");
  const Bytes message = build_plain_message(0x51e57ac42770964aULL, body);
  CHECK(to_hex(message) ==
        "0000000000000000"
        "4a967027c47ae551"
        "14000000"
        "f18e7ebe00112233445566778899aabbccddeeff");
  const PlainMessageResult parsed = parse_plain_message(message);
  REQUIRE(parsed.message);
  CHECK(parsed.message->msg_id == 0x51e57ac42770964aULL);
  CHECK(to_hex(parsed.message->body) == to_hex(body));
}

TEST_CASE("plain message: bytes after message_data_length are transport padding and ignored") {
  Bytes message = build_plain_message(4, hex_bytes("01020304"));
  message.insert(message.end(), {9, 9, 9, 9, 9, 9, 9});
  const PlainMessageResult parsed = parse_plain_message(message);
  REQUIRE(parsed.message);
  CHECK(to_hex(parsed.message->body) == "01020304");
}

TEST_CASE("plain message: malformed headers are rejected") {
  const Bytes good = build_plain_message(8, hex_bytes("01020304"));
  CHECK(parse_plain_message(ByteSpan(good).first(19)).error == PlainMessageError::kTooShort);

  Bytes encrypted = good;
  encrypted[3] = 1;
  CHECK(parse_plain_message(encrypted).error == PlainMessageError::kNotPlain);

  Bytes too_long = good;
  too_long[16] = 8;  // message_data_length 8, only 4 bytes follow
  CHECK(parse_plain_message(too_long).error == PlainMessageError::kBadLength);

  Bytes unaligned = good;
  unaligned[16] = 3;
  CHECK(parse_plain_message(unaligned).error == PlainMessageError::kBadLength);

  CHECK(parse_plain_message(build_plain_message(0, hex_bytes("01020304"))).error ==
        PlainMessageError::kZeroMsgId);
  CHECK(!describe(PlainMessageError::kBadLength).empty());
}
