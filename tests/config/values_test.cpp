#include <doctest/doctest.h>

#include "config/values.hpp"

using namespace tgd::config;
using namespace std::chrono_literals;

TEST_CASE("durations need an integer and a unit") {
  CHECK(parse_duration("500ms").value == 500ms);
  CHECK(parse_duration("10s").value == 10s);
  CHECK(parse_duration("5m").value == 5min);
  CHECK(parse_duration("1h").value == 1h);
  CHECK(parse_duration("0s").value == 0ms);
  CHECK_FALSE(parse_duration("10").value);
  CHECK_FALSE(parse_duration("1.5s").value);
  CHECK_FALSE(parse_duration("-1s").value);
  CHECK_FALSE(parse_duration("s").value);
  CHECK_FALSE(parse_duration("99999999999999999999h").value);
  CHECK(parse_duration("3d").value == 72h);
  CHECK(parse_duration("3w").error == "unknown duration unit \"w\" (use ms, s, m, h or d)");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(300s) == "5m");
  CHECK(format_duration(90s) == "90s");
  CHECK(format_duration(0ms) == "0s");
}

TEST_CASE("sizes take binary units") {
  CHECK(parse_size("4096").value == 4096u);
  CHECK(parse_size("4096B").value == 4096u);
  CHECK(parse_size("512KiB").value == 512u << 10);
  CHECK(parse_size("16MiB").value == 16u << 20);
  CHECK(parse_size("16M").value == 16u << 20);
  CHECK(parse_size("16mb").value == 16u << 20);
  CHECK(parse_size("1GiB").value == 1u << 30);
  CHECK_FALSE(parse_size("16 MiB").value);
  CHECK_FALSE(parse_size("MiB").value);
  CHECK_FALSE(parse_size("99999999999999GiB").value);
  CHECK(format_size(16u << 20) == "16MiB");
  CHECK(format_size(1000) == "1000B");
}

TEST_CASE("modes are octal permission bits") {
  CHECK(parse_mode("0600").value == 0600u);
  CHECK(parse_mode("660").value == 0660u);
  CHECK(parse_mode("0o644").value == 0644u);
  CHECK(parse_mode("0777").value == 0777u);
  CHECK_FALSE(parse_mode("1777").value);
  CHECK_FALSE(parse_mode("0800").value);
  CHECK_FALSE(parse_mode("").value);
  CHECK_FALSE(parse_mode("rw-------").value);
}

TEST_CASE("origins are normalized as browsers send them") {
  CHECK(normalize_origin("https://example.com").value == "https://example.com");
  CHECK(normalize_origin("HTTPS://Example.COM:443/").value == "https://example.com");
  CHECK(normalize_origin("http://localhost:80").value == "http://localhost");
  CHECK(normalize_origin("http://localhost:3000").value == "http://localhost:3000");
  CHECK(normalize_origin("http://[::1]:8080").value == "http://[::1]:8080");
  CHECK(normalize_origin("chrome-extension://abcdefghij").value == "chrome-extension://abcdefghij");
  CHECK_FALSE(normalize_origin("example.com").value);
  CHECK_FALSE(normalize_origin("https://example.com/path").value);
  CHECK_FALSE(normalize_origin("https://example.com:").value);
  CHECK_FALSE(normalize_origin("https://example.com:0").value);
  CHECK_FALSE(normalize_origin("https://example.com:65536").value);
  CHECK_FALSE(normalize_origin("https://user@example.com").value);
  CHECK_FALSE(normalize_origin("https://").value);
  CHECK_FALSE(normalize_origin("null").value);
  CHECK_FALSE(normalize_origin("*").value);
  CHECK_FALSE(normalize_origin("https://exa mple.com").value);
  CHECK_FALSE(normalize_origin("1http://a").value);
}

TEST_CASE("hosts are names or IP literals") {
  CHECK(parse_host("Tgd.LAN", true).value == "tgd.lan");
  CHECK(parse_host("127.0.0.1", true).value == "127.0.0.1");
  CHECK(parse_host("[::1]", true).value == "[::1]");
  CHECK(parse_host("[::1]", false).value == "::1");
  CHECK(parse_host("::1", false).value == "::1");
  CHECK_FALSE(parse_host("::1", true).value);
  CHECK_FALSE(parse_host("host:80", true).value);
  CHECK_FALSE(parse_host("-bad.example", true).value);
  CHECK_FALSE(parse_host("a..b", true).value);
  CHECK_FALSE(parse_host("", true).value);
  CHECK_FALSE(parse_host("[nope]", true).value);
}

TEST_CASE("listen addresses and DC endpoints") {
  using Address = std::pair<std::string, std::uint16_t>;
  CHECK(parse_listen_address("8765").value == Address{"127.0.0.1", 8765});
  CHECK(parse_listen_address("0").value == Address{"127.0.0.1", 0});
  CHECK(parse_listen_address("0.0.0.0:80").value == Address{"0.0.0.0", 80});
  CHECK(parse_listen_address("localhost:1").value == Address{"localhost", 1});
  CHECK(parse_listen_address("[::1]:9000").value == Address{"::1", 9000});
  CHECK_FALSE(parse_listen_address("::1:9000").value);
  CHECK_FALSE(parse_listen_address("host:").value);
  CHECK_FALSE(parse_listen_address(":80").value);
  CHECK_FALSE(parse_listen_address("65536").value);
  CHECK(parse_dc_endpoint("2=127.0.0.1:4002").value == DcEndpointConfig{2, "127.0.0.1", 4002});
  CHECK(parse_dc_endpoint("1=[::1]:443").value == DcEndpointConfig{1, "::1", 443});
  CHECK_FALSE(parse_dc_endpoint("1=4002").value);
  CHECK_FALSE(parse_dc_endpoint("0=h:1").value);
  CHECK_FALSE(parse_dc_endpoint("1=h:0").value);
  CHECK_FALSE(parse_dc_endpoint("x=h:1").value);
  CHECK_FALSE(parse_dc_endpoint("h:1").value);
}

TEST_CASE("session names, api hashes and tokens") {
  CHECK(is_valid_session_name("main"));
  CHECK(is_valid_session_name("bot_1.test-2"));
  CHECK(is_valid_session_name(std::string(64, 'a')));
  CHECK_FALSE(is_valid_session_name(std::string(65, 'a')));
  CHECK_FALSE(is_valid_session_name(""));
  CHECK_FALSE(is_valid_session_name("a b"));
  CHECK_FALSE(is_valid_session_name("a/b"));
  CHECK_FALSE(is_valid_session_name("ü"));
  CHECK_FALSE(check_api_hash("0123456789abcdef0123456789ABCDEF"));
  CHECK(check_api_hash("0123") ==
        "must be the 32 hexadecimal digits my.telegram.org shows (got 4 characters)");
  CHECK(check_api_hash("g123456789abcdef0123456789abcdef"));
  CHECK_FALSE(check_token("abcdefghijklmnop"));
  CHECK(check_token("abcdefghijklmno"));
  CHECK(check_token("abcdefgh ijklmnop"));
  CHECK(check_token(std::string(257, 'a')));
}
