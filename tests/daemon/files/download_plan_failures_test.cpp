// DownloadPlan when things go wrong: failed parts and dropped connections resume the missing parts
// only; answers that contradict the plan fail it with a clear message.
#include <doctest/doctest.h>

#include "daemon/files/download_plan.hpp"
#include "tests/daemon/files/download_sim.hpp"

using namespace tgd::files;
using namespace tgd::files::test;

namespace {

constexpr std::int64_t MiB = 1024 * 1024;

DownloadPlan make_plan(std::optional<std::int64_t> size, std::optional<ByteRange> range = std::nullopt,
                       DownloadOptions options = {}) {
  auto made = DownloadPlan::make(size, range, options);
  REQUIRE(std::holds_alternative<DownloadPlan>(made));
  return std::get<DownloadPlan>(std::move(made));
}

std::string error_of(const std::variant<PartWrite, PlanError>& answer) {
  REQUIRE(std::holds_alternative<PlanError>(answer));
  return std::get<PlanError>(answer).message;
}

}  // namespace

TEST_CASE(
    "random failures and dropped connections: the download completes, each part re-asked only after "
    "failing") {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    for (const std::optional<std::int64_t> announced :
         {std::optional<std::int64_t>{37 * MiB + 11}, std::optional<std::int64_t>{}}) {
      CAPTURE(seed);
      DownloadPlan plan = make_plan(announced, std::nullopt, {1 << 20, 6, 50});
      const SimResult result = simulate(plan, 37 * MiB + 11, 0, 6, {seed, 4, 9});
      CHECK_FALSE(result.error);
      CHECK(result.done);
      CHECK(result.written == 37 * MiB + 11);
      CHECK(result.requests > 38);  // some were failed and sent again
    }
  }
}

TEST_CASE("a dropped connection mid-way resumes the missing parts only, lowest first, before new ones") {
  DownloadPlan plan = make_plan(8 * MiB, std::nullopt, {1 << 20, 4, 5});
  for (int i = 0; i < 4; ++i) REQUIRE(plan.next());
  REQUIRE(std::holds_alternative<PartWrite>(plan.complete(0, MiB)));
  REQUIRE(std::holds_alternative<PartWrite>(plan.complete(2, MiB)));
  const auto dropped = plan.fail_all_in_flight();
  CHECK(dropped == std::vector<std::uint32_t>{1, 3});
  CHECK(plan.in_flight() == 0);
  CHECK(plan.next()->part == 1);
  CHECK(plan.next()->part == 3);
  CHECK(plan.next()->part == 4);  // then the new parts
  CHECK(plan.next()->part == 5);
  CHECK_FALSE(plan.next());
}

TEST_CASE(
    "a part failing max_attempts times fails the download, dropped connections do not use up attempts") {
  DownloadPlan plan = make_plan(3 * MiB, std::nullopt, {1 << 20, 1, 2});
  for (int i = 0; i < 10; ++i) {
    REQUIRE(plan.next()->part == 0);
    CHECK(plan.fail_all_in_flight().size() == 1);
  }
  REQUIRE(plan.next()->part == 0);
  CHECK(plan.fail(0) == FailOutcome::kRetry);
  REQUIRE(plan.next()->part == 0);
  CHECK(plan.fail(0) == FailOutcome::kGaveUp);
  REQUIRE(plan.error());
  CHECK(plan.error()->message == "part 0 (offset 0) failed 2 times");
  CHECK_FALSE(plan.next());
  CHECK_FALSE(plan.done());
}

TEST_CASE("answers that contradict the plan fail it") {
  SUBCASE("more bytes than the limit") {
    DownloadPlan plan = make_plan(3 * MiB);
    REQUIRE(plan.next());
    CHECK(error_of(plan.complete(0, MiB + 1)) == "part 0: 1048577 bytes received for a limit of 1048576");
  }
  SUBCASE("a file shorter than its announced size") {
    DownloadPlan plan = make_plan(3 * MiB);
    REQUIRE(plan.next());
    REQUIRE(plan.next());
    CHECK(error_of(plan.complete(1, 1000)) ==
          "the file ended at byte 1049576, before its announced end 3145728");
    CHECK_FALSE(plan.next());
  }
  SUBCASE("a part completed twice, or never sent") {
    DownloadPlan plan = make_plan(3 * MiB);
    REQUIRE(plan.next());
    REQUIRE(std::holds_alternative<PartWrite>(plan.complete(0, MiB)));
    CHECK(error_of(plan.complete(0, MiB)) == "part 0 is not in flight");
  }
  SUBCASE("unknown size: data past the end another answer found") {
    DownloadPlan plan = make_plan(std::nullopt, std::nullopt, {1 << 20, 4, 5});
    for (int i = 0; i < 3; ++i) REQUIRE(plan.next());
    REQUIRE(std::holds_alternative<PartWrite>(plan.complete(1, 10)));  // the end: 1 MiB + 10
    CHECK(error_of(plan.complete(2, 5)) ==
          "part 2 holds data up to 2097157, past the end of the file at 1048586");
  }
  SUBCASE("unknown size: a short answer before data already received") {
    DownloadPlan plan = make_plan(std::nullopt, std::nullopt, {1 << 20, 4, 5});
    for (int i = 0; i < 3; ++i) REQUIRE(plan.next());
    REQUIRE(std::holds_alternative<PartWrite>(plan.complete(2, MiB)));
    CHECK(error_of(plan.complete(0, 10)) ==
          "the answers disagree: one holds data up to 3145728, part 0 ends the file at 10");
  }
}

TEST_CASE(
    "unknown size: answers and failures past the end found are ignored, and done() does not wait for them") {
  DownloadPlan plan = make_plan(std::nullopt, std::nullopt, {1 << 20, 4, 5});
  for (int i = 0; i < 4; ++i) REQUIRE(plan.next());
  REQUIRE(std::holds_alternative<PartWrite>(plan.complete(0, MiB)));
  const PartWrite last = std::get<PartWrite>(plan.complete(1, 100));
  CHECK(last.output_offset == MiB);
  CHECK(last.length == 100u);
  CHECK(plan.done());  // parts 2 and 3 are still in flight, and no longer matter
  CHECK(plan.output_size() == MiB + 100);
  CHECK(plan.fail(3) == FailOutcome::kIgnored);
  const PartWrite empty = std::get<PartWrite>(plan.complete(2, 0));
  CHECK(empty.length == 0u);
  CHECK_FALSE(plan.next());
  CHECK(plan.done());
}

TEST_CASE("an empty file of unknown size is done after one empty answer") {
  DownloadPlan plan = make_plan(0);
  REQUIRE(plan.next()->offset == 0);
  CHECK(std::get<PartWrite>(plan.complete(0, 0)).length == 0u);
  CHECK(plan.done());
  CHECK(plan.output_size() == 0);
}
