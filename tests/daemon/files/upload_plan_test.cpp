// UploadPlan: parts, modes and limits for a table of sizes, retries, and the InputFile JSON.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "daemon/files/upload_plan.hpp"

using namespace tgd::files;

namespace {

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * 1024;

UploadPlan make_plan(std::int64_t size, UploadOptions options = {}, std::int64_t file_id = 0) {
  auto made = UploadPlan::make(size, options, file_id);
  if (auto* error = std::get_if<PlanError>(&made)) FAIL("make failed: " << error->message);
  return std::get<UploadPlan>(std::move(made));
}

std::string make_error(std::int64_t size, UploadOptions options = {}) {
  auto made = UploadPlan::make(size, options);
  REQUIRE(std::holds_alternative<PlanError>(made));
  return std::get<PlanError>(made).message;
}

// Telegram's part rules, written out apart from the plan (core.telegram.org/api/files).
void check_parts(const std::vector<UploadPart>& parts, std::int64_t size, std::int32_t part_size) {
  std::int64_t next_offset = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const UploadPart& part = parts[i];
    CHECK(part.part == static_cast<std::int32_t>(i));
    CHECK(part.offset == next_offset);
    CHECK(part.size > 0);                                     // FILE_PART_EMPTY
    CHECK(part.size <= 512 * KiB);                            // FILE_PART_TOO_BIG
    if (i + 1 < parts.size()) CHECK(part.size == part_size);  // FILE_PART_SIZE_CHANGED
    CHECK(part_size % 1024 == 0);
    CHECK(524288 % part_size == 0);  // FILE_PART_SIZE_INVALID
    next_offset += part.size;
  }
  CHECK(next_offset == size);
}

}  // namespace

TEST_CASE("sizes from 1 byte to 2000 MiB: parts, big-file mode above 10 MiB, every part once") {
  struct Case {
    std::int64_t size;
    bool big;
  };
  const Case cases[] = {
      {1, false},          {4095, false},         {512 * KiB, false}, {512 * KiB + 1, false},
      {MiB, false},        {10 * MiB - 1, false}, {10 * MiB, false},  {10 * MiB + 1, true},
      {100'000'000, true}, {2000 * MiB, true}};
  for (const Case& c : cases) {
    CAPTURE(c.size);
    UploadPlan plan = make_plan(c.size, {512 * 1024, 4000, 4, 5});
    CHECK(plan.big() == c.big);
    CHECK(plan.method() == (c.big ? "upload.saveBigFilePart" : "upload.saveFilePart"));
    CHECK(plan.total_parts() == (c.size + 512 * KiB - 1) / (512 * KiB));
    CHECK(plan.file_id() != 0);
    std::vector<UploadPart> parts;
    while (!plan.done()) {
      std::vector<UploadPart> batch;
      while (auto part = plan.next()) batch.push_back(*part);
      REQUIRE_FALSE(batch.empty());
      CHECK(batch.size() <= 4u);
      for (const UploadPart& part : batch) {
        CHECK_FALSE(plan.complete(part.part));
        parts.push_back(part);
      }
    }
    check_parts(parts, c.size, 512 * 1024);
    CHECK(plan.bytes_done() == c.size);
  }
}

TEST_CASE("smaller part sizes keep the rules, the part limit counts parts, not bytes") {
  for (const std::int32_t part_size : {1024, 4096, 32 * 1024, 256 * 1024}) {
    CAPTURE(part_size);
    UploadPlan plan = make_plan(3 * MiB + 17, {part_size, 4000, 8, 5});
    std::vector<UploadPart> parts;
    while (auto part = plan.next()) {
      parts.push_back(*part);
      CHECK_FALSE(plan.complete(part->part));
    }
    CHECK(plan.done());
    check_parts(parts, 3 * MiB + 17, part_size);
  }
  CHECK(make_error(5 * MiB, {1024, 4000, 4, 5}) ==
        "the file is too big to upload: 5242880 bytes need 5120 parts of 1024 bytes, and Telegram accepts at "
        "most "
        "4000 parts (4096000 bytes)");
}

