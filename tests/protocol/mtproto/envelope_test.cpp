#include <doctest/doctest.h>

#include "protocol/base/hex.hpp"
#include "protocol/mtproto/envelope.hpp"

using namespace tgd;
using namespace tgd::mtproto;

namespace {
// Fills with 00, 01, 02, ... so padding is predictable.
RandomSource counting() {
  return [](MutableByteSpan out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i);
  };
}
const MessageHeader kHeader{static_cast<std::int64_t>(0xce3d50987274a649ULL), 0x0102030405060708,
                            (std::uint64_t{1707425105} << 32) | 4, 1};
const Bytes kPing = hex_bytes("ec77be7a 8877665544332211");
}  // namespace

TEST_CASE("the encrypted-message plaintext matches the facts file's ping vector (T8)") {
  Bytes out;
  build_plaintext(kHeader, kPing, counting(), out);
  CHECK(to_hex(out) ==
        "49a6747298503dce"
        "0807060504030201"
        "04000000513dc565"
        "01000000"
        "0c000000"
        "ec77be7a8877665544332211"
        "000102030405060708090a0b0c0d0e0f10111213");
  auto parsed = parse_plaintext(out);
  REQUIRE(parsed.message);
  CHECK(parsed.message->header.msg_id == kHeader.msg_id);
  CHECK(parsed.message->header.salt == kHeader.salt);
  CHECK(parsed.message->header.session_id == kHeader.session_id);
  CHECK(parsed.message->header.seq_no == 1);
  CHECK(Bytes(parsed.message->body.begin(), parsed.message->body.end()) == kPing);
}

TEST_CASE("padding is always 12..1024 bytes and block-aligned, with extra random padding too") {
  for (std::size_t body_size = 4; body_size < 200; body_size += 4) {
    for (std::size_t extra : {0, 255}) {
      Bytes body(body_size, 0xab), out;
      build_plaintext(kHeader, body, counting(), out, extra);
      CHECK(out.size() % 16 == 0);
      std::size_t padding = out.size() - kPlaintextHeaderSize - body_size;
      CHECK(padding >= kMinPadding);
      CHECK(padding <= kMaxPadding);
      CHECK(parse_plaintext(out).message);
    }
  }
}

TEST_CASE("plaintexts with bad lengths or padding are refused with the reason") {
  Bytes out;
  build_plaintext(kHeader, kPing, counting(), out);
  CHECK(parse_plaintext(ByteSpan(out.data(), 52)).error == PlaintextError::NotBlockAligned);
  CHECK(parse_plaintext(ByteSpan(out.data(), 32)).error == PlaintextError::TooShort);
  Bytes odd = out;
  odd[28] = 13;  // message_data_length not a multiple of 4
  CHECK(parse_plaintext(odd).error == PlaintextError::BadLength);
  Bytes beyond = out;
  beyond[28] = 0x40;  // longer than the packet
  CHECK(parse_plaintext(beyond).error == PlaintextError::BadLength);
  Bytes little_padding = out;
  little_padding[28] = 24;  // leaves 8 bytes of padding
  CHECK(parse_plaintext(little_padding).error == PlaintextError::BadPadding);
  Bytes huge(32 + 4 + 1036, 0);
  huge[28] = 4;  // 1036 bytes of padding
  CHECK(parse_plaintext(huge).error == PlaintextError::BadPadding);
}

TEST_CASE("containers round-trip and refuse nesting, bad lengths and leftovers") {
  Bytes body;
  ContainerWriter w(body);
  w.add(100, 1, kPing);
  w.add(104, 3, kPing);
  w.finish();
  auto items = parse_container(body);
  REQUIRE(items);
  REQUIRE(items->size() == 2);
  CHECK((*items)[1].msg_id == 104);
  CHECK((*items)[1].seq_no == 3);
  CHECK(Bytes((*items)[0].body.begin(), (*items)[0].body.end()) == kPing);

  Bytes leftover = body;
  leftover.insert(leftover.end(), {0, 0, 0, 0});
  CHECK_FALSE(parse_container(leftover));
  Bytes truncated(body.begin(), body.end() - 4);
  CHECK_FALSE(parse_container(truncated));
  Bytes bad_length = body;
  bad_length[8 + 12] = 13;  // first item's bytes field
  CHECK_FALSE(parse_container(bad_length));

  Bytes nested;
  ContainerWriter outer(nested);
  outer.add(108, 0, body);
  outer.finish();
  CHECK_FALSE(parse_container(nested));

  Bytes empty;
  ContainerWriter e(empty);
  e.finish();
  auto none = parse_container(empty);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("a container claiming more items than fit is refused before allocating") {
  Bytes body = hex_bytes("dcf8f173 ffffff00");
  CHECK_FALSE(parse_container(body));
}
