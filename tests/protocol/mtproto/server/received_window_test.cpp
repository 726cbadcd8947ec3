#include "protocol/mtproto/server/received_window.hpp"

#include <doctest/doctest.h>

using namespace tgd::mtproto::server;
using V = ReceivedWindow::Verdict;
using P = ReceivedWindow::Position;

TEST_CASE("seq_no must grow with msg_id, content-related numbers are unique") {
  ReceivedWindow w(16);
  CHECK(w.check(100, 1) == V::kNew);
  w.insert(100, 1);
  w.insert(108, 4);
  CHECK(w.check(108, 4) == V::kDuplicate);
  CHECK(w.check(112, 3) == V::kSeqNoTooLow);  // lower than 108's
  CHECK(w.check(112, 4) == V::kNew);          // equal and even: fine (e.g. an ack after a container)
  CHECK(w.check(112, 5) == V::kNew);
  CHECK(w.check(104, 1) == V::kSeqNoTooLow);   // the same odd number as 100
  CHECK(w.check(104, 3) == V::kNew);           // fits between 100 (1) and 108 (4)
  CHECK(w.check(104, 5) == V::kSeqNoTooHigh);  // above 108's
  CHECK(w.check(96, 3) == V::kSeqNoTooHigh);   // above 100's
  CHECK(w.check(96, 0) == V::kNew);
  CHECK(w.check(96, 1) == V::kSeqNoTooHigh);  // the same odd number as 100
}

TEST_CASE("once full, ids below the window are too old to check") {
  ReceivedWindow w(3);
  for (std::uint64_t id : {100, 104, 108, 112}) w.insert(id, 0);
  CHECK(w.size() == 3);
  CHECK(w.check(100, 0) == V::kTooOld);
  CHECK(w.check(104, 0) == V::kDuplicate);
  CHECK(w.locate(100).position == P::kBelow);
  CHECK(w.locate(106).position == P::kInRange);
  CHECK(w.locate(116).position == P::kAbove);
  CHECK(w.locate(108).position == P::kReceived);
}

TEST_CASE("out-of-order inserts keep the window sorted") {
  ReceivedWindow w(8);
  w.insert(200, 5);
  w.insert(100, 1);
  w.insert(150, 3);
  CHECK(w.locate(150).seq_no == 3);
  CHECK(w.check(120, 1) == V::kSeqNoTooLow);
  CHECK(w.check(120, 2) == V::kNew);
  CHECK(w.check(175, 5) == V::kSeqNoTooHigh);
  CHECK(w.locate(50).position == P::kInRange);  // nothing was forgotten yet: certainly not received
}
