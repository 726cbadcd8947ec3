// 2FA: account.getPassword, auth.checkPassword with real SRP (tgd's client side from
// protocol/crypto/srp.hpp), account.updatePasswordSettings.
#include <doctest/doctest.h>

#include "protocol/base/base64.hpp"
#include "protocol/crypto/srp.hpp"
#include "tests/testdc/srp_server.hpp"
#include "tests/testdc_api/harness.hpp"

namespace tgd::testdc::testing {
namespace {

Bytes b64(const Answer& a, std::string_view pointer) { return base64_decode(a.str(pointer)).value(); }

// inputCheckPasswordSRP JSON for `password` against an account.password answer.
std::string srp_check(const Answer& pw, std::string_view password) {
  const Bytes salt1 = b64(pw, "/current_algo/salt1");
  const Bytes salt2 = b64(pw, "/current_algo/salt2");
  const Bytes p = b64(pw, "/current_algo/p");
  const Bytes srp_b = b64(pw, "/srp_B");
  const auto hash = crypto::srp_password_hash(as_bytes(password), salt1, salt2);
  const crypto::SrpParams params{salt1, salt2, static_cast<std::int32_t>(pw.num("/current_algo/g")), p};
  auto proof = crypto::srp_client_proof(hash, params, srp_b);
  REQUIRE(proof);
  return R"({"_":"inputCheckPasswordSRP","srp_id":")" + pw.str("/srp_id") + R"(","A":")" +
         base64_encode(proof->a) + R"(","M1":")" + base64_encode(proof->m1) + "\"}";
}

// account.passwordInputSettings JSON setting `password` with the answer's new_algo, as clients do
// (salt1 extended by 32 client bytes, new_password_hash = the verifier).
std::string new_settings(const Answer& pw, std::string_view password, std::string_view hint) {
  Bytes salt1 = b64(pw, "/new_algo/salt1");
  salt1.resize(salt1.size() + 32, 0x5a);
  const Bytes salt2 = b64(pw, "/new_algo/salt2");
  const Bytes p = b64(pw, "/new_algo/p");
  const auto g = static_cast<std::int32_t>(pw.num("/new_algo/g"));
  const Bytes v = crypto::srp_verifier(crypto::srp_password_hash(as_bytes(password), salt1, salt2), g, p);
  return R"({"new_algo":{"_":"passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow","salt1":")" +
         base64_encode(salt1) + R"(","salt2":")" + base64_encode(salt2) + R"(","g":)" + std::to_string(g) +
         R"(,"p":")" + base64_encode(p) + R"("},"new_password_hash":")" + base64_encode(v) + R"(","hint":")" +
         std::string(hint) + "\"}";
}

}  // namespace

TEST_CASE("the test DC's SRP server accepts tgd's client proof for the right password only") {
  const SrpPassword stored = srp_password_from_text("correct horse", "hint");
  const SrpAttempt attempt = srp_new_attempt(stored);
  CHECK(attempt.challenge.srp_b.size() == 256);
  const crypto::SrpParams params{stored.salt1, stored.salt2, kSrpG, srp_prime()};
  auto right = crypto::srp_client_proof(
      crypto::srp_password_hash(as_bytes("correct horse"), stored.salt1, stored.salt2), params,
      attempt.challenge.srp_b);
  REQUIRE(right);
  CHECK(srp_verify(stored, attempt, right->a, right->m1));
  auto wrong =
      crypto::srp_client_proof(crypto::srp_password_hash(as_bytes("wrong horse"), stored.salt1, stored.salt2),
                               params, attempt.challenge.srp_b);
  REQUIRE(wrong);
  CHECK_FALSE(srp_verify(stored, attempt, wrong->a, wrong->m1));
  // A proof for another attempt (another B) fails.
  const SrpAttempt other = srp_new_attempt(stored);
  CHECK_FALSE(srp_verify(stored, other, right->a, right->m1));
  CHECK(srp_accept_verifier(Bytes{1}) == std::nullopt);
  CHECK(srp_accept_verifier(Bytes(srp_prime().begin(), srp_prime().end())) == std::nullopt);
}

TEST_CASE("code login of a 2FA account: SESSION_PASSWORD_NEEDED, getPassword, checkPassword right password") {
  Harness h;
  const std::int64_t id = h.world().create_user("9996625555", "Eve").id;
  h.world().set_password(id, "s3cret", "the usual");
  Client c = h.client(2);
  Answer in = h.login_phone(c, "9996625555");
  CHECK(in.error == ApiError{401, "SESSION_PASSWORD_NEEDED"});
  CHECK_FALSE(h.world().authorized_user(2, c.auth_key_id));
  CHECK(h.call(c, "updates.getState").error == ApiError{401, "AUTH_KEY_UNREGISTERED"});

  Answer pw = h.call(c, "account.getPassword");
  REQUIRE(pw.ok);
  CHECK(pw.type() == "account.password");
  CHECK(pw.at("/has_password").get_bool().value());
  CHECK(pw.str("/current_algo/_") == "passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow");
  CHECK(pw.num("/current_algo/g") == 3);
  CHECK(b64(pw, "/current_algo/p") == Bytes(srp_prime().begin(), srp_prime().end()));
  CHECK(b64(pw, "/srp_B").size() == 256);
  CHECK(pw.str("/hint") == "the usual");
  CHECK(pw.has("/new_algo/salt1"));
  CHECK(pw.str("/new_secure_algo/_") == "securePasswordKdfAlgoPBKDF2HMACSHA512iter100000");
  CHECK(b64(pw, "/secure_random").size() == 256);

  Answer ok = h.call(c, "auth.checkPassword", R"({"password":)" + srp_check(pw, "s3cret") + "}");
  REQUIRE(ok.ok);
  CHECK(ok.type() == "auth.authorization");
  CHECK(ok.id("/user/id") == id);
  CHECK(h.world().authorized_user(2, c.auth_key_id) == id);
  CHECK(h.encoding_failures.empty());
}

