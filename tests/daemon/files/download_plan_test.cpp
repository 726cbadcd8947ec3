// DownloadPlan: every request of whole files and ranges, for a table of sizes and part sizes,
// checked against Telegram's rules and the bytes they bring.
#include <doctest/doctest.h>

#include "daemon/files/download_plan.hpp"
#include "tests/daemon/files/download_sim.hpp"

using namespace tgd::files;
using namespace tgd::files::test;

namespace {

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * 1024;

DownloadPlan make_plan(std::optional<std::int64_t> size, std::optional<ByteRange> range,
                       DownloadOptions options = {}) {
  auto made = DownloadPlan::make(size, range, options);
  if (auto* error = std::get_if<PlanError>(&made)) FAIL("make failed: " << error->message);
  return std::get<DownloadPlan>(std::move(made));
}

std::string make_error(std::optional<std::int64_t> size, std::optional<ByteRange> range,
                       DownloadOptions options = {}) {
  auto made = DownloadPlan::make(size, range, options);
  REQUIRE(std::holds_alternative<PlanError>(made));
  return std::get<PlanError>(made).message;
}

const std::int64_t kSizes[] = {1,       4095,         4096,     512 * KiB,    MiB - 1,     MiB,
                               MiB + 1, 10 * MiB - 1, 10 * MiB, 10 * MiB + 1, 100'000'000, 2000 * MiB};

}  // namespace

TEST_CASE("whole files of known size: every request obeys the rules, none precise, the bytes tile the file") {
  for (const std::int32_t part_size : {4096, 64 * 1024, 512 * 1024, 1024 * 1024}) {
    for (const std::int64_t size : kSizes) {
      if (part_size < 64 * 1024 && size > 100 * MiB) continue;  // 512,000 parts: covered by the bigger parts
      CAPTURE(part_size);
      CAPTURE(size);
      DownloadPlan plan = make_plan(size, std::nullopt, {part_size, 4, 5});
      const auto expected_parts = static_cast<std::uint32_t>((size + part_size - 1) / part_size);
      CHECK(plan.part_count() == expected_parts);
      CHECK(plan.output_size() == size);
      const SimResult result = simulate(plan, size, 0, 4, {static_cast<std::uint32_t>(size % 97)});
      CHECK_FALSE(result.error);
      CHECK(result.done);
      CHECK(result.written == size);
      CHECK(result.requests == expected_parts);  // each part asked once: no failures here
      CHECK(result.precise_requests == 0);
      // Every request is a whole window: offset part_size * n, limit part_size.
      for (const PartRequest& request : result.first_requests) {
        CHECK(request.offset == static_cast<std::int64_t>(request.part) * part_size);
        CHECK(request.limit == part_size);
      }
    }
  }
}

TEST_CASE("files of unknown size (0 or absent): the first short answer ends the file, whatever the window") {
  for (const std::int64_t actual :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{4095}, 4096 * std::int64_t{1}, MiB - 1, MiB, MiB + 1,
        10 * MiB, 10 * MiB + 1, 100'000'000 * std::int64_t{1}}) {
    for (const int window : {1, 3, 8}) {
      for (const std::optional<std::int64_t> announced :
           {std::optional<std::int64_t>{}, std::optional<std::int64_t>{0}}) {
        CAPTURE(actual);
        CAPTURE(window);
        DownloadPlan plan = make_plan(announced, std::nullopt, {1 << 20, window, 5});
        CHECK_FALSE(plan.part_count());
        const SimResult result = simulate(plan, actual, 0, window, {static_cast<std::uint32_t>(window)});
        CHECK_FALSE(result.error);
        CHECK(result.done);
        CHECK(result.written == actual);
        CHECK(plan.output_size() == actual);
        CHECK(result.precise_requests == 0);
        // At most `window` requests go past the end before the short answer is seen.
        CHECK(result.requests <= static_cast<std::size_t>(actual / MiB + 1 + window));
      }
    }
  }
}