TEST_CASE("what the plan refuses: empty files, too many parts, part sizes Telegram rejects") {
  CHECK(make_error(0) == "the file is empty: Telegram refuses empty files (FILE_PART_EMPTY)");
  CHECK(make_error(-3) == "negative file size -3");
  CHECK(make_error(2000 * MiB + 1) ==
        "the file is too big to upload: 2097152001 bytes need 4001 parts of 524288 bytes, and Telegram "
        "accepts at "
        "most 4000 parts (2097152000 bytes)");
  UploadPlan premium = make_plan(2000 * MiB + 1, {512 * 1024, kMaxPartsPremium, 4, 5});
  CHECK(premium.total_parts() == 4001);
  CHECK(make_error(10, {1000, 4000, 4, 5}) == "part size 1000 is not a multiple of 1 KiB dividing 512 KiB");
  CHECK(make_error(10, {3 * 1024, 4000, 4, 5}) ==
        "part size 3072 is not a multiple of 1 KiB dividing 512 KiB");
  CHECK(make_error(10, {1024 * 1024, 4000, 4, 5}) ==
        "part size 1048576 is not a multiple of 1 KiB dividing 512 KiB");
  CHECK(make_error(10, {512 * 1024, 4000, 0, 5}) == "the window must allow at least one part in flight");
}

TEST_CASE(
    "failed parts are sent again before new ones, a dropped connection resumes the missing parts only") {
  UploadPlan plan = make_plan(5 * MiB, {512 * 1024, 4000, 3, 3});
  CHECK(plan.next()->part == 0);
  CHECK(plan.next()->part == 1);
  CHECK(plan.next()->part == 2);
  CHECK_FALSE(plan.next());
  CHECK_FALSE(plan.complete(1));
  CHECK(plan.fail(2) == FailOutcome::kRetry);
  CHECK(plan.next()->part == 2);
  CHECK(plan.next()->part == 3);
  CHECK(plan.fail_all_in_flight() == std::vector<std::int32_t>{0, 2, 3});
  CHECK(plan.next()->part == 0);
  CHECK(plan.next()->part == 2);
  CHECK(plan.next()->part == 3);
  for (std::int32_t part : {0, 2, 3}) CHECK_FALSE(plan.complete(part));
  while (auto part = plan.next()) CHECK_FALSE(plan.complete(part->part));
  CHECK(plan.done());
  // FILE_PART_7_MISSING when the file is used: part 7 goes again.
  CHECK(plan.resend(7));
  CHECK_FALSE(plan.done());
  CHECK(plan.next()->part == 7);
  CHECK_FALSE(plan.complete(7));
  CHECK(plan.done());
  CHECK_FALSE(plan.resend(10));  // there are 10 parts: 0..9
}

TEST_CASE("a part failing max_attempts times fails the upload") {
  UploadPlan plan = make_plan(MiB, {512 * 1024, 4000, 2, 2});
  REQUIRE(plan.next()->part == 0);
  CHECK(plan.fail(0) == FailOutcome::kRetry);
  REQUIRE(plan.next()->part == 0);
  CHECK(plan.fail(0) == FailOutcome::kGaveUp);
  REQUIRE(plan.error());
  CHECK(plan.error()->message == "part 0 failed 2 times");
  CHECK_FALSE(plan.next());
  CHECK(plan.complete(1)->message == "part 0 failed 2 times");
}

TEST_CASE("the InputFile JSON: inputFile with md5_checksum, inputFileBig without, the id as a string") {
  UploadPlan small = make_plan(1000, {}, 4660);
  auto early = small.input_file_json("a.txt", "0123456789abcdef0123456789abcdef");
  REQUIRE(std::holds_alternative<PlanError>(early));
  CHECK(std::get<PlanError>(early).message == "the upload is not complete: 0 of 1 parts saved");
  CHECK_FALSE(small.complete(small.next()->part));
  CHECK(
      std::get<std::string>(small.input_file_json("a.txt", "0123456789abcdef0123456789abcdef")) ==
      R"({"_":"inputFile","id":"4660","parts":1,"name":"a.txt","md5_checksum":"0123456789abcdef0123456789abcdef"})");
  CHECK(std::get<PlanError>(small.input_file_json("a.txt", "")).message ==
        "inputFile needs the file's MD5 as 32 lowercase hex digits");
  CHECK(std::get<PlanError>(small.input_file_json("a.txt", "0123456789ABCDEF0123456789ABCDEF")).message ==
        "inputFile needs the file's MD5 as 32 lowercase hex digits");
  // The name is made safe: no path, valid UTF-8, JSON-escaped.
  CHECK(
      std::get<std::string>(small.input_file_json("dir/\"q\"\xff.txt", "0123456789abcdef0123456789abcdef")) ==
      R"({"_":"inputFile","id":"4660","parts":1,"name":"dir_\"q\"_.txt","md5_checksum":"0123456789abcdef0123456789abcdef"})");

  UploadPlan big = make_plan(10 * MiB + 1, {}, -5);
  while (auto part = big.next()) CHECK_FALSE(big.complete(part->part));
  CHECK(std::get<std::string>(big.input_file_json("big.bin", "")) ==
        R"({"_":"inputFileBig","id":"-5","parts":21,"name":"big.bin"})");
}