TEST_CASE("auth.checkPassword: wrong password PASSWORD_HASH_INVALID, stale srp_id SRP_ID_INVALID") {
  Harness h;
  const std::int64_t id = h.world().create_user("9996615555", "Frank").id;
  h.world().set_password(id, "right");
  Client c = h.client(1);
  CHECK(h.login_phone(c, "9996615555").error.message == "SESSION_PASSWORD_NEEDED");
  Answer pw = h.call(c, "account.getPassword");
  REQUIRE(pw.ok);
  CHECK(h.call(c, "auth.checkPassword", R"({"password":)" + srp_check(pw, "wrong") + "}").error ==
        ApiError{400, "PASSWORD_HASH_INVALID"});
  CHECK(h.call(c, "auth.checkPassword", R"({"password":{"_":"inputCheckPasswordEmpty"}})").error ==
        ApiError{400, "PASSWORD_HASH_INVALID"});
  CHECK_FALSE(h.world().authorized_user(1, c.auth_key_id));
  const std::string stale = srp_check(pw, "right");
  Answer fresh = h.call(c, "account.getPassword");  // a new srp_id: the old one is stale
  CHECK(h.call(c, "auth.checkPassword", R"({"password":)" + stale + "}").error ==
        ApiError{400, "SRP_ID_INVALID"});
  CHECK(h.call(c, "auth.checkPassword", R"({"password":)" + srp_check(fresh, "right") + "}").ok);
  // A key that never got SESSION_PASSWORD_NEEDED cannot check passwords.
  Client other = h.client(1);
  CHECK(h.call(other, "auth.checkPassword", R"({"password":)" + srp_check(fresh, "right") + "}").error ==
        ApiError{401, "AUTH_KEY_UNREGISTERED"});
}

TEST_CASE("account.updatePasswordSettings sets a password, changing it needs the current SRP check") {
  Harness h;
  std::int64_t id = 0;
  Client c = h.user("9996635555", "Grace", &id);
  Answer none = h.call(c, "account.getPassword");
  REQUIRE(none.ok);
  CHECK_FALSE(none.has("/has_password"));
  CHECK_FALSE(none.has("/srp_B"));
  Answer set = h.call(c, "account.updatePasswordSettings",
                      R"({"password":{"_":"inputCheckPasswordEmpty"},"new_settings":)" +
                          new_settings(none, "first", "h1") + "}");
  REQUIRE(set.ok);
  CHECK(set.json == "true");
  REQUIRE(h.world().find_account(id)->password);

  Answer pw = h.call(c, "account.getPassword");
  REQUIRE(pw.at("/has_password").get_bool().value());
  CHECK(pw.str("/hint") == "h1");
  // Without the current password: refused.
  CHECK(h.call(c, "account.updatePasswordSettings",
               R"({"password":{"_":"inputCheckPasswordEmpty"},"new_settings":)" +
                   new_settings(pw, "second", "") + "}")
            .error == ApiError{400, "PASSWORD_HASH_INVALID"});
  pw = h.call(c, "account.getPassword");
  CHECK(h.call(c, "account.updatePasswordSettings",
               R"({"password":)" + srp_check(pw, "first") + R"(,"new_settings":)" +
                   new_settings(pw, "second", "h2") + "}")
            .ok);
  // The new password logs in.
  Client login = h.client(3);
  CHECK(h.login_phone(login, "9996635555").error.message == "SESSION_PASSWORD_NEEDED");
  Answer challenge = h.call(login, "account.getPassword");
  CHECK(challenge.str("/hint") == "h2");
  CHECK(h.call(login, "auth.checkPassword", R"({"password":)" + srp_check(challenge, "first") + "}").error ==
        ApiError{400, "PASSWORD_HASH_INVALID"});
  challenge = h.call(login, "account.getPassword");
  CHECK(h.call(login, "auth.checkPassword", R"({"password":)" + srp_check(challenge, "second") + "}").ok);
  // Removing it: passwordKdfAlgoUnknown and an empty hash.
  pw = h.call(c, "account.getPassword");
  CHECK(
      h.call(
           c, "account.updatePasswordSettings",
           R"({"password":)" + srp_check(pw, "second") +
               R"(,"new_settings":{"new_algo":{"_":"passwordKdfAlgoUnknown"},"new_password_hash":"","hint":""}})")
          .ok);
  CHECK_FALSE(h.world().find_account(id)->password);
  CHECK(h.encoding_failures.empty());
}

}  // namespace tgd::testdc::testing
