#include <doctest/doctest.h>

#include "daemon/session/dc_target.hpp"
#include "protocol/crypto/rsa.hpp"

using namespace tgd;
using namespace tgd::session;

TEST_CASE("production and Telegram test targets carry the built-in addresses, keys and wire DC ids") {
  const DcTarget production = DcTarget::production();
  CHECK(production.network() == DcNetwork::Production);
  CHECK(production.default_dc() == 2);
  REQUIRE(production.address(2));
  CHECK(production.address(2)->host == "149.154.167.51");
  CHECK(production.address(2)->port == 443);
  CHECK(production.address(2)->dc_id == 2);
  CHECK(production.address(5));
  CHECK_FALSE(production.address(6));
  REQUIRE(production.rsa_keys().size() == 1);
  CHECK(static_cast<std::uint64_t>(production.rsa_keys()[0].fingerprint()) == 0xd09d1d85de64fd85ULL);

  const DcTarget test = DcTarget::telegram_test();
  REQUIRE(test.address(1));
  CHECK(test.address(1)->host == "149.154.175.10");
  CHECK(test.address(1)->dc_id == 10001);  // test DCs are 10000 + n on the wire
  CHECK_FALSE(test.address(4));
  CHECK(static_cast<std::uint64_t>(test.rsa_keys()[0].fingerprint()) == 0xb25898df208d2603ULL);
}

TEST_CASE("a custom DC target round-trips through its JSON settings") {
  const auto key = crypto::RsaPrivateKey::generate();
  const std::string pem = key.public_key().to_pem();
  auto made = DcTarget::custom({{1, "127.0.0.1", 4001}, {2, "127.0.0.1", 4002}}, pem);
  REQUIRE(std::holds_alternative<DcTarget>(made));
  const DcTarget& t = std::get<DcTarget>(made);
  CHECK(t.default_dc() == 1);
  CHECK(t.address(2)->port == 4002);
  CHECK(t.address(2)->dc_id == 2);
  auto back = DcTarget::from_json(t.to_json());
  REQUIRE(std::holds_alternative<DcTarget>(back));
  CHECK(std::get<DcTarget>(back).to_json() == t.to_json());
  CHECK(std::get<DcTarget>(back).rsa_keys()[0].fingerprint() == key.public_key().fingerprint());
}

TEST_CASE("help.getConfig dc_options replace addresses, first entry per DC wins, others kept") {
  DcTarget t = DcTarget::production();
  const int changed =
      t.apply_dc_options({{2, "10.0.0.2", 443}, {2, "10.9.9.9", 443}, {4, "149.154.167.91", 443}});
  CHECK(changed == 1);
  CHECK(t.address(2)->host == "10.0.0.2");
  CHECK(t.address(1)->host == "149.154.175.50");
  auto back = DcTarget::from_json(t.to_json());
  REQUIRE(std::holds_alternative<DcTarget>(back));
  CHECK(std::get<DcTarget>(back).address(2)->host == "10.0.0.2");
}

TEST_CASE("bad DC settings are refused with a message") {
  CHECK(std::holds_alternative<std::string>(DcTarget::from_json("not json")));
  CHECK(std::holds_alternative<std::string>(DcTarget::from_json(R"({"network":"moon"})")));
  CHECK(std::holds_alternative<std::string>(DcTarget::from_json(R"({"network":"custom","dcs":[]})")));
  CHECK(std::holds_alternative<std::string>(DcTarget::custom({{1, "127.0.0.1", 1}}, "not a key")));
  CHECK(std::holds_alternative<std::string>(
      DcTarget::from_json(R"({"network":"production","dcs":[{"id":1,"host":"x","port":70000}]})")));
}
