// Who may use the TCP listener: token, Origin and Host rules, without sockets.
#include <doctest/doctest.h>

#include "rpc/server/http_access.hpp"

using namespace tgd::rpc;

TEST_CASE("tokens compare equal only when identical") {
  CHECK(constant_time_equal("secret", "secret"));
  CHECK_FALSE(constant_time_equal("secret", "secreT"));
  CHECK_FALSE(constant_time_equal("secret", "secret2"));
  CHECK_FALSE(constant_time_equal("", "x"));
}

TEST_CASE("the token comes from a Bearer header or the token query parameter") {
  CHECK(bearer_token("Bearer abc") == "abc");
  CHECK(bearer_token("bearer  abc ") == "abc");
  CHECK_FALSE(bearer_token("Basic abc"));
  CHECK(query_parameter("/?token=a%2Bb&x=1", "token") == "a+b");
  CHECK(query_parameter("/rpc?x=1&token=t", "token") == "t");
  CHECK_FALSE(query_parameter("/rpc?tokens=t", "token"));
  CHECK_FALSE(query_parameter("/rpc", "token"));
  CHECK(target_path("/rpc?token=t") == "/rpc");
}

TEST_CASE("Host must be the bound address, localhost, or allowlisted (DNS rebinding)") {
  std::vector<std::string> none, allowed{"tgd.example", "other.example:9000"};
  CHECK(host_allowed("127.0.0.1:8080", "127.0.0.1", 8080, none));
  CHECK(host_allowed("localhost:8080", "127.0.0.1", 8080, none));
  CHECK(host_allowed("LOCALHOST:8080", "127.0.0.1", 8080, none));
  CHECK(host_allowed("[::1]:8080", "::1", 8080, none));
  CHECK_FALSE(host_allowed("127.0.0.1:8081", "127.0.0.1", 8080, none));
  CHECK_FALSE(host_allowed("evil.example:8080", "127.0.0.1", 8080, none));
  CHECK_FALSE(host_allowed("", "127.0.0.1", 8080, none));
  CHECK(host_allowed("tgd.example", "127.0.0.1", 8080, allowed));
  CHECK(host_allowed("tgd.example:443", "127.0.0.1", 8080, allowed));
  CHECK(host_allowed("other.example:9000", "127.0.0.1", 8080, allowed));
  CHECK_FALSE(host_allowed("other.example:9001", "127.0.0.1", 8080, allowed));
}

TEST_CASE("Origin must be allowlisted") {
  std::vector<std::string> allowed{"http://localhost:3000"};
  CHECK(origin_allowed("http://localhost:3000", allowed));
  CHECK(origin_allowed("HTTP://LOCALHOST:3000/", allowed));
  CHECK_FALSE(origin_allowed("http://evil.example", allowed));
  CHECK_FALSE(origin_allowed("null", allowed));
  CHECK(origin_allowed("http://anything", {"*"}));
}
