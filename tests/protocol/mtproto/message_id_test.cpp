#include <doctest/doctest.h>

#include "protocol/mtproto/message_id.hpp"

using namespace tgd::mtproto;
using namespace std::chrono_literals;

namespace {
constexpr UnixNanos kT0 = std::chrono::seconds(1707425105) + 250ms;
}

TEST_CASE("client msg_ids carry the time in the high half, are 0 mod 4 and never have zero low bits") {
  MsgIdClock clock;
  std::uint64_t id = clock.next(kT0);
  CHECK(msg_id_seconds(id) == 1707425105);
  CHECK(id % 4 == 0);
  CHECK((id & 0xffffffff) != 0);
  // A quarter second is 2^30 in the low half.
  CHECK(((id & 0xffffffff) >> 28) == 4);
  MsgIdClock exact;
  std::uint64_t on_the_second = exact.next(std::chrono::seconds(1707425105));
  CHECK((on_the_second & 0xffffffff) != 0);
}

TEST_CASE("msg_ids stay strictly increasing when the clock stands still or goes back") {
  MsgIdClock clock;
  std::uint64_t last = 0;
  for (int i = 0; i < 1000; ++i) {
    std::uint64_t id = clock.next(i % 3 == 0 ? kT0 - 1s : kT0);
    CHECK(id > last);
    CHECK(id % 4 == 0);
    last = id;
  }
}

TEST_CASE("server msg_ids are 1 mod 4 for answers and 3 mod 4 otherwise") {
  MsgIdClock clock;
  CHECK(clock.next(kT0, MsgIdKind::ServerResponse) % 4 == 1);
  CHECK(clock.next(kT0, MsgIdKind::ServerOther) % 4 == 3);
  CHECK(clock.next(kT0, MsgIdKind::ServerResponse) % 4 == 1);
}

TEST_CASE("the time offset shifts msg_ids and resync follows the server, backwards too") {
  MsgIdClock clock(100);
  CHECK(msg_id_seconds(clock.next(kT0)) == 1707425105 + 100);
  // The server says it is 50 s behind our clock: ids must drop back, not stay monotonic from +100.
  std::uint64_t server_id = static_cast<std::uint64_t>(1707425105 - 50) << 32 | 1;
  clock.resync(server_id, kT0);
  CHECK(clock.offset() == -50);
  CHECK(msg_id_seconds(clock.next(kT0)) == 1707425105 - 50);
}

TEST_CASE("observing a later server msg_id raises the offset, an earlier one does not lower it") {
  MsgIdClock clock(0);
  clock.observe_server_msg_id(static_cast<std::uint64_t>(1707425105 + 7) << 32 | 1, kT0);
  CHECK(clock.offset() == 7);
  clock.observe_server_msg_id(static_cast<std::uint64_t>(1707425105 - 7) << 32 | 1, kT0);
  CHECK(clock.offset() == 7);
}

TEST_CASE("msg_id: seconds in the high half, the scaled fraction in the low half, kind in the low bits") {
  const UnixNanos t = std::chrono::seconds(1707425105) + 500ms;
  CHECK(MsgIdClock().next(t, MsgIdKind::Client) == (std::uint64_t{1707425105} << 32 | 0x80000000u));
  CHECK(MsgIdClock().next(t, MsgIdKind::ServerResponse) == (std::uint64_t{1707425105} << 32 | 0x80000001u));
  const UnixNanos whole = std::chrono::seconds(1707425105);
  CHECK((MsgIdClock().next(whole, MsgIdKind::Client) & 0xffffffffu) == 4);
  CHECK((MsgIdClock().next(whole, MsgIdKind::ServerResponse) & 0xffffffffu) == 5);
}