TEST_CASE(
    "ranges at odd offsets: rules kept, the bytes outside the range trimmed, precise only for cut pieces") {
  struct Case {
    std::int64_t size;
    ByteRange range;
  };
  const Case cases[] = {
      {10 * MiB, {0, 1}},
      {10 * MiB, {1, 1}},
      {10 * MiB, {4095, 2}},
      {10 * MiB, {5000, 10000}},
      {10 * MiB, {MiB - 1, 2}},
      {10 * MiB, {MiB - 100, 3 * MiB}},
      {10 * MiB, {123457, 7654321}},
      {10 * MiB, {4096, 4096}},
      {10 * MiB, {512 * KiB, 512 * KiB}},
      {10 * MiB, {3 * MiB, 2 * MiB}},
      {10 * MiB + 1, {10 * MiB, 1}},
      {10 * MiB + 1, {10 * MiB - 3, 100}},  // clamped to the file: 4 bytes
      {100'000'000, {99'999'000, 5'000}},   // clamped: 1,000 bytes
      {2000 * MiB, {1999 * MiB + 12345, 999}},
  };
  for (const std::int32_t part_size : {4096, 128 * 1024, 1024 * 1024}) {
    for (const Case& c : cases) {
      CAPTURE(part_size);
      CAPTURE(c.size);
      CAPTURE(c.range.offset);
      CAPTURE(c.range.length);
      DownloadPlan plan = make_plan(c.size, c.range, {part_size, 4, 5});
      const std::int64_t expected = std::min(c.range.offset + c.range.length, c.size) - c.range.offset;
      CHECK(plan.output_size() == expected);
      const SimResult result = simulate(plan, c.size, c.range.offset, 4);
      CHECK_FALSE(result.error);
      CHECK(result.done);
      CHECK(result.written == expected);
    }
  }
}

TEST_CASE("a range inside one window is one request, precise exactly when 4 KiB requests cannot express it") {
  auto only_request = [](std::optional<std::int64_t> size, ByteRange range) {
    DownloadPlan plan = make_plan(size, range);
    auto request = plan.next();
    REQUIRE(request);
    CHECK_FALSE(plan.next());  // the whole range in one request
    return *request;
  };
  // 5000..15000: 4 KiB rounding gives 4096 + 12288 bytes, not a power of two: precise, 1 KiB rounded.
  PartRequest r = only_request(10 * MiB, {5000, 10000});
  CHECK(r.precise);
  CHECK(r.offset == 4096);
  CHECK(r.limit == 11264);
  // 4096..8192 is a 4 KiB request at a 4 KiB-aligned offset: not precise.
  r = only_request(10 * MiB, {4096, 4096});
  CHECK_FALSE(r.precise);
  CHECK(r.offset == 4096);
  CHECK(r.limit == 4096);
  // 1 byte at 0: one 4 KiB request, not precise.
  r = only_request(10 * MiB, {0, 1});
  CHECK_FALSE(r.precise);
  CHECK(r.limit == 4096);
  // A range running to the end of a known file asks for its whole last window.
  r = only_request(MiB + 10, {MiB + 5, 100});
  CHECK_FALSE(r.precise);
  CHECK(r.offset == MiB);
  CHECK(r.limit == MiB);
  // Unknown size: the range's end bounds the request; 0..8192 holds 3000..5000 and is a plain request.
  r = only_request(std::nullopt, {3000, 2000});
  CHECK_FALSE(r.precise);
  CHECK(r.offset == 0);
  CHECK(r.limit == 8192);
  // 12288 + 8192 would be misaligned (12288 % 8192 != 0): precise, 1 KiB rounded.
  r = only_request(std::nullopt, {13000, 5000});
  CHECK(r.precise);
  CHECK(r.offset == 12288);
  CHECK(r.limit == 6144);
}

TEST_CASE("a range of a file of unknown size stops at the range's end, or earlier at the file's end") {
  {
    DownloadPlan plan = make_plan(std::nullopt, ByteRange{MiB + 7, 2 * MiB});
    CHECK(plan.part_count() == 3u);
    const SimResult result = simulate(plan, 50 * MiB, MiB + 7, 4);
    CHECK(result.done);
    CHECK(result.written == 2 * MiB);
  }
  {
    DownloadPlan plan = make_plan(std::nullopt, ByteRange{MiB + 7, 20 * MiB});
    const SimResult result = simulate(plan, 3 * MiB + 5, MiB + 7, 4);
    CHECK_FALSE(result.error);
    CHECK(result.done);
    CHECK(result.written == 2 * MiB - 2);
    CHECK(plan.output_size() == 2 * MiB - 2);
  }
}

TEST_CASE("the window bounds the requests in flight, and next() refuses past it") {
  DownloadPlan plan = make_plan(10 * MiB, std::nullopt, {1 << 20, 3, 5});
  CHECK(plan.next());
  CHECK(plan.next());
  CHECK(plan.next());
  CHECK_FALSE(plan.next());
  CHECK(plan.in_flight() == 3);
  REQUIRE(std::holds_alternative<PartWrite>(plan.complete(1, MiB)));  // out of order
  auto next = plan.next();
  REQUIRE(next);
  CHECK(next->part == 3);
  const PartWrite write = std::get<PartWrite>(plan.complete(2, MiB));
  CHECK(write.output_offset == 2 * MiB);
  CHECK(write.skip == 0);
  CHECK(write.length == static_cast<std::size_t>(MiB));
}

TEST_CASE("options and ranges the plan refuses, with their messages") {
  CHECK(make_error(10, std::nullopt, {3000, 4, 5}) ==
        "part size 3000 is not a power of two from 4 KiB to 1 MiB");
  CHECK(make_error(10, std::nullopt, {2048, 4, 5}) ==
        "part size 2048 is not a power of two from 4 KiB to 1 MiB");
  CHECK(make_error(10, std::nullopt, {2 << 20, 4, 5}) ==
        "part size 2097152 is not a power of two from 4 KiB to 1 MiB");
  CHECK(make_error(10, std::nullopt, {1 << 20, 0, 5}) == "the window must allow at least one part in flight");
  CHECK(make_error(10, std::nullopt, {1 << 20, 4, 0}) == "max_attempts must be 1..255");
  CHECK(make_error(-1, std::nullopt) == "negative file size -1");
  CHECK(make_error(100, ByteRange{100, 1}) == "the range starts at 100, past the end of the file (size 100)");
  CHECK(make_error(100, ByteRange{5, 0}) == "the range length must be positive, got 0");
  CHECK(make_error(100, ByteRange{-5, 3}) == "the range offset -5 is negative");
  CHECK(make_error(std::nullopt, ByteRange{INT64_MAX, 2}) == "the range end overflows");
}
