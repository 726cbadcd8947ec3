// The control socket's file commands (ControlCommands, without the socket): send_document,
// expire_file_references, file_fault, file_options, and the file counters of stats.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <unistd.h>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <fstream>

#include "protocol/crypto/rsa.hpp"
#include "tests/protocol/crypto/test_rsa_key.hpp"
#include "tests/testdc/control_commands.hpp"
#include "tests/testdc/test_dc.hpp"
#include "tests/testdc_api/files_support.hpp"

namespace tgd::testdc::testing {
namespace {

struct Controlled {
  boost::asio::io_context io;
  TestDc dc{io, Options{.dcs = 3,
                        .key = std::make_shared<const crypto::RsaPrivateKey>(
                            *crypto::RsaPrivateKey::from_pem(crypto::test::kTestRsaPrivateKeyPem))}};
  ControlCommands commands{dc};
  simdjson::dom::parser parser;
  std::string last;

  simdjson::dom::element run(std::string_view line) {
    last.clear();
    commands.execute(line, [this](std::string answer) { last = std::move(answer); });
    return parser.parse(last).value();
  }
};

// A temporary file with these bytes, removed at the end of the test.
struct TempFile {
  std::string path;
  explicit TempFile(ByteSpan bytes) {
    char name[] = "/tmp/tgd-testdc-control-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE(
    "control send_document makes a document message from a file read in place, from one account to "
    "another or to Saved Messages") {
  Controlled c;
  const Bytes data = file_bytes(100000, 5);
  TempFile file(data);
  simdjson::dom::element sent =
      c.run(R"({"op":"send_document","from":"9996610001","to":"9996620002","path":")" + file.path +
            R"(","name":"x.bin","mime":"application/x-test"})");
  REQUIRE_MESSAGE(sent["ok"].get_bool().value(), c.last);
  CHECK(sent["size"].get_int64().value() == 100000);
  CHECK(sent["dc"].get_int64().value() == 3);
  World& w = c.dc.world();
  const Account* bob = w.find_by_phone("9996620002");
  REQUIRE(bob);
  REQUIRE(bob->messages.size() == 1);
  const Message& m = bob->messages.back();
  CHECK(m.id == sent["recipient_id"].get_int64().value());
  CHECK(m.media_id == sent["document_id"].get_int64().value());
  const Media* media = w.files().find_media(MediaKind::kDocument, m.media_id);
  REQUIRE(media);
  CHECK(media->mime_type == "application/x-test");
  CHECK(media->attributes == R"([{"_":"documentAttributeFilename","file_name":"x.bin"}])");
  Bytes back(data.size());
  REQUIRE(media->blob->read(0, back.data(), back.size()));
  CHECK(back == data);

  simdjson::dom::element saved =
      c.run(R"({"op":"send_document","from":"9996610001","to":"9996610001","path":")" + file.path + "\"}");
  REQUIRE_MESSAGE(saved["ok"].get_bool().value(), c.last);
  CHECK(saved["id"].get_int64().value() == saved["recipient_id"].get_int64().value());
  const Message& own = w.find_by_phone("9996610001")->messages.back();
  CHECK(w.files().find_media(MediaKind::kDocument, own.media_id)->attributes.find(file.path.substr(5)) !=
        std::string::npos);  // the name defaults to the path's last part

  CHECK_FALSE(
      c.run(R"({"op":"send_document","from":"9996610001","to":"9996610001"})")["ok"].get_bool().value());
  CHECK_FALSE(
      c.run(R"({"op":"send_document","from":"9996610001","to":"9996610001","path":"/nonexistent/x"})")["ok"]
          .get_bool()
          .value());
}

TEST_CASE(
    "control expire_file_references, file_fault and file_options change the World's file state, stats "
    "count file parts") {
  Controlled c;
  World& w = c.dc.world();
  const std::uint32_t before = w.files().references().generation();
  simdjson::dom::element expired = c.run(R"({"op":"expire_file_references"})");
  CHECK(expired["ok"].get_bool().value());
  CHECK(expired["generation"].get_int64().value() == before + 1);

  simdjson::dom::element fault = c.run(R"({"op":"file_fault","drop_after_parts":3,"part_delay_ms":20})");
  REQUIRE_MESSAGE(fault["ok"].get_bool().value(), c.last);
  CHECK(w.files().faults().drop_after_parts == 3);
  CHECK(w.files().faults().part_delay == std::chrono::milliseconds(20));
  CHECK(c.run(R"({"op":"file_fault","clear":true})")["file_faults"]["drop_after_parts"].get_int64().value() ==
        0);
  CHECK(w.files().faults().part_delay.count() == 0);

  simdjson::dom::element options = c.run(R"({"op":"file_options","files_dc":2,"reference_ttl_seconds":60})");
  REQUIRE_MESSAGE(options["ok"].get_bool().value(), c.last);
  CHECK(w.files().files_dc() == 2);
  CHECK(w.files().options().reference_ttl == std::chrono::seconds(60));
  CHECK_FALSE(c.run(R"({"op":"file_options","files_dc":9})")["ok"].get_bool().value());

  simdjson::dom::element stats = c.run(R"({"op":"stats"})");
  CHECK(stats["files"]["parts_served"].get_int64().value() == 0);
}

}  // namespace tgd::testdc::testing
