#pragma once
// The local test DC: a strict MTProto server on loopback serving several DCs from one process, each
// on its own port. Tests embed it on their io_context; tgd-testdc runs it as a program.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/crypto/rsa.hpp"

namespace boost::asio {
class io_context;
}

namespace tgd::mtproto::server {
class Dispatcher;
}

namespace tgd::testdc {

class World;

struct DcEndpoint {
  int id = 0;
  std::string host;
  std::uint16_t port = 0;
};

struct Options {
  std::string host = "127.0.0.1";
  // Port of DC 1; DC n listens on port + n - 1. 0 picks free ports.
  std::uint16_t port = 0;
  int dcs = 3;
  // The server's RSA key; generated when absent.
  std::shared_ptr<const crypto::RsaPrivateKey> key;
};

class TestDc {
 public:
  TestDc(boost::asio::io_context& io, Options options);
  ~TestDc();
  TestDc(const TestDc&) = delete;
  TestDc& operator=(const TestDc&) = delete;

  // Binds every DC's listener and starts accepting. Returns an error message on failure.
  std::optional<std::string> start();
  // Closes the listeners and every connection.
  void stop();

  std::vector<DcEndpoint> endpoints() const;
  const crypto::RsaPrivateKey& key() const;
  // The encrypted side of DC `dc` (1-based): its auth keys, sessions, counters and fault hooks.
  mtproto::server::Dispatcher& dispatcher(int dc);
  // Accounts, logins, channels and messages shared by every DC, with the tests' controls (injected
  // rpc errors, revocation, direct account creation).
  World& world();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tgd::testdc
