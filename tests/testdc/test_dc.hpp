#pragma once
// The local test DC: a strict MTProto server on loopback serving several DCs from one process, each
// on its own port. Tests embed it on their io_context; tgd-testdc runs it as a program.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/crypto/rsa.hpp"
#include "tests/testdc/world.hpp"

namespace boost::asio {
class io_context;
}

namespace tgd::mtproto::server {
class Dispatcher;
}

namespace tgd::testdc {

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
  // The bounds of update logs and differences are World options: world().set_update_options()
  // (not here: callers aggregate-initialize Options).
};

// A test control: `count` private messages from one account to another, made and pushed as fast
// as the connections take them (or at `rate`), as if `from` sent them from elsewhere.
struct Flood {
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::uint64_t count = 0;
  double rate = 0;  // messages per second; 0: as fast as possible
  // Messages per push: 1 sends updateShortMessage each, more pack updateNewMessage items into one
  // `updates` (with the box's seq).
  int batch = 1;
  std::string text = "flood";  // each message is "<text> <n>"
  // Each message is "<text> <n> @<ns>" instead, ns = CLOCK_MONOTONIC when its push was made: a
  // process on the same machine measures delivery latency from it (bench/bench_updates.cpp).
  bool stamp = false;
};
struct FloodResult {
  std::uint64_t sent = 0;
  std::chrono::nanoseconds elapsed{0};
};

// A document message made by TestDc::send_document.
struct SentDocument {
  int id = 0;            // the sender's message id
  int recipient_id = 0;  // the recipient's (the same for Saved Messages)
  std::int64_t document_id = 0;
  std::uint64_t size = 0;
  int dc = 0;  // the files DC
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

  // A private text message from `from` to `to` (account ids), as if `from` sent it from another
  // device: stored in both boxes and pushed (updateShortMessage) to both accounts' sessions.
  // Returns the recipient's pts after it. Throws std::invalid_argument for unknown accounts.
  int send_message(std::int64_t from, std::int64_t to, std::string text);
  // A document message from `from` to `to` (to == from: Saved Messages) whose bytes are the file at
  // `path`, read in place (kept open, not copied: the daemon's benchmarks send 512 MiB files this
  // way), as if `from` uploaded it elsewhere; pushed like messages.sendMedia's. `name` defaults to
  // the path's last part, `mime_type` to application/octet-stream. Throws std::invalid_argument
  // (unknown account, empty file) or std::runtime_error (cannot open the file).
  SentDocument send_document(std::int64_t from, std::int64_t to, const std::string& path,
                             std::string name = {}, std::string mime_type = {}, std::string caption = {});
  // Runs a flood on the event loop; `done` is called (on it) when the last message is made. Throws
  // std::invalid_argument for unknown accounts, batch < 1.
  void flood(Flood flood, std::function<void(const FloodResult&)> done = {});
  // Packets waiting to be written, over all connections (floods wait while it is high).
  std::size_t queued_packets() const;
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tgd::testdc
