// End to end over loopback TCP: tgd's client creates auth keys with the local test DC over every
// transport, plain and obfuscated.
#include <doctest/doctest.h>

#include <memory>

#include "protocol/crypto/rsa.hpp"
#include "protocol/mtproto/server/dispatcher.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/net/auth_key_exchange.hpp"
#include "tests/testdc/test_dc.hpp"

using namespace tgd;
using namespace tgd::net;
using transport::Framing;

namespace {

std::shared_ptr<const crypto::RsaPrivateKey> server_key() {
  static auto key = std::make_shared<const crypto::RsaPrivateKey>(crypto::RsaPrivateKey::generate());
  return key;
}

struct Outcome {
  std::optional<AuthKeyCreated> created;
  std::string error;
};

// Runs one client exchange against DC `dc_id` of a fresh test DC and returns what happened.
Outcome exchange(Framing framing, bool obfuscated, int dc_id, std::int32_t sent_dc_id,
                 testdc::TestDc** out_dc, std::unique_ptr<testdc::TestDc>& holder, asio::io_context& io) {
  holder = std::make_unique<testdc::TestDc>(io, testdc::Options{"127.0.0.1", 0, 2, server_key()});
  REQUIRE_FALSE(holder->start());
  *out_dc = holder.get();
  auto endpoint = holder->endpoints()[dc_id - 1];
  Outcome outcome;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        std::optional<transport::Codec> codec =
            obfuscated ? transport::Codec::client_obfuscated(framing, static_cast<std::int16_t>(sent_dc_id))
                       : std::optional(transport::Codec::client(framing));
        REQUIRE(codec);
        auto connected = co_await FramedSocket::connect(
            tcp::endpoint(asio::ip::make_address(endpoint.host), endpoint.port), std::move(*codec),
            std::chrono::seconds(5));
        if (auto* closed = std::get_if<SocketClosed>(&connected)) {
          outcome.error = closed->reason;
          co_return;
        }
        auto& socket = std::get<FramedSocket>(connected);
        handshake::ClientHandshake::Options options;
        options.dc_id = sent_dc_id;
        options.rsa_keys = {server_key()->public_key()};
        auto result = co_await create_auth_key(socket, options, std::chrono::seconds(10));
        if (auto* failed = std::get_if<AuthKeyFailed>(&result)) {
          outcome.error = failed->reason;
        } else {
          outcome.created = std::move(std::get<AuthKeyCreated>(result));
        }
        socket.close();
        holder->stop();
      },
      asio::detached);
  io.run();
  return outcome;
}

}  // namespace

TEST_CASE("tgd creates an auth key with the test DC over every transport, plain and obfuscated") {
  for (Framing framing :
       {Framing::Abridged, Framing::Intermediate, Framing::PaddedIntermediate, Framing::Full}) {
    for (bool obfuscated : {false, true}) {
      if (obfuscated && framing == Framing::Full) continue;  // Full has no tag to obfuscate
      CAPTURE(static_cast<int>(framing));
      CAPTURE(obfuscated);
      asio::io_context io;
      std::unique_ptr<testdc::TestDc> holder;
      testdc::TestDc* dc = nullptr;
      Outcome outcome = exchange(framing, obfuscated, 2, 2, &dc, holder, io);
      REQUIRE_MESSAGE(outcome.created, outcome.error);
      const auto id = static_cast<std::uint64_t>(outcome.created->key.id_value());
      CHECK(dc->dispatcher(2).has_auth_key(id));
      CHECK_FALSE(dc->dispatcher(1).has_auth_key(id));
      CHECK(std::abs(outcome.created->time_offset) <= 1);
    }
  }
}

TEST_CASE("the test DC refuses a handshake that names another DC with transport error -444") {
  asio::io_context io;
  std::unique_ptr<testdc::TestDc> holder;
  testdc::TestDc* dc = nullptr;
  Outcome outcome = exchange(Framing::Intermediate, false, 1, 2, &dc, holder, io);
  CHECK_FALSE(outcome.created);
  CHECK(outcome.error == "transport error -444");
}
