// The test DC's file serving over loopback TCP, with tgd's MtprotoClient: upload.getFile parts
// byte for byte, and the file faults the I/O layer applies (a dropped connection, delayed parts).
#include <doctest/doctest.h>

#include "protocol/base/base64.hpp"
#include "protocol/tl/tl_buffer.hpp"
#include "tests/e2e/testdc_updates_support.hpp"
#include "tests/testdc/test_dc.hpp"

using namespace tgd;
using namespace tgd::e2e;

namespace {

constexpr std::int64_t kPart = 1 << 20;

Bytes file_bytes(std::size_t size) {
  Bytes out(size);
  std::uint32_t x = 12345;
  for (auto& b : out) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return out;
}

// A document of `data` owned by a user of DC 2 (the files DC of a two-DC test DC).
struct Document {
  std::int64_t user = 0;
  std::string location;  // inputDocumentFileLocation JSON
  Document(Harness& h, const Bytes& data) {
    testdc::World& w = h.dc->world();
    user = w.create_user("9996621000", "Bob").id;
    const testdc::Media& m = w.files().add_media(testdc::MediaKind::kDocument, w.files().store_bytes(data),
                                                 "application/octet-stream");
    REQUIRE(m.dc == Harness::kDc);
    location = R"({"_":"inputDocumentFileLocation","id":")" + std::to_string(m.id) + R"(","access_hash":")" +
               std::to_string(w.files().access_hash(user, m)) + R"(","file_reference":")" +
               base64_encode(w.files().references().issue(m.id, testdc::World::now())) +
               R"(","thumb_size":""})";
  }
  Bytes get_file(std::int64_t offset) const {
    return encode_call(R"({"_":"invokeWithoutUpdates","query":{"_":"upload.getFile","location":)" + location +
                       R"(,"offset":")" + std::to_string(offset) + R"(","limit":)" + std::to_string(kPart) +
                       "}}");
  }
};

// upload.file's bytes, or nothing if `result` is not an upload.file.
std::optional<Bytes> file_part(const net::CallResult& result) {
  const auto* answer = std::get_if<Bytes>(&result);
  if (!answer) return std::nullopt;
  tl::TlReader r(*answer);
  if (r.u32() != 0x096a18d5) return std::nullopt;
  r.u32();  // storage.FileType
  r.i32();  // mtime
  const ByteSpan bytes = r.bytes();
  if (!r.done()) return std::nullopt;
  return Bytes(bytes.begin(), bytes.end());
}

}  // namespace

TEST_CASE("test DC over TCP: a 3.5 MiB document comes back byte for byte in 1 MiB upload.getFile parts") {
  Harness h;
  const Bytes data = file_bytes(3 * kPart + kPart / 2);
  Document doc(h, data);
  h.run([&]() -> net::awaitable<void> {
    co_await log_in(h, *h.client, Harness::kDc, doc.user, false);
    Bytes got;
    for (std::int64_t offset = 0; offset < static_cast<std::int64_t>(data.size()); offset += kPart) {
      const Bytes query = doc.get_file(offset);  // not a temporary of the co_await (g++ 12)
      const net::CallResult r = co_await h.client->call(query);
      const auto part = file_part(r);
      REQUIRE_MESSAGE(part, describe(r));
      got.insert(got.end(), part->begin(), part->end());
    }
    CHECK(got == data);
  });
}

TEST_CASE(
    "test DC over TCP: FileFaults::drop_after_parts closes the connection before the Nth part's answer, "
    "which reaches the client on its next connection, part_delay delays each part") {
  Harness h;
  const Bytes data = file_bytes(4 * kPart);
  Document doc(h, data);
  h.run(
      [&]() -> net::awaitable<void> {
        co_await log_in(h, *h.client, Harness::kDc, doc.user, false);
        h.dc->world().files().faults() = testdc::FileFaults{.drop_after_parts = 2};
        Bytes got;
        for (std::int64_t offset = 0; offset < 3 * kPart; offset += kPart) {
          const Bytes query = doc.get_file(offset);  // not a temporary of the co_await (g++ 12)
          const net::CallResult r = co_await h.client->call(query);
          const auto part = file_part(r);
          REQUIRE_MESSAGE(part, describe(r));
          got.insert(got.end(), part->begin(), part->end());
        }
        CHECK(got == Bytes(data.begin(), data.begin() + 3 * kPart));
        CHECK(h.client->reconnects() >= 1);
        CHECK(h.dc->world().files().stats().dropped_connections == 1);

        h.dc->world().files().faults() = testdc::FileFaults{.part_delay = 100ms};
        const auto start = std::chrono::steady_clock::now();
        const Bytes last = doc.get_file(3 * kPart);
        const net::CallResult late = co_await h.client->call(last);
        CHECK(file_part(late) == Bytes(data.begin() + 3 * kPart, data.end()));
        CHECK(std::chrono::steady_clock::now() - start >= 100ms);
      },
      8s);
}
