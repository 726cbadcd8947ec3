// sanitize_file_name, numbered_file_name and extension_for_mime.
#include <doctest/doctest.h>

#include "daemon/files/file_names.hpp"

using namespace tgd::files;

TEST_CASE("names from the network lose separators, control characters, leading dots and invalid UTF-8") {
  const std::pair<std::string, std::string> cases[] = {
      {"report.pdf", "report.pdf"},
      {"Ünïcödé 文件.txt", "Ünïcödé 文件.txt"},
      {"a/b\\c.txt", "a_b_c.txt"},
      {"../../etc/passwd", "_.._etc_passwd"},
      {"..", "file"},
      {".", "file"},
      {"", "file"},
      {"   ", "file"},
      {".bashrc", "bashrc"},
      {"name. . ", "name"},
      {std::string("nul\0byte", 8), "nul_byte"},
      {"tab\there\nnew\x7f", "tab_here_new_"},
      {"bad\xff\xfe utf8.bin", "bad__ utf8.bin"},
      {"\xc0\xaf overlong", "__ overlong"},
      {"\xed\xa0\x80 surrogate", "___ surrogate"},
  };
  for (const auto& [input, expected] : cases) {
    CAPTURE(input);
    CHECK(sanitize_file_name(input) == expected);
  }
  CHECK(sanitize_file_name("", "photo_1.jpg") == "photo_1.jpg");
  CHECK(sanitize_file_name("/", "../x") == "_");
  CHECK(sanitize_file_name("..", "..") == "file");
}

TEST_CASE("long names are cut at a character boundary, keeping a short extension") {
  const std::string long_ascii = std::string(300, 'a') + ".mp4";
  const std::string cut = sanitize_file_name(long_ascii);
  CHECK(cut.size() == kMaxFileNameBytes);
  CHECK(cut == std::string(kMaxFileNameBytes - 4, 'a') + ".mp4");

  std::string long_utf8;
  for (int i = 0; i < 150; ++i) long_utf8 += "é";  // 2 bytes each
  long_utf8 += "x.tar";
  const std::string cut_utf8 = sanitize_file_name(long_utf8);
  CHECK(cut_utf8.size() <= kMaxFileNameBytes);
  CHECK(cut_utf8.ends_with(".tar"));
  CHECK(sanitize_file_name(cut_utf8) == cut_utf8);  // still valid UTF-8: nothing replaced

  const std::string long_extension = "a." + std::string(300, 'b');
  CHECK(sanitize_file_name(long_extension).size() == kMaxFileNameBytes);
}

TEST_CASE("numbered names: the counter goes before the last extension") {
  CHECK(numbered_file_name("a.txt", 0) == "a.txt");
  CHECK(numbered_file_name("a.txt", 1) == "a (1).txt");
  CHECK(numbered_file_name("a.tar.gz", 2) == "a.tar (2).gz");
  CHECK(numbered_file_name("README", 3) == "README (3)");
  CHECK(numbered_file_name(".hidden", 1) == ".hidden (1)");
}

TEST_CASE("extensions for MIME types") {
  CHECK(extension_for_mime("image/jpeg") == ".jpg");
  CHECK(extension_for_mime("video/mp4") == ".mp4");
  CHECK(extension_for_mime("audio/ogg") == ".ogg");
  CHECK(extension_for_mime("application/x-tgsticker") == ".tgs");
  CHECK(extension_for_mime("application/octet-stream").empty());
  CHECK(extension_for_mime("").empty());
}
